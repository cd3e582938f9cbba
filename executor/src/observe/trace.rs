//! The trace: the loop narrating itself, one line per event — asyncio's debug mode, made readable.
//!
//! With `GLASSLOOP_TRACE=1` (or [`Builder::trace`](crate::Builder::trace)) every step the loop takes
//! is printed, in asyncio's words. This is the start of `examples/get_user.rs` on virtual time
//! (`GLASSLOOP_TRACE=1 cargo run --example get_user -- --virtual`):
//!
//! <!-- output: tests/golden/get_user.trace.txt -->
//! ```text
//! [   0.000s] block_on: the loop starts and schedules main()
//! [   0.000s] main() polled
//! [   0.000s] timer armed by main(): due at 1.000s, wheel level 1 slot 15
//! [   0.000s] timer armed by main(): due at 1.000s, wheel level 1 slot 15
//! [   0.000s] timer armed by main(): due at 1.000s, wheel level 1 slot 15
//! [   0.000s] main() → Pending: waits at an .await
//! [   0.000s] loop parks: no task ready, the timer wheel is due in 960 ms; virtual time jumps the clock to 0.960s
//! [   0.960s] timer wheel: a coarse slot came due; its timers move down to a finer level
//! ```
//!
//! `docs/reading-the-trace.md` reads the whole of it, line by line, and lists every kind of line
//! `describe` can write.
//!
//! Every line is the loop's time, then the event. The events, in the order a task meets them:
//!
//! | event | what happened | asyncio |
//! |---|---|---|
//! | spawned | a task entered the task table and the ready queue | `create_task` |
//! | polled → Pending / Ready | the loop ran the task up to its next `.await`, or to its end | `Task.__step` |
//! | woken by … | a wake queued the task again (for `main()`: marked it to be polled); the cause says who | `call_soon` |
//! | timer armed / fired / cancelled | a `sleep` went into the wheel / its deadline came / it was dropped first | `call_at`, `TimerHandle.cancel` |
//! | loop parks / wakes | nothing to run: the loop waits in epoll (or, on virtual time, jumps its clock) | `selector.select(timeout)` |
//!
//! # Who woke whom
//!
//! A waker carries only a task id, so it cannot say who is calling it. The loop knows, though: it
//! is either polling some task, firing timers, handing out I/O events or draining the cross-thread
//! channel. It notes which as it goes (`Watch::set_cause`, in the [`Watch`](super::watch::Watch)),
//! and when a wake actually queues a task, the `Woken` event carries that cause.
//!
//! # Cost
//!
//! With nobody watching, a poll checks nothing: the loop decides once per turn whether anyone
//! watches, and the unwatched copy of its polling loop records no event. Everywhere else, an event
//! costs one branch: [`Watch::record`](super::watch::Watch::record) checks an `Option` and builds
//! the event only when it is `Some`; the cause is written only when it is `Some`.
//!
//! Read next: [`dump.rs`](super::dump), a watcher that speaks only when the loop is idle.

use std::fmt::{self, Write as _};
use std::time::{Duration, Instant};

use super::event::{Event, Seen, WakeCause, Watcher};
use super::labels::Labels;
use crate::ids::TaskId;

/// The trace's lines, as a watcher: one line per event.
#[derive(Default)]
pub(crate) struct Lines {
    /// Reused for every line, so tracing allocates only when a line is longer than any before.
    line: String,
}

impl Watcher for Lines {
    fn record(&mut self, at: Duration, event: &Event, seen: &mut Seen<'_>) {
        self.line.clear();
        let _ = write!(self.line, "[{:>8.3}s] ", at.as_secs_f64());
        let _ = describe(&mut self.line, event, seen.labels, seen.origin);
        self.line.push('\n');
        let _ = seen.out.write_all(self.line.as_bytes());
    }
}

/// Who caused a wake (or armed a timer), in words.
fn cause(cause: WakeCause, labels: &Labels) -> &str {
    match cause {
        WakeCause::Loop => "the loop",
        WakeCause::Timer => "a timer",
        WakeCause::Io => "I/O",
        WakeCause::Main => "main()",
        WakeCause::OtherThread => "another thread",
        WakeCause::Task(task) => labels.get(task),
    }
}

/// The event in words, as one line without its time (the Chrome trace puts it in each event's
/// arguments).
pub(crate) fn describe_line(event: &Event, labels: &Labels, origin: Instant) -> String {
    let mut line = String::new();
    let _ = describe(&mut line, event, labels, origin);
    line
}

/// The event in words.
fn describe(out: &mut String, event: &Event, labels: &Labels, origin: Instant) -> fmt::Result {
    let since = |at: &Instant| at.saturating_duration_since(origin).as_secs_f64();
    match event {
        Event::BlockOn => write!(out, "block_on: the loop starts and schedules main()"),
        Event::Seeded(seed) => write!(
            out,
            "seed {seed}: tasks ready together, timers due on one tick and one poll's I/O \
             events are taken in a seeded order (replay: GLASSLOOP_SEED={seed})"
        ),
        // The label says the task's name, or (unnamed) the line that spawned it.
        Event::Spawned { task, .. } => write!(out, "{} spawned (create_task)", labels.get(*task)),
        Event::Polled(task) => write!(out, "{} polled", labels.get(*task)),
        Event::Pending(task) => write!(out, "{} → Pending: waits at an .await", labels.get(*task)),
        Event::Ready(task) => write!(out, "{} → Ready: finished", labels.get(*task)),
        Event::Panicked(task) => write!(
            out,
            "{} panicked: the panic is its JoinHandle's error, the loop goes on",
            labels.get(*task)
        ),
        Event::Aborted(task) => write!(
            out,
            "{} aborted (cancelled): its future is dropped",
            labels.get(*task)
        ),
        Event::Woken { task, cause: by } => match by {
            WakeCause::Task(other) if other == task => {
                write!(out, "{} woken by itself", labels.get(*task))
            }
            WakeCause::Main if *task == TaskId::MAIN => write!(out, "main() woken by itself"),
            WakeCause::OtherThread => {
                write!(out, "{} woken from another thread", labels.get(*task))
            }
            by => write!(out, "{} woken by {}", labels.get(*task), cause(*by, labels)),
        },
        Event::TimerArmed {
            deadline,
            position,
            by,
        } => {
            let by = cause(*by, labels);
            write!(out, "timer armed by {by}: due at {:.3}s", since(deadline))?;
            match position {
                Some(at) if at.level < glassloop_timer::LEVELS => {
                    write!(out, ", wheel level {} slot {}", at.level, at.slot)
                }
                Some(_) => write!(out, ", in the wheel's overflow list"),
                None => Ok(()),
            }
        }
        Event::TimerFired => write!(out, "timer fired"),
        Event::TimerCancelled(by) => write!(
            out,
            "timer cancelled by {}: its sleep was dropped before the deadline",
            cause(*by, labels)
        ),
        Event::WheelTurned => write!(
            out,
            "timer wheel: a coarse slot came due; its timers move down to a finer level"
        ),
        Event::Park(Some(wait)) => write!(
            out,
            "loop parks in the selector: no task ready, the timer wheel is due in {} ms",
            wait.as_millis()
        ),
        Event::Park(None) => write!(
            out,
            "loop parks in the selector: no task ready, no timer armed (waits for I/O or another \
             thread)"
        ),
        Event::VirtualJump { wait, to } => write!(
            out,
            "loop parks: no task ready, the timer wheel is due in {} ms; virtual time jumps the \
             clock to {:.3}s",
            wait.as_millis(),
            since(to)
        ),
        Event::Unpark { io_events, poked } => match (io_events, poked) {
            (0, false) => write!(out, "loop wakes: timeout (the timer wheel is due)"),
            (0, true) => write!(out, "loop wakes: poked from another thread"),
            (n, false) => write!(out, "loop wakes: {n} I/O event(s)"),
            (n, true) => write!(
                out,
                "loop wakes: {n} I/O event(s) and a poke from another thread"
            ),
        },
        Event::IoReady(source) => write!(out, "I/O ready on socket #{source}"),
        Event::IoRegistered(source) => write!(out, "socket #{source} registered with the selector"),
        Event::Blocked(duration) => write!(
            out,
            "the loop is blocked for {} ms by a blocking call: nothing else can run",
            duration.as_millis()
        ),
        Event::SlowPoll { task, held } => write!(
            out,
            "slow poll: {} held the loop for {:.3}s in one poll — a blocking call? (asyncio's \
             debug mode warns the same)",
            labels.get(*task),
            held.as_secs_f64()
        ),
        Event::BudgetSpent { task, budget } => write!(
            out,
            "{} made to yield: its budget of {budget} operations in one poll is spent",
            labels.get(*task)
        ),
        Event::LoopDone => write!(out, "main() → Ready: block_on returns its output"),
    }
}
