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
//! channel. [`Core`](crate::event_loop) notes which in a `Cell` as it goes, and
//! when a wake actually queues a task, the `Woken` event reads that cell for its cause.
//!
//! # Cost
//!
//! Tracing off costs one branch per event: [`Core::trace`](crate::event_loop) checks an `Option`
//! and builds the event only when it is `Some`; the cause cell is written only when it is `Some`.
//!
//! Read next: [`timeline.rs`](crate::timeline), which draws the same events as a chart.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::panic::Location;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glassloop_timer::Position;

use crate::task::TaskId;
use crate::timeline::Timeline;

/// Who was running when a wake happened — the cause a `Woken` line reports.
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
    /// A task was created; `location` is where `spawn` was called.
    Spawned {
        task: TaskId,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
    },
    Polled {
        task: TaskId,
    },
    Pending {
        task: TaskId,
    },
    Ready {
        task: TaskId,
    },
    Panicked {
        task: TaskId,
    },
    Aborted {
        task: TaskId,
    },
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
    TimerCancelled {
        by: WakeCause,
    },
    /// A coarse slot of the wheel came due but held no timer due yet: its timers moved down.
    WheelTurned,
    Park {
        timeout: Option<Duration>,
    },
    Unpark {
        io_events: usize,
        poked: bool,
    },
    IoReady {
        source: u32,
    },
    IoRegistered {
        source: u32,
    },
    /// Virtual time's version of `Park`: instead of waiting `wait`, the clock jumps to `to`.
    VirtualJump {
        wait: Duration,
        to: Instant,
    },
    /// One poll held the loop longer than the slow-poll threshold.
    SlowPoll {
        task: TaskId,
        held: Duration,
    },
    Blocked {
        duration: Duration,
    },
    LoopDone,
}

/// Where the trace goes and what it has seen. Shared by the loop (it lives in one thread).
#[derive(Clone)]
pub(crate) struct Tracer {
    state: Rc<RefCell<TraceState>>,
}

struct TraceState {
    /// Print one line per event.
    lines: bool,
    /// Draw the timeline chart when the loop ends.
    timeline: Option<Timeline>,
    sink: Box<dyn Write>,
    origin: Instant,
    /// How each task is shown: `task 3 'its name'`, or `task 3 (file.rs:line)` of its spawn.
    labels: HashMap<TaskId, Arc<str>>,
    /// Tasks spawned so far: the trace numbers tasks 1, 2, 3, … as asyncio names them `Task-1`,
    /// `Task-2`, …, which reads better than a slot index with its generation.
    spawned: u64,
    /// Reused for every line, so tracing allocates only when a line is longer than any before.
    line: String,
}

impl Tracer {
    /// A tracer writing to `sink`; `lines` and `timeline` say which outputs are on.
    pub(crate) fn new(lines: bool, timeline: bool, sink: Box<dyn Write>) -> Tracer {
        Tracer {
            state: Rc::new(RefCell::new(TraceState {
                lines,
                timeline: timeline.then(Timeline::default),
                sink,
                origin: Instant::now(),
                labels: HashMap::new(),
                spawned: 0,
                line: String::new(),
            })),
        }
    }

    /// The loop started at `origin`; times are printed from there, and whether they are virtual is
    /// said once at the top of the timeline.
    pub(crate) fn start(&self, origin: Instant, virtual_time: bool) {
        let mut state = self.state.borrow_mut();
        state.origin = origin;
        if let Some(timeline) = &mut state.timeline {
            timeline.set_virtual_time(virtual_time);
        }
    }

    /// Records one event that happened at `now`.
    pub(crate) fn record(&self, now: Instant, event: Event) {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return; // a trace from inside the sink's own write: ignore rather than panic
        };
        let state = &mut *state;
        let at = now.saturating_duration_since(state.origin);
        if let Event::Spawned {
            task,
            name,
            location,
        } = &event
        {
            state.spawned += 1;
            let label = label_for(state.spawned, name.as_deref(), location);
            state.labels.insert(*task, label);
        }
        if let Some(timeline) = &mut state.timeline {
            timeline.record(at, &event);
        }
        if !state.lines {
            return;
        }
        state.line.clear();
        let _ = write!(state.line, "[{:>8.3}s] ", at.as_secs_f64());
        describe(&mut state.line, &event, &state.labels, state.origin);
        state.line.push('\n');
        let _ = state.sink.write_all(state.line.as_bytes());
    }

    /// Whether one line per event is being printed.
    pub(crate) fn prints_lines(&self) -> bool {
        self.state.try_borrow().is_ok_and(|state| state.lines)
    }

    /// Writes prepared text (the task dump) to the sink as it is.
    pub(crate) fn write_raw(&self, text: &str) {
        if let Ok(mut state) = self.state.try_borrow_mut() {
            let _ = state.sink.write_all(text.as_bytes());
        }
    }

    /// The loop is ending: draw the timeline, if asked.
    pub(crate) fn finish(&self, now: Instant) {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return;
        };
        let state = &mut *state;
        let end = now.saturating_duration_since(state.origin);
        if let Some(timeline) = state.timeline.take() {
            let chart = timeline.render(end, &state.labels);
            let _ = state.sink.write_all(chart.as_bytes());
        }
        let _ = state.sink.flush();
    }
}

/// How a task is shown: its number, then `'name'` when it has one, otherwise the file and line of
/// the `spawn` call (the file without its directories, so the label is the same whichever crate
/// the file was compiled into).
fn label_for(number: u64, name: Option<&str>, location: &Location<'_>) -> Arc<str> {
    match name {
        Some(name) => Arc::from(format!("task {number} '{name}'")),
        None => {
            let file = Path::new(location.file())
                .file_name()
                .and_then(|file| file.to_str())
                .unwrap_or(location.file());
            Arc::from(format!("task {number} ({file}:{})", location.line()))
        }
    }
}

/// Writes a task as `task 3 'name'`, or `main()` for the future `block_on` runs.
pub(crate) fn task_label(out: &mut String, task: TaskId, labels: &HashMap<TaskId, Arc<str>>) {
    if task == TaskId::MAIN {
        out.push_str("main()");
        return;
    }
    match labels.get(&task) {
        Some(label) => out.push_str(label),
        // Not seen spawned (cannot happen while the tracer lives as long as the loop).
        None => {
            let _ = write!(out, "task #{}", task.number());
        }
    }
}

/// Writes who caused a wake (or armed a timer).
fn cause_label(out: &mut String, cause: WakeCause, labels: &HashMap<TaskId, Arc<str>>) {
    match cause {
        WakeCause::Loop => out.push_str("the loop"),
        WakeCause::Timer => out.push_str("a timer"),
        WakeCause::Io => out.push_str("I/O"),
        WakeCause::Main => out.push_str("main()"),
        WakeCause::OtherThread => out.push_str("another thread"),
        WakeCause::Task(task) => task_label(out, task, labels),
    }
}

/// The event in words.
fn describe(out: &mut String, event: &Event, labels: &HashMap<TaskId, Arc<str>>, origin: Instant) {
    match event {
        Event::BlockOn => out.push_str("block_on: the loop starts and schedules main()"),
        Event::Spawned { task, .. } => {
            // The label says the task's name, or (unnamed) the line that spawned it.
            task_label(out, *task, labels);
            out.push_str(" spawned (create_task)");
        }
        Event::Polled { task } => {
            task_label(out, *task, labels);
            out.push_str(" polled");
        }
        Event::Pending { task } => {
            task_label(out, *task, labels);
            out.push_str(" → Pending: waits at an .await");
        }
        Event::Ready { task } => {
            task_label(out, *task, labels);
            out.push_str(" → Ready: finished");
        }
        Event::Panicked { task } => {
            task_label(out, *task, labels);
            out.push_str(" panicked: the panic is its JoinHandle's error, the loop goes on");
        }
        Event::Aborted { task } => {
            task_label(out, *task, labels);
            out.push_str(" aborted (cancelled): its future is dropped");
        }
        Event::Woken { task, cause } => {
            task_label(out, *task, labels);
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
            task_label(out, *task, labels);
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
