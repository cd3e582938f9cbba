//! Looking inside a running loop — asyncio's `asyncio.all_tasks()` and a task's `repr`.
//!
//! "Why is my program not finishing?" is the question every async beginner asks. asyncio answers
//! with `asyncio.all_tasks()` and the `wait_for=` part of a pending task's repr. glassloop answers
//! with [`all_tasks`]: every live task, its name, its state, and **what it is waiting on** — a
//! timer and its deadline, a socket, another task, a queue or lock, a helper thread.
//!
//! How the loop knows: while a task is polled the loop remembers which one it is; the leaf futures
//! that return `Pending` (a `Sleep` arming its timer, a socket read finding no data, a `JoinHandle`
//! whose task is still running, a `Queue::get` on an empty queue) write what they wait on into the
//! running task's slot. A task's note is cleared each time it is polled again.
//!
//! `GLASSLOOP_TRACE=dump` prints this list whenever the loop is about to wait a second or more with
//! nothing to do — or forever, when nothing but another thread could ever wake it.

use std::fmt;
use std::time::Instant;

use crate::context;

/// What a task is waiting on, as far as the loop can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitingOn {
    /// A timer (`sleep`, `timeout`, `interval`), due at this loop time.
    Timer {
        /// When it is due.
        deadline: Instant,
    },
    /// A socket to become readable or writable.
    Socket {
        /// The socket's number in the reactor (the trace uses the same).
        socket: u32,
        /// `"read"` or `"write"`.
        direction: &'static str,
    },
    /// Another task to finish (awaiting its `JoinHandle`).
    Task {
        /// The awaited task's number.
        task: u64,
    },
    /// A synchronisation primitive, e.g. `"Queue.get"`, `"Lock"`, `"Event"`.
    Primitive {
        /// Which one, and which operation.
        what: &'static str,
    },
    /// A `to_thread` job on a helper thread.
    Thread,
    /// Something the loop does not know about (a future woken by code outside glassloop).
    Unknown,
}

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// In the ready queue, to be polled this turn or the next.
    Ready,
    /// Being polled right now (it is the caller of `all_tasks`, or the main future).
    Running,
    /// Waiting for a wake.
    Waiting,
}

/// One live task, as [`all_tasks`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's number: 1, 2, 3 … in spawn order, as the trace numbers them. The main future
    /// (what `run` / `block_on` drives) is number 0.
    pub number: u64,
    /// The name given with `spawn_named`, or where it was spawned (`file.rs:line`).
    pub name: String,
    /// Ready, running or waiting.
    pub status: TaskStatus,
    /// What it waits on, when it waits.
    pub waiting_on: Option<WaitingOn>,
}

/// Every task of the running loop that has not finished, with what each waits on — asyncio's
/// `asyncio.all_tasks()`. The main future comes first, as number 0.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// use glassloop::{TaskStatus, WaitingOn};
///
/// glassloop::run(async {
///     let napper = glassloop::spawn_named("napper", glassloop::sleep(Duration::from_secs(5)));
///     glassloop::yield_now().await; // let it start and arm its timer
///     let tasks = glassloop::all_tasks();
///     let napper_info = tasks.iter().find(|t| t.name == "napper").unwrap();
///     assert_eq!(napper_info.status, TaskStatus::Waiting);
///     assert!(matches!(napper_info.waiting_on, Some(WaitingOn::Timer { .. })));
///     napper.abort();
/// });
/// ```
///
/// # Panics
///
/// Outside a running loop.
pub fn all_tasks() -> Vec<TaskInfo> {
    context::with_current(|core| core.all_tasks()).unwrap_or_else(|| {
        panic!("glassloop::all_tasks was called outside a running glassloop loop")
    })
}

impl fmt::Display for TaskInfo {
    /// One line, in the spirit of asyncio's task repr:
    /// `task 3 'fetch' waiting on a timer due at 2.000s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} '{}' ", self.number, self.name)?;
        match (self.status, &self.waiting_on) {
            (TaskStatus::Ready, _) => f.write_str("ready to run"),
            (TaskStatus::Running, _) => f.write_str("running"),
            (TaskStatus::Waiting, None) => f.write_str("waiting"),
            (TaskStatus::Waiting, Some(on)) => write!(f, "waiting on {on}"),
        }
    }
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitingOn::Timer { .. } => f.write_str("a timer"),
            WaitingOn::Socket { socket, direction } => {
                write!(f, "socket #{socket} to be ready to {direction}")
            }
            WaitingOn::Task { task } => write!(f, "task {task} to finish"),
            WaitingOn::Primitive { what } => write!(f, "{what}"),
            WaitingOn::Thread => f.write_str("a to_thread job"),
            WaitingOn::Unknown => f.write_str("something outside glassloop"),
        }
    }
}

/// Notes, for the task being polled on this thread's loop, what it waits on (a no-op outside a
/// poll). Leaf futures call this as they return `Pending`.
pub(crate) fn note_waiting(waiting_on: impl FnOnce() -> WaitingOn) {
    context::with_current(|core| core.note_waiting(waiting_on));
}

/// Writes the dump: one line per task, timers with their due time relative to `origin`.
pub(crate) fn render_dump(tasks: &[TaskInfo], now: Instant, origin: Instant, why: &str) -> String {
    use std::fmt::Write as _;
    let at = now.saturating_duration_since(origin).as_secs_f64();
    let mut out = format!("[{at:>8.3}s] dump: {why}; {} task(s) alive:\n", tasks.len());
    for task in tasks {
        let _ = write!(out, "             {task}");
        if let Some(WaitingOn::Timer { deadline }) = &task.waiting_on {
            let due = deadline.saturating_duration_since(origin).as_secs_f64();
            let _ = write!(out, " due at {due:.3}s");
        }
        out.push('\n');
    }
    out
}
