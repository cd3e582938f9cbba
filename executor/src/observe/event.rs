//! What the loop tells its watchers: one [`Event`] per step it takes — the words of asyncio's
//! debug mode (`call_soon`, `call_at`, `select()`), as data — and what a [`Watcher`] is.
//!
//! The loop records an event at each step: a task spawned, polled, woken; a timer armed or fired;
//! the loop parking in the selector. Off, recording costs one branch (see
//! [`watch.rs`](super::watch)). The watchers turn the events into the trace's lines, the
//! timeline's chart, the dump.
//!
//! This file depends only on the task ids, the labels and the records of `introspect.rs`.
//!
//! Read next: [`labels.rs`](super::labels), how a task is named in all of them.

use std::io::Write;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glassloop_timer::Position;

use super::introspect::TaskInfo;
use super::labels::Labels;
use crate::ids::TaskId;

/// Who was running when a wake happened — the cause a `Woken` line reports.
///
/// A waker carries only a task id, so it cannot say who is calling it. The loop knows, though: it
/// is either polling some task, firing timers, handing out I/O events or draining the
/// cross-thread channel, and notes which as it goes (only while someone watches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakeCause {
    /// The loop itself, between steps (at shutdown, say).
    Loop,
    /// A timer fired.
    Timer,
    /// A socket became ready.
    Io,
    /// A task (maybe the woken task itself) was being polled and called `wake`.
    Task(TaskId),
    /// The loop's main future (what `block_on` runs) was being polled and called `wake`.
    Main,
    /// A wake arrived through the cross-thread channel.
    OtherThread,
}

/// One thing the loop did.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    /// `block_on` (or `run`) started: the main future is scheduled.
    BlockOn,
    /// The loop has a seed: what it may order, it orders from this seed.
    Seeded(u64),
    /// A task was created; `location` is where `spawn` was called.
    Spawned {
        task: TaskId,
        number: u64,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
    },
    Polled(TaskId),
    Pending(TaskId),
    Ready(TaskId),
    Panicked(TaskId),
    Aborted(TaskId),
    /// A wake put `task` back on the ready queue (a wake for a task already queued is not shown).
    Woken {
        task: TaskId,
        cause: WakeCause,
    },
    TimerArmed {
        deadline: Instant,
        position: Option<Position>,
        by: WakeCause,
    },
    TimerFired,
    /// A `Sleep` was dropped before its deadline (its task was aborted, a timeout's inner future
    /// won, …): its timer left the wheel.
    TimerCancelled(WakeCause),
    /// A coarse slot of the wheel came due but held no timer due yet: its timers moved down.
    WheelTurned,
    /// Nothing to run: the loop waits in the selector for at most `timeout` (`None`: until I/O or
    /// another thread wakes it).
    Park(Option<Duration>),
    Unpark {
        io_events: usize,
        poked: bool,
    },
    IoReady(u32),
    IoRegistered(u32),
    /// Virtual time's version of `Park`: instead of waiting `wait`, the clock jumps to `to`.
    VirtualJump {
        wait: Duration,
        to: Instant,
    },
    /// The task spent its budget of operations in one poll and is made to yield.
    BudgetSpent {
        task: TaskId,
        budget: u32,
    },
    /// One poll held the loop longer than the slow-poll threshold.
    SlowPoll {
        task: TaskId,
        held: Duration,
    },
    Blocked(Duration),
    LoopDone,
}

/// What a watcher may look at in the loop, between two events. The loop implements it.
pub(crate) trait LoopView {
    /// Every live task and what it waits on (`all_tasks`), main first.
    fn tasks(&self) -> Vec<TaskInfo>;
    /// One task, while it is in the table.
    fn task(&self, task: TaskId) -> Option<TaskInfo>;
    /// The tasks that will be polled next, in order (`TaskId::MAIN` first when main is woken).
    fn ready(&self) -> Vec<TaskId>;
    /// The wheel's occupied slots, each with how many timers it holds.
    fn timers(&self) -> Vec<(glassloop_timer::Position, usize)>;
    /// The registered sockets.
    fn sockets(&self) -> Vec<crate::driver::reactor::SourceState>;
}

/// What a watcher is given with each event.
pub(crate) struct Seen<'a> {
    /// The loop's time zero: events come as times since then.
    pub(crate) origin: Instant,
    pub(crate) labels: &'a Labels,
    /// Where the watchers write (stderr, or the `Builder::trace_to` sink).
    pub(crate) out: &'a mut dyn Write,
    pub(crate) view: &'a dyn LoopView,
}

/// One way of watching the loop.
pub(crate) trait Watcher {
    /// `event` happened `at` (since the loop started).
    fn record(&mut self, at: Duration, event: &Event, seen: &mut Seen<'_>);

    /// The loop is ending at `end`: draw what was gathered, if anything.
    fn finish(&mut self, _end: Duration, _seen: &mut Seen<'_>) {}
}
