//! `spawn` and its `JoinHandle` — asyncio's `asyncio.create_task` and the `Task` it returns, as
//! seen by whoever awaits it.
//!
//! `asyncio.create_task` returns a `Task` you can `await` for the result, `cancel()`, or ask
//! `done()`. [`spawn`] returns a [`JoinHandle`]: awaiting it gives `Ok(output)`, or a
//! [`JoinError`] if the task panicked or was aborted; [`JoinHandle::abort`] cancels it;
//! [`JoinHandle::is_finished`] asks whether it is done.
//!
//! The handle holds the task's shared part (its waker's, see
//! [`waker.rs`](crate::event_loop::waker)): which task on which loop, its number, and whether it
//! has finished. The output stays in the task's slot until the handle takes it, so an output that
//! is not `Send` (an `Rc`, say) never has to cross a thread.
//!
//! Read next: [`runtime.rs`](crate::runtime), the loop you keep.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::error::JoinError;
use crate::event_loop::context;
use crate::event_loop::waker::{Message, TaskWaker};

/// Spawns a task on the running loop — asyncio's `asyncio.create_task(coro)`.
///
/// The task starts running at the loop's next turn, concurrently with the caller. Await the
/// returned [`JoinHandle`] for its output; drop it to let the task run on detached.
/// The future need not be `Send`: tasks never leave the loop's thread.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let background = glassloop::spawn(async {
///         glassloop::sleep(Duration::from_millis(10)).await;
///         "done"
///     });
///     // ... do other work here ...
///     assert_eq!(background.await.unwrap(), "done");
/// });
/// ```
///
/// # Panics
///
/// Outside a running loop: call it from inside `glassloop::run(...)` / `Runtime::block_on(...)`, or
/// use [`Runtime::spawn`](crate::Runtime::spawn).
#[doc(alias = "create_task")]
#[doc(alias = "spawn_local")]
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    spawn_inner(future, None)
}

/// Runs `future` as a task of its own, so that cancelling whoever awaits it does not cancel it —
/// asyncio's `asyncio.shield(aw)`.
///
/// In Rust, cancelling is dropping: a future dropped half-way is gone. A task is not: dropping its
/// [`JoinHandle`] only detaches it. So shielding a future means spawning it, and awaiting the
/// handle; if the awaiting code is cancelled (a `timeout` ran out, a `select!` chose another
/// branch), the task goes on to the end.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let saved = std::rc::Rc::new(std::cell::Cell::new(false));
///     let save = {
///         let saved = saved.clone();
///         async move {
///             glassloop::sleep(Duration::from_millis(50)).await;
///             saved.set(true);
///         }
///     };
///     // The caller gives up after 10 ms; the shielded work is not cancelled with it.
///     let gave_up = glassloop::timeout(Duration::from_millis(10), glassloop::shield(save)).await;
///     assert!(gave_up.is_err());
///     glassloop::sleep(Duration::from_millis(100)).await;
///     assert!(saved.get());
/// });
/// ```
#[track_caller]
pub fn shield<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    spawn_inner(future, None)
}

/// Like [`spawn`], with a name the trace and the timeline show (asyncio's
/// `create_task(coro, name=...)`).
#[track_caller]
pub fn spawn_named<F>(name: &str, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    spawn_inner(future, Some(Arc::from(name)))
}

#[track_caller]
fn spawn_inner<F>(future: F, name: Option<Arc<str>>) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    // `Option<F>` lets the closure take the future by value without requiring `with_current` to
    // give it back on failure.
    let mut future = Some(future);
    let mut name = name;
    // Read here: `#[track_caller]` does not reach into the closure below.
    let location = Location::caller();
    let spawned = context::with_current(|core| {
        core.spawn(future.take().expect("taken once"), name.take(), location)
    });
    match spawned {
        Some(spawned) => JoinHandle::new(spawned),
        None => panic!(
            "glassloop::spawn was called outside a running glassloop loop. Call it from async code \
             running inside glassloop::run(...) or Runtime::block_on(...), or use Runtime::spawn."
        ),
    }
}

/// An owned permission to await a spawned task's output — asyncio's `Task`.
///
/// Awaiting it yields `Ok(output)` when the task finished, or a [`JoinError`] when it panicked or was
/// aborted. Dropping the handle **detaches** the task: it keeps running, and its output is dropped
/// when it finishes (a panic is then reported on stderr, like asyncio's "Task exception was never
/// retrieved").
///
/// It is a one-shot future: once it has returned its output, polling it again panics.
///
/// ```
/// # use glassloop_executor as glassloop;
/// let answer = glassloop::run(async {
///     let handle = glassloop::spawn(async { 6 * 7 });
///     handle.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[must_use = "dropping a JoinHandle detaches the task; await it to get its output"]
pub struct JoinHandle<T> {
    link: Link,
    // `fn() -> T`: the handle does not own a `T`, it only produces one when awaited.
    _output: PhantomData<fn() -> T>,
}

/// What a handle refers to. Two words in all: a million handles in a `Vec` are 16 MB.
enum Link {
    /// A task in its loop's table.
    Task(Arc<TaskWaker>),
    /// A task spawned while its loop shut down: it never ran. Awaiting it yields a cancellation.
    NeverRan(u64),
    /// The output has been taken.
    Taken,
}

impl<T> JoinHandle<T> {
    /// The handle of a task the loop spawned — or, given the number of one it refused because
    /// it was shutting down, a handle that yields a cancellation.
    pub(crate) fn new(spawned: Result<Arc<TaskWaker>, u64>) -> JoinHandle<T> {
        JoinHandle {
            link: match spawned {
                Ok(task) => Link::Task(task),
                Err(number) => Link::NeverRan(number),
            },
            _output: PhantomData,
        }
    }

    /// Cancels the task — asyncio's `task.cancel()`.
    ///
    /// The task's future is dropped at once (or, if the task is the one calling `abort` on itself,
    /// as soon as its current poll returns), which runs its destructors: a pending `sleep` cancels its
    /// timer, a socket closes. Awaiting the handle then yields a `JoinError` for which
    /// [`JoinError::is_cancelled`] is true — even if the task, having aborted itself, goes on to
    /// return (asyncio's `cancel()` of the running task does the same) — or, if a destructor
    /// panicked while the future was dropped, [`JoinError::is_panic`] (tokio's rule: the panic is
    /// not lost). Aborting a task that already finished does nothing. It may be called from any
    /// thread.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// use std::time::Duration;
    /// glassloop::run(async {
    ///     let handle = glassloop::spawn(glassloop::sleep(Duration::from_secs(3600)));
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        if let Link::Task(task) = &self.link {
            abort(task);
        }
    }

    /// A handle that can abort the task without owning its output (a [`TaskGroup`](crate::TaskGroup)
    /// keeps these to cancel its children).
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            target: match &self.link {
                Link::Task(task) => Some(task.clone()),
                _ => None,
            },
        }
    }

    /// Whether the task has finished — asyncio's `task.done()`.
    ///
    /// True once it returned, panicked or was aborted (or its loop shut down, cancelling it).
    /// It may be called from any thread.
    pub fn is_finished(&self) -> bool {
        match &self.link {
            Link::Task(task) => task.is_finished(),
            Link::NeverRan(_) | Link::Taken => true,
        }
    }
}

/// Cancels `task`, on its loop's thread at once, or from another thread at the loop's next turn.
fn abort(task: &TaskWaker) {
    if context::with_loop(task.shared.loop_id, |core| core.abort(task.task)).is_none() {
        task.shared.send(Message::Abort(task.task));
    }
}

/// Cancels a task without owning its output — see [`JoinHandle::abort_handle`].
#[derive(Clone)]
pub struct AbortHandle {
    target: Option<Arc<TaskWaker>>,
}

impl AbortHandle {
    /// Cancels the task, as [`JoinHandle::abort`] does.
    pub fn abort(&self) {
        if let Some(task) = &self.target {
            abort(task);
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Some(task) => write!(f, "AbortHandle(task {})", task.number()),
            None => f.write_str("AbortHandle(none)"),
        }
    }
}

impl<T: 'static> JoinHandle<T> {
    fn poll_unbudgeted(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let this = self.get_mut();
        let task = match &this.link {
            Link::Task(task) => task,
            Link::NeverRan(number) => {
                let number = *number;
                this.link = Link::Taken;
                return Poll::Ready(Err(JoinError::cancelled(number)));
            }
            Link::Taken => panic!(
                "a JoinHandle was polled again after it returned its output; a handle yields its \
                 output once"
            ),
        };
        let polled = context::with_loop(task.shared.loop_id, |core| core.poll_join::<T>(task, cx))
            // The loop is gone: like asyncio.run, it cancelled the task when it ended.
            .unwrap_or_else(|| Poll::Ready(Err(JoinError::cancelled(task.number()))));
        let output = std::task::ready!(polled);
        this.link = Link::Taken; // the slot is free, and dropping the handle has nothing to do
        Poll::Ready(output)
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    /// A `Ready` costs one operation of the task's budget (see [`budget.rs`](crate::event_loop::budget)).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        crate::event_loop::budget::spend(cx, |cx| self.poll_unbudgeted(cx))
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let Link::Task(task) = &self.link else {
            return;
        };
        if context::with_loop(task.shared.loop_id, |core| core.detach(task.task)).is_none() {
            task.shared.send(Message::Detach(task.task));
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.link {
            Link::Task(task) => write!(f, "JoinHandle(task {})", task.number()),
            Link::NeverRan(number) => write!(f, "JoinHandle(task {number}, cancelled)"),
            Link::Taken => f.write_str("JoinHandle(taken)"),
        }
    }
}
