//! The loop watched — the one door through which the loop tells anyone what it does, as asyncio's
//! debug mode hooks into `BaseEventLoop`.
//!
//! The loop calls [`Watch`] at every step, and knows nothing about who listens. A [`Watch`] keeps
//! two kinds of things:
//!
//! - what introspection always needs, cheap enough to keep on: which task is being polled now
//!   (so a leaf future can note what it waits on), and what the main future waits on;
//! - when someone watches (`GLASSLOOP_TRACE`, or the [`Builder`](crate::Builder)), the
//!   *watchers*: the trace's lines, the timeline, the dump; each is a [`Watcher`] that gets every
//!   [`Event`] with its time, the tasks' labels, the output to write to, and a [`LoopView`] to
//!   look at the loop between two events (both traits are in [`event.rs`](super::event)). The
//!   slow-poll alarm is here too.
//!
//! With nobody watching, recording an event is one branch on an `Option` that is `None`, and the
//! event is never even built. A new way to watch the loop (a web page, a stepper that stops
//! between events) is one more `Watcher`, and what it needs to see of the loop one more method of
//! `LoopView`: no new field in the loop.
//!
//! Read next: [`trace.rs`](super::trace), the first watcher.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::time::{Duration, Instant};

use super::chrome::ChromeTrace;
use super::dump::Dump;
use super::event::{Event, LoopView, Seen, WakeCause, Watcher};
use super::html::HtmlTimeline;
use super::introspect::Waiting;
use super::labels::Labels;
use super::stepper::Stepper;
use super::timeline::Timeline;
use super::trace::Lines;
use crate::ids::TaskId;

/// Which watchers to switch on (the [`Builder`](crate::Builder) fills it in).
#[derive(Default)]
pub(crate) struct WatchConfig {
    pub(crate) lines: bool,
    pub(crate) timeline: bool,
    pub(crate) dump: bool,
    /// Warn about a poll that holds the loop longer than this (asyncio debug mode's
    /// `slow_callback_duration`).
    pub(crate) slow_poll: Option<Duration>,
    /// Where to write; stderr if `None`.
    pub(crate) sink: Option<Box<dyn Write>>,
    /// Write the run as a Chrome trace to this file when the loop ends.
    pub(crate) chrome: Option<std::path::PathBuf>,
    /// Write the timeline as a web page to this file when the loop ends.
    pub(crate) html: Option<std::path::PathBuf>,
    /// Emit the events as `tracing` spans and events (only with the cargo feature `tracing`).
    pub(crate) tracing: bool,
    /// Pause after each event, reading the keys from here (`None`: no stepping).
    pub(crate) step: Option<Box<dyn std::io::BufRead>>,
}

/// The loop's door to whoever watches it; see the module docs.
pub(crate) struct Watch {
    /// The task being polled right now (`TaskId::MAIN` for the main future), so leaf futures can
    /// note what it waits on.
    pub(crate) running: Cell<Option<TaskId>>,
    /// What the main future waits on (tasks keep theirs in their slot).
    pub(crate) main_waiting: Cell<Option<Waiting>>,
    /// Everything else, when someone watches.
    watching: Option<Box<Watching>>,
}

/// A watched loop's watchers and the state they share.
struct Watching {
    /// Who is running now: the cause of a wake made now, or who armed a timer now.
    wake_cause: Cell<WakeCause>,
    slow_poll: Option<Duration>,
    /// When the current task's poll started, while slow polls are watched.
    poll_started: Cell<Option<Instant>>,
    /// The loop's time zero.
    origin: Instant,
    /// Whether the trace's lines are among the watchers (a slow poll is then one of its lines).
    lines: bool,
    /// Borrowed only while an event is handed out (an event recorded from inside a watcher —
    /// say, by a sink that is itself traced — is ignored rather than a panic).
    audience: RefCell<Audience>,
}

/// Whom the events go to, and what they share.
struct Audience {
    out: Box<dyn Write>,
    labels: Labels,
    watchers: Vec<Box<dyn Watcher>>,
}

impl Watch {
    /// A watch with the watchers `config` asks for; times count from `origin`.
    pub(crate) fn new(config: WatchConfig, origin: Instant, virtual_time: bool) -> Watch {
        let on = config.lines
            || config.timeline
            || config.dump
            || config.slow_poll.is_some()
            || config.chrome.is_some()
            || config.html.is_some()
            || (cfg!(feature = "tracing") && config.tracing)
            || config.step.is_some();
        let watching = on.then(|| {
            // The dump first: it is printed before the line of the wait it explains.
            let mut watchers: Vec<Box<dyn Watcher>> = Vec::new();
            if config.dump {
                watchers.push(Box::new(Dump::default()));
            }
            if config.lines {
                watchers.push(Box::new(Lines::default()));
            }
            if config.timeline {
                watchers.push(Box::new(Timeline::new(virtual_time)));
            }
            if let Some(path) = config.chrome {
                watchers.push(Box::new(ChromeTrace::new(path)));
            }
            if let Some(path) = config.html {
                watchers.push(Box::new(HtmlTimeline::new(path, virtual_time)));
            }
            if let Some(keys) = config.step {
                watchers.push(Box::new(Stepper::new(keys)));
            }
            #[cfg(feature = "tracing")]
            if config.tracing {
                watchers.push(Box::new(super::tracing::TracingBridge::default()));
            }
            let out = config.sink.unwrap_or_else(|| Box::new(std::io::stderr()));
            Box::new(Watching {
                wake_cause: Cell::new(WakeCause::Loop),
                slow_poll: config.slow_poll,
                poll_started: Cell::new(None),
                origin,
                lines: config.lines,
                audience: RefCell::new(Audience {
                    out,
                    labels: Labels::default(),
                    watchers,
                }),
            })
        });
        Watch {
            running: Cell::new(None),
            main_waiting: Cell::new(None),
            watching,
        }
    }

    /// Whether anyone watches (then the loop records events; otherwise it need not).
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        self.watching.is_some()
    }

    /// Records the event `event()` that happens now, if anyone watches. Off, this is one branch:
    /// neither the event nor the time is made.
    #[inline]
    pub(crate) fn record(
        &self,
        view: &dyn LoopView,
        now: impl FnOnce() -> Instant,
        event: impl FnOnce() -> Event,
    ) {
        if let Some(watching) = &self.watching {
            watching.record(view, now(), event());
        }
    }

    /// Notes who is about to run, so the wakes it makes are reported with their cause. Off, this
    /// is one branch too.
    #[inline]
    pub(crate) fn set_cause(&self, cause: WakeCause) {
        if let Some(watching) = &self.watching {
            watching.wake_cause.set(cause);
        }
    }

    /// Who is running now (`Loop` when nobody watches: the cause is only read by watchers).
    pub(crate) fn cause(&self) -> WakeCause {
        self.watching
            .as_ref()
            .map_or(WakeCause::Loop, |watching| watching.wake_cause.get())
    }

    /// The loop is ending at `now`: the watchers draw what they gathered, and the output is
    /// flushed.
    pub(crate) fn finish(&self, view: &dyn LoopView, now: Instant) {
        if let Some(watching) = &self.watching {
            watching.each(view, now, |watcher, end, seen| watcher.finish(end, seen));
            if let Ok(mut audience) = watching.audience.try_borrow_mut() {
                let _ = audience.out.flush();
            }
        }
    }
}

impl Watching {
    fn record(&self, view: &dyn LoopView, now: Instant, event: Event) {
        if self.slow_poll.is_some() {
            self.watch_slow_polls(view, now, &event);
        }
        if let Event::Spawned {
            task,
            number,
            name,
            location,
        } = &event
        {
            // Noted first, so that every watcher can name the new task.
            if let Ok(mut audience) = self.audience.try_borrow_mut() {
                audience
                    .labels
                    .spawned(*task, *number, name.as_deref(), location);
            }
        }
        self.each(view, now, |watcher, at, seen| {
            watcher.record(at, &event, seen)
        });
    }

    /// Hands every watcher the moment `now` (as a time since the loop started), with what it may
    /// see.
    fn each(
        &self,
        view: &dyn LoopView,
        now: Instant,
        mut hand: impl FnMut(&mut dyn Watcher, Duration, &mut Seen<'_>),
    ) {
        let Ok(mut audience) = self.audience.try_borrow_mut() else {
            return;
        };
        let Audience {
            out,
            labels,
            watchers,
        } = &mut *audience;
        let mut seen = Seen {
            origin: self.origin,
            labels,
            out: &mut **out,
            view,
        };
        let at = now.saturating_duration_since(self.origin);
        for watcher in watchers {
            hand(&mut **watcher, at, &mut seen);
        }
    }

    /// asyncio's debug-mode warning, "Executing <Task …> took 0.150 seconds": a poll that held the
    /// loop this long kept every other task, timer and socket waiting. It becomes a line of the
    /// trace when the trace prints lines, and a warning on stderr otherwise.
    fn watch_slow_polls(&self, view: &dyn LoopView, now: Instant, event: &Event) {
        let task = match *event {
            Event::Polled(task) if task != TaskId::MAIN => {
                self.poll_started.set(Some(now));
                return;
            }
            Event::Pending(task) | Event::Ready(task) | Event::Panicked(task) => task,
            _ => return,
        };
        let (Some(started), Some(threshold)) = (self.poll_started.take(), self.slow_poll) else {
            return;
        };
        let held = now.saturating_duration_since(started);
        if held < threshold {
            return;
        }
        if self.lines {
            return self.record(view, now, Event::SlowPoll { task, held });
        }
        let label = view.task(task).map_or_else(String::new, |info| {
            format!("task {} '{}'", info.number, info.name)
        });
        eprintln!(
            "glassloop: slow poll: {label} held the loop for {:.3}s in one poll — a blocking call? \
             Nothing else could run meanwhile (use .await, or glassloop::to_thread for blocking work)",
            held.as_secs_f64()
        );
    }
}
