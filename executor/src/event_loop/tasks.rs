//! A task's life as the loop runs it — asyncio's `create_task`, `call_soon`, a task finishing, and
//! what a `Task` object asks of its loop (`result()`, `cancel()`, `done()`).
//!
//! Each function here moves a task from one state to another (the states and their arrows are
//! drawn in [`task/mod.rs`](crate::task)): `spawn` puts a new task on the ready queue, `schedule`
//! handles a wake, `complete` marks it done and wakes whoever awaits it, `poll_join` hands the
//! output to its `JoinHandle` and frees the slot, `detach` and `abort` serve a handle that is
//! dropped or cancels.
//!
//! Read next: [`waits.rs`](super::waits).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::sync::Arc;
use std::task::{Context, Poll};

use super::waker::TaskWaker;
use super::{wake_guarded, Core};
use crate::error::JoinError;
use crate::ids::TaskId;
use crate::observe::{Event, Waiting};
use crate::task::outputs::StoredOutput;
use crate::task::{BoxedTask, TaskBody, TaskState};

impl Core {
    /// Puts `future` in the task table and on the ready queue (asyncio's `create_task`). Returns
    /// the task's shared part, for its `JoinHandle` — or, while the loop shuts down, drops the
    /// future unpolled (as asyncio cancels a task created during shutdown) and returns the number
    /// the task would have had.
    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
    ) -> Result<Arc<TaskWaker>, u64>
    where
        F: Future + 'static,
    {
        if self.shutting_down.get() {
            let number = self.tasks.borrow_mut().next_number();
            drop(future);
            return Err(number);
        }
        let traced_name = if self.watch.is_on() {
            name.clone()
        } else {
            None
        };
        let (id, number, task) = {
            let mut tasks = self.tasks.borrow_mut();
            // Erase the future's type so tasks of every type share one table (the `Task` trait
            // files the output when it finishes). This box is the one allocation of a spawn.
            let boxed: BoxedTask = Box::pin(future);
            let (id, number, slot) = tasks.allocate(TaskBody::Future(boxed), name, location);
            // Reuse the waker's shared part when no clone of it outlived the previous task.
            let task = match slot.waker.as_mut().and_then(Arc::get_mut) {
                Some(waker) => {
                    waker.reuse(id, number);
                    slot.waker.clone()
                }
                None => None,
            }
            .unwrap_or_else(|| {
                let waker = Arc::new(TaskWaker::new(id, number, self.shared.clone()));
                slot.waker = Some(waker.clone());
                waker
            });
            (id, number, task)
        };
        self.ready_queue.push(id);
        self.trace(|| Event::Spawned {
            task: id,
            number,
            name: traced_name,
            location,
        });
        Ok(task)
    }

    /// Queues a task after a wake on the loop's own thread (asyncio's `call_soon`).
    ///
    /// The trace shows a wake only when it changes something: a second wake of a task that is
    /// already queued is not an event.
    pub(crate) fn schedule(&self, id: TaskId) {
        if id == TaskId::MAIN {
            if !self.main_woken.replace(true) && self.watch.is_on() {
                self.trace_woken(id);
            }
            return;
        }
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return; // stale: the task is gone and its slot may hold another one
        };
        match slot.state {
            TaskState::Idle => {
                slot.state = TaskState::Scheduled;
                drop(tasks);
                self.ready_queue.push(id);
            }
            // Woken during its own poll: remember it, requeue when the poll returns.
            TaskState::Running => {
                slot.state = TaskState::Notified;
                drop(tasks);
            }
            // Already queued, already noted, or finished: nothing to do.
            TaskState::Scheduled | TaskState::Notified | TaskState::Done | TaskState::Free => {
                return
            }
        }
        if self.watch.is_on() {
            self.trace_woken(id);
        }
    }

    /// The trace line for a wake that queued a task. Out of line and cold, so that `schedule`
    /// — inlined into every waker — stays small when nobody watches.
    #[cold]
    fn trace_woken(&self, id: TaskId) {
        self.trace(|| Event::Woken {
            task: id,
            cause: self.watch.cause(),
        });
    }

    /// Gives a polled task its waker back; says whether `abort` was called during the poll.
    pub(super) fn put_waker_back(&self, id: TaskId, task_waker: Arc<TaskWaker>) -> bool {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return false;
        };
        slot.waker = Some(task_waker);
        slot.abort_requested
    }

    /// Drops an aborted task's future, and says how the task ended: cancelled — or panicked, if
    /// a destructor panicked on the way (as tokio reports it: the panic is not lost).
    pub(super) fn cancel_future(&self, number: u64, future: BoxedTask) -> JoinError {
        match catch_unwind(AssertUnwindSafe(move || drop(future))) {
            Ok(()) => JoinError::cancelled(number),
            Err(payload) => {
                JoinError::panicked(number, crate::error::panic_message(payload.as_ref()))
            }
        }
    }

    /// Drops a task's future with its panics caught: a destructor that panics must not take the
    /// loop down either.
    pub(super) fn drop_future(&self, number: u64, future: BoxedTask) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(future))) {
            eprintln!(
                "glassloop: task {number} panicked while being dropped: {}",
                crate::error::panic_message(payload.as_ref())
            );
        }
    }

    /// Marks a task done — with its output, or with a failure — and wakes whoever awaits its
    /// `JoinHandle`. With no handle, frees the slot at once (reporting a panic nobody will see
    /// otherwise).
    pub(super) fn complete(&self, id: TaskId, outcome: Result<StoredOutput, JoinError>) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            drop(tasks);
            self.drop_leftovers(0, outcome.ok().map(TaskBody::Output));
            return;
        };
        slot.state = TaskState::Done;
        if let Some(waker) = &slot.waker {
            waker.mark_finished();
        }
        if slot.has_handle {
            slot.body = match outcome {
                Ok(output) => TaskBody::Output(output),
                Err(failure) => TaskBody::Failed(Box::new(failure)),
            };
            let join_waker = slot.join_waker.take();
            drop(tasks);
            if let Some(waker) = join_waker {
                wake_guarded(waker, "as the task it awaits finished");
            }
        } else {
            let number = slot.number;
            let leftovers = tasks.free(id);
            drop(tasks);
            if let Err(error) = &outcome {
                error.report_unobserved();
            }
            self.drop_leftovers(number, outcome.ok().map(TaskBody::Output));
            self.drop_leftovers(number, leftovers);
        }
    }

    /// Drops what a freed slot held — its future, an output nobody collected — with no borrow
    /// held and panics caught: all of it is user code.
    pub(super) fn drop_leftovers(&self, number: u64, leftovers: Option<TaskBody>) {
        let output = match leftovers {
            Some(TaskBody::Future(future)) => return self.drop_future(number, future),
            Some(TaskBody::Output(output)) => self.outputs.borrow_mut().take_erased(output),
            Some(TaskBody::Failed(_) | TaskBody::Empty) | None => None,
        };
        let _ = catch_unwind(AssertUnwindSafe(move || drop(output)));
    }

    /// What awaiting a `JoinHandle` asks: the output if the task is done, otherwise remember who
    /// to wake.
    pub(crate) fn poll_join<T: 'static>(
        &self,
        task: &TaskWaker,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        let id = task.task;
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            // The slot is gone: the runtime dropped the task.
            return Poll::Ready(Err(JoinError::cancelled(task.number())));
        };
        if slot.state == TaskState::Done {
            // The handle has what it came for: the slot can go back to the free list now.
            let body = tasks.free(id).expect("a done task has a slot");
            drop(tasks);
            let output = match body {
                TaskBody::Failed(failure) => return Poll::Ready(Err(*failure)),
                TaskBody::Output(output) => self.outputs.borrow_mut().take::<T>(output),
                TaskBody::Future(_) | TaskBody::Empty => None,
            }
            .expect("a finished task's output has its JoinHandle's type");
            return Poll::Ready(Ok(output));
        }
        let old = crate::store_waker::store_waker(&mut slot.join_waker, cx.waker());
        let number = slot.number;
        drop(tasks);
        drop(old);
        self.note_waiting(|| Waiting::Task(number));
        Poll::Pending
    }

    /// The `JoinHandle` is gone: free the task now if it is done, or when it finishes.
    pub(crate) fn detach(&self, id: TaskId) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return;
        };
        slot.has_handle = false;
        let old_waker = slot.join_waker.take();
        if slot.state == TaskState::Done {
            let number = slot.number;
            let leftovers = tasks.free(id);
            drop(tasks);
            if let Some(TaskBody::Failed(failure)) = &leftovers {
                failure.report_unobserved();
            }
            self.drop_leftovers(number, leftovers);
        } else {
            drop(tasks);
        }
        drop(old_waker);
    }

    /// Cancels a task: its future is dropped now (or, if it is the one running, when its poll
    /// returns) and its `JoinHandle` yields a cancelled `JoinError`.
    pub(crate) fn abort(&self, id: TaskId) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return;
        };
        match slot.state {
            TaskState::Running | TaskState::Notified => slot.abort_requested = true,
            TaskState::Idle | TaskState::Scheduled => {
                // A Scheduled id stays in the ready queue; `run_task` skips it because the state
                // will be Done.
                let future = match slot.body.take() {
                    TaskBody::Future(future) => Some(future),
                    _ => None,
                };
                slot.state = TaskState::Done;
                let number = slot.number;
                drop(tasks);
                self.trace(|| Event::Aborted(id));
                let failure = match future {
                    Some(future) => self.cancel_future(number, future),
                    None => JoinError::cancelled(number),
                };
                self.complete(id, Err(failure));
            }
            TaskState::Done | TaskState::Free => {}
        }
    }
}
