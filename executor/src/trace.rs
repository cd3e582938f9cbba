//! The trace: the loop narrating itself, one line per event — asyncio's debug mode, made readable.
//!
//! With `GLASSLOOP_TRACE=1` (or [`Builder::trace`](crate::Builder::trace)) every step the loop takes
//! is printed, in asyncio's words:
//!
//! ```text
//! [   0.000s] task 1 'get_user(1)' spawned
//! [   0.000s] task 1 'get_user(1)' polled
//! [   0.000s] timer armed: due at 1.000s, wheel level 1 slot 15
//! [   0.000s] task 1 'get_user(1)' → Pending
//! [   0.000s] loop parks in the selector: no task ready, next timer in 1000 ms
//! ```
//!
//! Tracing off costs one branch per event: [`Core::trace`](crate::event_loop) checks an `Option` and
//! builds the event only when it is `Some`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glassloop_timer::Position;

use crate::task::TaskId;
use crate::timeline::Timeline;

/// Why a task was woken, as the trace tells it.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)] // timer, I/O and task causes are reported once the trace learns who woke whom
pub(crate) enum WakeCause {
    /// A timer fired.
    Timer,
    /// A socket became ready.
    Io,
    /// Another task (or the task itself) called `wake`.
    Task(TaskId),
    /// The loop's main future (what `block_on` runs) called `wake`.
    Main,
    /// A wake arrived through the cross-thread channel.
    OtherThread,
}

/// One thing the loop did.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    Spawned {
        task: TaskId,
        name: Option<Arc<str>>,
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
    Woken {
        task: TaskId,
        cause: WakeCause,
    },
    TimerArmed {
        deadline: Instant,
        position: Option<Position>,
    },
    TimerFired,
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
    VirtualJump {
        to: Instant,
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
    names: HashMap<TaskId, Arc<str>>,
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
                names: HashMap::new(),
                line: String::new(),
            })),
        }
    }

    /// The loop started at `origin`.
    pub(crate) fn start(&self, origin: Instant, _virtual_time: bool) {
        self.state.borrow_mut().origin = origin;
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
            name: Some(name),
        } = &event
        {
            state.names.insert(*task, name.clone());
        }
        if let Some(timeline) = &mut state.timeline {
            timeline.record(at, &event);
        }
        if !state.lines {
            return;
        }
        state.line.clear();
        let _ = write!(state.line, "[{:>8.3}s] ", at.as_secs_f64());
        describe(&mut state.line, &event, &state.names, state.origin);
        state.line.push('\n');
        let _ = state.sink.write_all(state.line.as_bytes());
    }

    /// The loop is ending: draw the timeline, if asked.
    pub(crate) fn finish(&self, now: Instant) {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return;
        };
        let state = &mut *state;
        let end = now.saturating_duration_since(state.origin);
        if let Some(timeline) = state.timeline.take() {
            let chart = timeline.render(end, &state.names);
            let _ = state.sink.write_all(chart.as_bytes());
        }
        let _ = state.sink.flush();
    }
}

/// Writes a task as `task 3 'name'`.
fn task_label(out: &mut String, task: TaskId, names: &HashMap<TaskId, Arc<str>>) {
    let _ = write!(out, "task {}", task.number());
    if let Some(name) = names.get(&task) {
        let _ = write!(out, " '{name}'");
    }
}

/// The event in words.
fn describe(out: &mut String, event: &Event, names: &HashMap<TaskId, Arc<str>>, origin: Instant) {
    match event {
        Event::Spawned { task, .. } => {
            task_label(out, *task, names);
            out.push_str(" spawned (create_task)");
        }
        Event::Polled { task } => {
            task_label(out, *task, names);
            out.push_str(" polled");
        }
        Event::Pending { task } => {
            task_label(out, *task, names);
            out.push_str(" → Pending (waits)");
        }
        Event::Ready { task } => {
            task_label(out, *task, names);
            out.push_str(" → Ready (done)");
        }
        Event::Panicked { task } => {
            task_label(out, *task, names);
            out.push_str(" panicked");
        }
        Event::Aborted { task } => {
            task_label(out, *task, names);
            out.push_str(" aborted (cancelled)");
        }
        Event::Woken { task, cause } => {
            task_label(out, *task, names);
            out.push_str(" woken ");
            match cause {
                WakeCause::Timer => out.push_str("by a timer"),
                WakeCause::Io => out.push_str("by I/O"),
                WakeCause::Main => out.push_str("by the main future"),
                WakeCause::OtherThread => out.push_str("from another thread"),
                WakeCause::Task(other) if other == task => out.push_str("by itself"),
                WakeCause::Task(other) => {
                    out.push_str("by ");
                    task_label(out, *other, names);
                }
            }
        }
        Event::TimerArmed { deadline, position } => {
            let due = deadline.saturating_duration_since(origin);
            let _ = write!(out, "timer armed: due at {:.3}s", due.as_secs_f64());
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
        Event::Park { timeout } => {
            out.push_str("loop parks in the selector: no task ready, ");
            match timeout {
                Some(wait) => {
                    let _ = write!(out, "next timer in {} ms", wait.as_millis());
                }
                None => out.push_str("no timer armed (waits for I/O or another thread)"),
            }
        }
        Event::Unpark { io_events, poked } => {
            out.push_str("loop wakes: ");
            match (io_events, poked) {
                (0, false) => out.push_str("timeout"),
                (0, true) => out.push_str("woken from another thread"),
                (n, false) => {
                    let _ = write!(out, "{n} I/O event(s)");
                }
                (n, true) => {
                    let _ = write!(out, "{n} I/O event(s) and a wake from another thread");
                }
            }
        }
        Event::IoReady { source } => {
            let _ = write!(out, "I/O ready on socket #{source}");
        }
        Event::IoRegistered { source } => {
            let _ = write!(out, "socket #{source} registered with the selector");
        }
        Event::VirtualJump { to } => {
            let to = to.saturating_duration_since(origin);
            let _ = write!(
                out,
                "virtual time: nothing to do, the clock jumps to {:.3}s",
                to.as_secs_f64()
            );
        }
        Event::Blocked { duration } => {
            let _ = write!(
                out,
                "the loop is blocked for {} ms by a blocking call (nothing else can run)",
                duration.as_millis()
            );
        }
        Event::LoopDone => out.push_str("main future → Ready: block_on returns"),
    }
}
