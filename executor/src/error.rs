//! `JoinError` — why a task gave no output: asyncio's `CancelledError`, or the exception a task
//! raised, as a value.
//!
//! asyncio raises `CancelledError` or re-raises the task's exception when you `await` the task;
//! Rust returns the reason as a value instead. The loop stores a failed task's `JoinError` in its
//! slot until the `JoinHandle` collects it, so this file depends on nothing but the task numbers.
//!
//! Read next: [`store_waker.rs`](crate::store_waker), the one idiom every waiting future shares.

use std::error::Error;
use std::fmt;

/// Why a task did not produce its output: it was aborted, or it panicked.
///
/// asyncio raises `CancelledError` or re-raises the task's exception when you await it; Rust returns
/// the reason as a value. It names the task by its number — 1, 2, 3 … in spawn order, as the trace
/// and [`all_tasks`](crate::all_tasks) do.
///
/// ```
/// # use glassloop_executor as glassloop;
/// glassloop::run(async {
///     let handle = glassloop::spawn(async { panic!("boom") });
///     let error = handle.await.unwrap_err();
///     assert!(error.is_panic());
///     assert_eq!(error.to_string(), "task 1 panicked: boom");
/// });
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct JoinError {
    /// The task's number; `None` for a task sent to a loop that shut down before it could start it.
    task: Option<u64>,
    kind: ErrorKind,
}

#[derive(Clone, PartialEq, Eq)]
enum ErrorKind {
    Cancelled,
    Panicked(String),
}

impl JoinError {
    pub(crate) fn cancelled(task: u64) -> JoinError {
        JoinError {
            task: Some(task),
            kind: ErrorKind::Cancelled,
        }
    }

    pub(crate) fn panicked(task: u64, message: String) -> JoinError {
        JoinError {
            task: Some(task),
            kind: ErrorKind::Panicked(message),
        }
    }

    /// A task handed to a loop from another thread, which the loop never started (it had shut
    /// down): it never got a number.
    pub(crate) fn never_started() -> JoinError {
        JoinError {
            task: None,
            kind: ErrorKind::Cancelled,
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
        if self.is_panic() {
            eprintln!("glassloop: {self}, and nobody awaited it");
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.task, &self.kind) {
            (Some(task), ErrorKind::Cancelled) => write!(f, "task {task} was cancelled"),
            (None, _) => f.write_str("a task sent to a loop that had shut down was cancelled"),
            (Some(task), ErrorKind::Panicked(message)) => {
                write!(f, "task {task} panicked: {message}")
            }
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = self
            .task
            .map_or_else(|| "never started".into(), |n| n.to_string());
        match &self.kind {
            ErrorKind::Cancelled => write!(f, "JoinError::Cancelled(task {task})"),
            ErrorKind::Panicked(message) => {
                write!(f, "JoinError::Panic(task {task}, {message:?})")
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
