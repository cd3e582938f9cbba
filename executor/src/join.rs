//! `JoinHandle` and `JoinError` — asyncio's `Task` object as seen by whoever awaits it.
//!
//! `asyncio.create_task` returns a `Task` you can `await` for the result, `cancel()`, or ask
//! `done()`. [`spawn`](crate::spawn) returns a [`JoinHandle`]: awaiting it gives `Ok(output)`, or a
//! [`JoinError`] if the task panicked or was aborted; [`JoinHandle::abort`] cancels it;
//! [`JoinHandle::is_finished`] asks whether it is done.
//!
//! The handle holds only ids. The output stays in the task's slot until the handle takes it, so an
//! output that is not `Send` (an `Rc`, say) never has to cross a thread.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::context;
use crate::task::TaskId;
use crate::waker::{Message, Shared};

/// An owned permission to await a spawned task's output — asyncio's `Task`.
///
/// Awaiting it yields `Ok(output)` when the task finished, or a [`JoinError`] when it panicked or was
/// aborted. Dropping the handle **detaches** the task: it keeps running, and its output is dropped
/// when it finishes (a panic is then reported on stderr, like asyncio's "Task exception was never
/// retrieved").
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
    /// The task. `TaskId::MAIN` marks a handle whose task never existed (spawned during shutdown).
    id: TaskId,
    /// The loop's shared part; `None` once the output has been taken (or for a task that never
    /// existed). Two words in all: a million handles in a `Vec` are 16 MB.
    shared: Option<Arc<Shared>>,
    // `fn() -> T`: the handle does not own a `T`, it only produces one when awaited.
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(id: TaskId, shared: Arc<Shared>) -> JoinHandle<T> {
        JoinHandle {
            id,
            shared: Some(shared),
            _output: PhantomData,
        }
    }

    pub(crate) fn cancelled() -> JoinHandle<T> {
        JoinHandle {
            id: TaskId::MAIN,
            shared: None,
            _output: PhantomData,
        }
    }

    /// The task and its loop, while the handle still refers to one.
    fn task(&self) -> Option<(&TaskId, &Arc<Shared>)> {
        Some((&self.id, self.shared.as_ref()?))
    }

    /// Cancels the task — asyncio's `task.cancel()`.
    ///
    /// The task's future is dropped at once (or, if the task is the one calling `abort` on itself,
    /// as soon as its current poll returns), which runs its destructors: a pending `sleep` cancels its
    /// timer, a socket closes. Awaiting the handle then yields a `JoinError` for which
    /// [`JoinError::is_cancelled`] is true. Aborting a task that already finished does nothing.
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
        let Some((id, shared)) = self.task() else {
            return;
        };
        if context::with_loop(shared.loop_id, |core| core.abort(*id)).is_none() {
            // Off the loop's thread: let the loop do it at its next turn.
            shared.send(Message::Abort(*id));
        }
    }

    /// A handle that can abort the task without owning its output (a [`TaskGroup`](crate::TaskGroup)
    /// keeps these to cancel its children).
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            target: self.task().map(|(id, shared)| (*id, shared.clone())),
        }
    }

    /// Whether the task has finished — asyncio's `task.done()`.
    ///
    /// True once it returned, panicked or was aborted.
    ///
    /// # Panics
    ///
    /// When called from a thread other than the loop's (the task table is not shared between
    /// threads); await the handle or send a message instead.
    pub fn is_finished(&self) -> bool {
        let Some((id, shared)) = self.task() else {
            return true;
        };
        match context::with_loop(shared.loop_id, |core| core.is_finished(*id)) {
            Some(finished) => finished,
            // The loop shut down, and cancelled the task as it went.
            None if shared.closed.load(Ordering::Acquire) => true,
            None => panic!(
                "JoinHandle::is_finished was called off the thread that runs the task's loop. \
                 Call it on the loop's thread, or await the handle."
            ),
        }
    }
}

/// Cancels a task without owning its output — see [`JoinHandle::abort_handle`].
#[derive(Clone)]
pub struct AbortHandle {
    target: Option<(TaskId, Arc<Shared>)>,
}

impl AbortHandle {
    /// Cancels the task, as [`JoinHandle::abort`] does.
    pub fn abort(&self) {
        if let Some((id, shared)) = &self.target {
            if context::with_loop(shared.loop_id, |core| core.abort(*id)).is_none() {
                shared.send(Message::Abort(*id));
            }
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Some((id, _)) => write!(f, "AbortHandle(task {})", id.number()),
            None => f.write_str("AbortHandle(none)"),
        }
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (id, loop_id) = match &this.shared {
            Some(shared) => (this.id, shared.loop_id),
            // Spawned while its loop shut down: it never ran.
            None if this.id == TaskId::MAIN => {
                this.id = TaskId::TAKEN;
                return Poll::Ready(Err(JoinError::cancelled(TaskId::MAIN)));
            }
            None => panic!("JoinHandle polled again after it returned its output"),
        };
        let polled = context::with_loop(loop_id, |core| core.poll_join::<T>(id, cx))
            // The loop is gone: like asyncio.run, it cancelled the task when it ended.
            .unwrap_or_else(|| Poll::Ready(Err(JoinError::cancelled(id))));
        let output = std::task::ready!(polled);
        this.shared = None; // taken: the slot is free, and dropping the handle has nothing to do
        Poll::Ready(output)
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let Some((id, shared)) = self.task() else {
            return;
        };
        if context::with_loop(shared.loop_id, |core| core.detach(*id)).is_none() {
            shared.send(Message::Detach(*id));
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.task() {
            Some((id, _)) => write!(f, "JoinHandle(task {})", id.number()),
            None if self.id == TaskId::MAIN => f.write_str("JoinHandle(cancelled)"),
            None => f.write_str("JoinHandle(taken)"),
        }
    }
}

/// Why a task did not produce its output: it was aborted, or it panicked.
///
/// asyncio raises `CancelledError` or re-raises the task's exception when you await it; Rust returns
/// the reason as a value.
///
/// ```
/// # use glassloop_executor as glassloop;
/// glassloop::run(async {
///     let handle = glassloop::spawn(async { panic!("boom") });
///     let error = handle.await.unwrap_err();
///     assert!(error.is_panic());
///     assert!(error.to_string().contains("boom"));
/// });
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct JoinError {
    task: u64,
    kind: ErrorKind,
}

#[derive(Clone, PartialEq, Eq)]
enum ErrorKind {
    Cancelled,
    Panicked(String),
}

impl JoinError {
    pub(crate) fn cancelled(id: TaskId) -> JoinError {
        JoinError {
            task: id.number(),
            kind: ErrorKind::Cancelled,
        }
    }

    pub(crate) fn panicked(id: TaskId, message: String) -> JoinError {
        JoinError {
            task: id.number(),
            kind: ErrorKind::Panicked(message),
        }
    }

    /// A panic seen from outside the task that panicked (a [`TaskGroup`](crate::TaskGroup) learns
    /// of its child's panic while the child unwinds).
    pub(crate) fn panicked_elsewhere(message: &str) -> JoinError {
        JoinError {
            task: 0,
            kind: ErrorKind::Panicked(message.to_owned()),
        }
    }

    /// The task was aborted, or dropped when its runtime shut down.
    pub fn is_cancelled(&self) -> bool {
        self.kind == ErrorKind::Cancelled
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, ErrorKind::Panicked(_))
    }

    /// The panic's message, if the task panicked with a string.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Panicked(message) => Some(message),
            ErrorKind::Cancelled => None,
        }
    }

    /// Called when a task's failure will never be seen by anyone: say so on stderr, once.
    pub(crate) fn report_unobserved(&self) {
        if let ErrorKind::Panicked(message) = &self.kind {
            eprintln!(
                "glassloop: task {} panicked: {message}, and nobody awaited it",
                self.task
            );
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Cancelled => write!(f, "task {} was cancelled", self.task),
            ErrorKind::Panicked(message) => write!(f, "task {} panicked: {message}", self.task),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Cancelled => write!(f, "JoinError::Cancelled(task {})", self.task),
            ErrorKind::Panicked(message) => {
                write!(f, "JoinError::Panic(task {}, {message:?})", self.task)
            }
        }
    }
}

impl Error for JoinError {}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}
