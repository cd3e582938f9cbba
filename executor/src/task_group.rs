//! `TaskGroup` — asyncio 3.11's `async with asyncio.TaskGroup() as tg:`, structured concurrency.
//!
//! A task group owns the tasks spawned into it. Awaiting [`TaskGroup::join`] waits for all of them;
//! the **first failure** (a child returning `Err`, or panicking) cancels every other child at once
//! and is what `join` returns. Dropping the group without joining it cancels the children too:
//! no task outlives the scope that started it.
//!
//! asyncio collects every error into an `ExceptionGroup`; here the first one is returned, and the
//! siblings it cancelled finish as `JoinError::is_cancelled` in their handles.
//!
//! Read next: [`yield_now.rs`](mod@crate::yield_now), the smallest future of all.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use crate::error::{panic_message, JoinError};
use crate::event_loop::context;
use crate::spawn::{spawn, AbortHandle, JoinHandle};
use crate::store_waker::store_waker;

/// A scope of tasks that finish together — asyncio's `TaskGroup`.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// use glassloop::TaskGroup;
///
/// glassloop::run(async {
///     let group = TaskGroup::new();
///     let slow = group.spawn(async {
///         glassloop::sleep(Duration::from_secs(60)).await;
///         Ok(1)
///     });
///     let failing = group.spawn(async {
///         glassloop::sleep(Duration::from_millis(10)).await;
///         Err::<(), _>("the database is down")
///     });
///     let error = group.join().await.unwrap_err();
///     assert_eq!(error.failure(), Some(&"the database is down"));
///     assert!(slow.await.unwrap_err().is_cancelled()); // its sibling's failure cancelled it
///     assert!(failing.await.unwrap_err().is_cancelled());
/// });
/// ```
pub struct TaskGroup<E> {
    state: Rc<RefCell<GroupState<E>>>,
}

struct GroupState<E> {
    /// Children still running.
    running: usize,
    /// The children still running, to cancel them. A child takes itself out when it ends, so a
    /// long-lived group (a server's connections) does not pile up handles.
    children: HashMap<u64, AbortHandle>,
    /// The key of the next child.
    next_key: u64,
    /// The first failure.
    failure: Option<TaskGroupError<E>>,
    /// Whoever awaits `join`.
    joiner: Option<Waker>,
}

/// Why a [`TaskGroup`] failed: the first child to fail, and how.
#[derive(Debug)]
pub enum TaskGroupError<E> {
    /// A child returned this error.
    Failed(E),
    /// A child panicked.
    Panicked(JoinError),
}

impl<E> TaskGroupError<E> {
    /// The error a child returned, if that is how the group failed.
    pub fn failure(&self) -> Option<&E> {
        match self {
            TaskGroupError::Failed(error) => Some(error),
            TaskGroupError::Panicked(_) => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskGroupError::Failed(error) => write!(f, "a task in the group failed: {error}"),
            TaskGroupError::Panicked(error) => write!(f, "a task in the group panicked: {error}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for TaskGroupError<E> {}

impl<E: 'static> Default for TaskGroup<E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<E: 'static> TaskGroup<E> {
    /// An empty group.
    pub fn new() -> TaskGroup<E> {
        TaskGroup {
            state: Rc::new(RefCell::new(GroupState {
                running: 0,
                children: HashMap::new(),
                next_key: 0,
                failure: None,
                joiner: None,
            })),
        }
    }

    /// Spawns `future` into the group — asyncio's `tg.create_task(coro)`.
    ///
    /// The returned handle yields the child's `Ok` value; if the child fails (or is cancelled by a
    /// sibling's failure), the handle yields a cancelled `JoinError` and the group reports the
    /// failure. If the group has already failed, the child is cancelled before it runs.
    ///
    /// # Panics
    ///
    /// Outside a running loop, like [`spawn`](fn@crate::spawn).
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> JoinHandle<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        let state = self.state.clone();
        // Counted before the child can run; the guard inside the child uncounts it however the
        // child ends: finished, failed, panicked or cancelled.
        let key = {
            let mut state = state.borrow_mut();
            state.running += 1;
            state.next_key += 1;
            state.next_key
        };
        let guard = RunningGuard {
            state: state.clone(),
            key,
        };
        let handle = spawn(async move {
            let guard = guard;
            let mut future = pin!(future);
            // Catch a panic here, inside the child, so the group learns of it at once; then let
            // it go on, so the child's own handle reports it as well.
            let outcome =
                poll_fn(
                    |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                        Ok(Poll::Pending) => Poll::Pending,
                        Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
                        Err(payload) => Poll::Ready(Err(payload)),
                    },
                )
                .await;
            match outcome {
                Ok(Ok(value)) => value,
                Ok(Err(error)) => {
                    fail(&guard.state, TaskGroupError::Failed(error));
                    // `fail` aborted this task too; it is dropped at this await point.
                    std::future::pending().await
                }
                Err(payload) => {
                    // Still inside the child's poll: the running task is this child.
                    let number = context::with_current(|core| core.running_number()).flatten();
                    let message = panic_message(payload.as_ref());
                    let error = JoinError::panicked(number.unwrap_or_default(), message);
                    fail(&guard.state, TaskGroupError::Panicked(error));
                    resume_unwind(payload)
                }
            }
        });
        let failed = {
            let mut state = self.state.borrow_mut();
            if !handle.is_finished() {
                state.children.insert(key, handle.abort_handle());
            }
            state.failure.is_some()
        };
        if failed {
            handle.abort();
        }
        handle
    }

    /// How many children are still running (the group holds a cancel handle for each, and lets go
    /// of it when the child ends).
    pub fn children_alive(&self) -> usize {
        self.state.borrow().children.len()
    }

    /// Waits for every child — the end of asyncio's `async with TaskGroup()` block. Returns the
    /// first failure, after the other children have been cancelled.
    ///
    /// A child that panics counts as a failure ([`TaskGroupError::Panicked`]); the panic does not
    /// reach the task awaiting `join`, and the loop goes on.
    ///
    /// **Cancellation:** dropping the `join` future (or the group) cancels every child.
    pub async fn join(self) -> Result<(), TaskGroupError<E>> {
        poll_fn(|cx| {
            let mut state = self.state.borrow_mut();
            if state.running == 0 {
                return Poll::Ready(());
            }
            let replaced = store_waker(&mut state.joiner, cx.waker());
            drop(state);
            drop(replaced);
            Poll::Pending
        })
        .await;
        let failure = self.state.borrow_mut().failure.take();
        match failure {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl<E> Drop for TaskGroup<E> {
    /// A group that goes out of scope takes its children with it.
    fn drop(&mut self) {
        let children = std::mem::take(&mut self.state.borrow_mut().children);
        for child in children.into_values() {
            child.abort();
        }
    }
}

/// Records the group's first failure and cancels every child.
fn fail<E>(state: &Rc<RefCell<GroupState<E>>>, error: TaskGroupError<E>) {
    let children = {
        let mut state = state.borrow_mut();
        if state.failure.is_none() {
            state.failure = Some(error);
        }
        std::mem::take(&mut state.children)
    };
    // Abort with no borrow held: aborting drops the children's futures, and their guards borrow
    // the state again. (Children spawned from now on are aborted as they are spawned.)
    for child in children.into_values() {
        child.abort();
    }
}

/// Lives inside each child; its drop tells the group the child has ended.
struct RunningGuard<E> {
    state: Rc<RefCell<GroupState<E>>>,
    key: u64,
}

impl<E> Drop for RunningGuard<E> {
    fn drop(&mut self) {
        let joiner = {
            let mut state = self.state.borrow_mut();
            state.running -= 1;
            state.children.remove(&self.key);
            if state.running == 0 {
                state.joiner.take()
            } else {
                None
            }
        };
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }
}
