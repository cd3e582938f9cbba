//! What a task is waiting on — the `wait_for=` part of an asyncio task's repr, and the records
//! `asyncio.all_tasks()` returns.
//!
//! "Why is my program not finishing?" is the question every async beginner asks. asyncio answers
//! with `asyncio.all_tasks()` and the `wait_for=` part of a pending task's repr. glassloop answers
//! with [`all_tasks`](crate::all_tasks): every live task, its name, its state, and **what it is
//! waiting on** — a timer and its deadline, a socket, another task, a queue or lock, a helper
//! thread.
//!
//! How the loop knows: while a task is polled the loop remembers which one it is; the leaf futures
//! that return `Pending` (a `Sleep` arming its timer, a socket read finding no data, a `JoinHandle`
//! whose task is still running, a `Queue::get` on an empty queue) note what they wait on in the
//! running task's slot. A task's note is cleared each time it is polled again. The note is a
//! [`Waiting`], 16 bytes, kept in every task's slot; the public [`WaitingOn`] is made from it only
//! when someone asks.
//!
//! This file holds the words; the loop fills them in (`event_loop/introspect.rs`), and
//! `GLASSLOOP_TRACE=dump` prints them (see [`dump.rs`](super::dump)).
//!
//! Read next: [`watch.rs`](super::watch), how the loop is watched.

use std::fmt;
use std::time::Instant;

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

/// One live task, as [`all_tasks`](crate::all_tasks) reports it.
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

/// What a task waits on, as its slot keeps it: like [`WaitingOn`], in 16 bytes instead of 24.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waiting {
    /// A timer, due at this loop time.
    Timer(Instant),
    /// A socket, to read (`writing: false`) or to write.
    Socket { socket: u32, writing: bool },
    /// The task with this number, to finish.
    Task(u64),
    /// A queue, lock, event or semaphore.
    Primitive(Primitive),
    /// A `to_thread` job.
    Thread,
}

/// The synchronisation primitives a task can wait on (a name fits in a byte; the text it stands
/// for would take sixteen in every task's slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Primitive {
    QueueGet,
    QueuePut,
    QueueJoin,
    EventWait,
    SemaphoreAcquire,
    ConditionWait,
    BarrierWait,
}

impl Primitive {
    fn what(self) -> &'static str {
        match self {
            Primitive::QueueGet => "Queue.get",
            Primitive::QueuePut => "Queue.put (the queue is full)",
            Primitive::QueueJoin => "Queue.join",
            Primitive::EventWait => "Event.wait",
            Primitive::SemaphoreAcquire => "Semaphore.acquire (or Lock)",
            Primitive::ConditionWait => "Condition.wait",
            Primitive::BarrierWait => "Barrier.wait",
        }
    }
}

impl From<Waiting> for WaitingOn {
    fn from(waiting: Waiting) -> WaitingOn {
        match waiting {
            Waiting::Timer(deadline) => WaitingOn::Timer { deadline },
            Waiting::Socket { socket, writing } => WaitingOn::Socket {
                socket,
                direction: if writing { "write" } else { "read" },
            },
            Waiting::Task(task) => WaitingOn::Task { task },
            Waiting::Primitive(primitive) => WaitingOn::Primitive {
                what: primitive.what(),
            },
            Waiting::Thread => WaitingOn::Thread,
        }
    }
}
