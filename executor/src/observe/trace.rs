//! The trace: the loop narrating itself, one line per event — asyncio's debug mode, made readable.
//!
//! With `GLASSLOOP_TRACE=1` (or [`Builder::trace`](crate::Builder::trace)) every step the loop takes
//! is printed, in asyncio's words. This is the start of `examples/get_user.rs`:
//!
//! ```text
//! [   0.000s] block_on: the loop starts and schedules main()
//! [   0.000s] main() polled
//! [   0.000s] timer armed by main(): due at 1.000s, wheel level 1 slot 15
//! [   0.000s] timer armed by main(): due at 1.000s, wheel level 1 slot 15
//! [   0.000s] timer armed by main(): due at 1.000s, wheel level 1 slot 15
//! [   0.000s] main() → Pending: waits at an .await
//! [   0.000s] loop parks in the selector: no task ready, the timer wheel is due in 960 ms
//! [   0.961s] loop wakes: timeout (the timer wheel is due)
//! ```
//!
//! `docs/reading-the-trace.md` reads the whole of it, line by line.
//!
//! Every line is the loop's time, then the event. The events, in the order a task meets them:
//!
//! | event | what happened | asyncio |
//! |---|---|---|
//! | spawned | a task entered the task table and the ready queue | `create_task` |
//! | polled → Pending / Ready | the loop ran the task up to its next `.await`, or to its end | `Task.__step` |
//! | woken by … | a waker put the task back on the ready queue; the cause says who | `call_soon` |
//! | timer armed / fired / cancelled | a `sleep` went into the wheel / its deadline came / it was dropped first | `call_at`, `TimerHandle.cancel` |
//! | loop parks / wakes | nothing to run: the loop waits in epoll | `selector.select(timeout)` |
//!
//! # Who woke whom
//!
//! A waker carries only a task id, so it cannot say who is calling it. The loop knows, though: it
//! is either polling some task, firing timers, handing out I/O events or draining the cross-thread
//! channel. It notes which as it goes (in the [`Watch`](super::watch::Watch)), and when a wake
//! actually queues a task, the `Woken` event carries that cause.
//!
//! # Cost
//!
//! Tracing off costs one branch per event: the [`Watch`](super::watch::Watch) checks an `Option`
//! and builds the event only when it is `Some`; the cause is written only when it is `Some`.
//!
//! Read next: [`dump.rs`](super::dump), a watcher that speaks only when the loop is idle.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::event::{Event, Seen, WakeCause, Watcher};
use super::labels::Labels;

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
        describe(&mut self.line, event, seen.labels, seen.origin);
        self.line.push('\n');
        let _ = seen.out.write_all(self.line.as_bytes());
    }
}

/// Writes who caused a wake (or armed a timer).
fn cause_label(out: &mut String, cause: WakeCause, labels: &Labels) {
    match cause {
        WakeCause::Loop => out.push_str("the loop"),
        WakeCause::Timer => out.push_str("a timer"),
        WakeCause::Io => out.push_str("I/O"),
        WakeCause::Main => out.push_str("main()"),
        WakeCause::OtherThread => out.push_str("another thread"),
        WakeCause::Task(task) => out.push_str(labels.get(task)),
    }
}

/// The event in words.
fn describe(out: &mut String, event: &Event, labels: &Labels, origin: Instant) {
    match event {
        Event::BlockOn => out.push_str("block_on: the loop starts and schedules main()"),
        Event::Spawned { task, .. } => {
            // The label says the task's name, or (unnamed) the line that spawned it.
            out.push_str(labels.get(*task));
            out.push_str(" spawned (create_task)");
        }
        Event::Polled { task } => {
            out.push_str(labels.get(*task));
            out.push_str(" polled");
        }
        Event::Pending { task } => {
            out.push_str(labels.get(*task));
            out.push_str(" → Pending: waits at an .await");
        }
        Event::Ready { task } => {
            out.push_str(labels.get(*task));
            out.push_str(" → Ready: finished");
        }
        Event::Panicked { task } => {
            out.push_str(labels.get(*task));
            out.push_str(" panicked: the panic is its JoinHandle's error, the loop goes on");
        }
        Event::Aborted { task } => {
            out.push_str(labels.get(*task));
            out.push_str(" aborted (cancelled): its future is dropped");
        }
        Event::Woken { task, cause } => {
            out.push_str(labels.get(*task));
            match cause {
                WakeCause::Task(other) if other == task => out.push_str(" woken by itself"),
                WakeCause::OtherThread => out.push_str(" woken from another thread"),
                cause => {
                    out.push_str(" woken by ");
                    cause_label(out, *cause, labels);
                }
            }
        }
        Event::TimerArmed {
            deadline,
            position,
            by,
        } => {
            out.push_str("timer armed by ");
            cause_label(out, *by, labels);
            let due = deadline.saturating_duration_since(origin);
            let _ = write!(out, ": due at {:.3}s", due.as_secs_f64());
            if let Some(position) = position {
                if position.level < glassloop_timer::LEVELS {
                    let _ = write!(
                        out,
                        ", wheel level {} slot {}",
                        position.level, position.slot
                    );
                } else {
                    out.push_str(", in the wheel's overflow list");
                }
            }
        }
        Event::TimerFired => out.push_str("timer fired"),
        Event::TimerCancelled { by } => {
            out.push_str("timer cancelled by ");
            cause_label(out, *by, labels);
            out.push_str(": its sleep was dropped before the deadline");
        }
        Event::WheelTurned => out
            .push_str("timer wheel: a coarse slot came due; its timers move down to a finer level"),
        Event::Park { timeout } => {
            out.push_str("loop parks in the selector: no task ready, ");
            match timeout {
                Some(wait) => {
                    let _ = write!(out, "the timer wheel is due in {} ms", wait.as_millis());
                }
                None => out.push_str("no timer armed (waits for I/O or another thread)"),
            }
        }
        Event::VirtualJump { wait, to } => {
            let to = to.saturating_duration_since(origin);
            let _ = write!(
                out,
                "loop parks: no task ready, the timer wheel is due in {} ms; virtual time \
                 jumps the clock to {:.3}s",
                wait.as_millis(),
                to.as_secs_f64()
            );
        }
        Event::Unpark { io_events, poked } => {
            out.push_str("loop wakes: ");
            match (io_events, poked) {
                (0, false) => out.push_str("timeout (the timer wheel is due)"),
                (0, true) => out.push_str("poked from another thread"),
                (n, false) => {
                    let _ = write!(out, "{n} I/O event(s)");
                }
                (n, true) => {
                    let _ = write!(out, "{n} I/O event(s) and a poke from another thread");
                }
            }
        }
        Event::IoReady { source } => {
            let _ = write!(out, "I/O ready on socket #{source}");
        }
        Event::IoRegistered { source } => {
            let _ = write!(out, "socket #{source} registered with the selector");
        }
        Event::Blocked { duration } => {
            let _ = write!(
                out,
                "the loop is blocked for {} ms by a blocking call: nothing else can run",
                duration.as_millis()
            );
        }
        Event::SlowPoll { task, held } => {
            out.push_str("slow poll: ");
            out.push_str(labels.get(*task));
            let _ = write!(
                out,
                " held the loop for {:.3}s in one poll — a blocking call? (asyncio's debug mode \
                 warns the same)",
                held.as_secs_f64()
            );
        }
        Event::LoopDone => out.push_str("main() → Ready: block_on returns its output"),
    }
}
