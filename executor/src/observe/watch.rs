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

use super::dump::Dump;
use super::event::{Event, LoopView, Seen, WakeCause, Watcher};
use super::introspect::Waiting;
use super::labels::Labels;
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
}

/// The loop's door to whoever watches it; see the module docs.
pub(crate) struct Watch {
    /// The task being polled right now (`TaskId::MAIN` for the main future), so leaf futures can
    /// note what it waits on.
    running: Cell<Option<TaskId>>,
    /// What the main future waits on (tasks keep theirs in their slot).
    main_waiting: Cell<Option<Waiting>>,
    /// Everything else, when someone watches.
    watching: Option<Box<Watching>>,
}

/// A watched loop's watchers and the state they share.
pub(crate) struct Watching {
    /// Who is running now: the cause of a wake made now, or who armed a timer now.
    wake_cause: Cell<WakeCause>,
    slow_poll: Option<Duration>,
    /// When the current task's poll started, while slow polls are watched.
    poll_started: Cell<Option<Instant>>,
    /// Borrowed only while an event is handed out (a watcher that records an event of its own,
    /// such as a write to a sink that is itself traced, is ignored rather than a panic).
    shared: RefCell<Audience>,
}

struct Audience {
    origin: Instant,
    out: Box<dyn Write>,
    labels: Labels,
    /// Whether the trace's lines are among the watchers (a slow poll is then one of its lines).
    lines: bool,
    watchers: Vec<Box<dyn Watcher>>,
}

impl Watch {
    /// A watch with the watchers `config` asks for; times count from `origin`.
    pub(crate) fn new(config: WatchConfig, origin: Instant, virtual_time: bool) -> Watch {
        let on = config.lines || config.timeline || config.dump || config.slow_poll.is_some();
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
            Box::new(Watching {
                wake_cause: Cell::new(WakeCause::Loop),
                slow_poll: config.slow_poll,
                poll_started: Cell::new(None),
                shared: RefCell::new(Audience {
                    origin,
                    out: config.sink.unwrap_or_else(|| Box::new(std::io::stderr())),
                    labels: Labels::default(),
                    lines: config.lines,
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

    /// The loop is ending: the watchers draw what they gathered and flush.
    pub(crate) fn finish(&self, view: &dyn LoopView, now: Instant) {
        let Some(watching) = &self.watching else {
            return;
        };
        let Ok(mut audience) = watching.shared.try_borrow_mut() else {
            return;
        };
        let audience = &mut *audience;
        let end = now.saturating_duration_since(audience.origin);
        let mut seen = Seen {
            origin: audience.origin,
            labels: &audience.labels,
            out: &mut *audience.out,
            view,
        };
        for watcher in &mut audience.watchers {
            watcher.finish(end, &mut seen);
        }
        let _ = seen.out.flush();
    }

    /// The task being polled now starts (or, with `None`, stops) running.
    pub(crate) fn set_running(&self, task: Option<TaskId>) {
        self.running.set(task);
    }

    /// The task being polled now, if any.
    pub(crate) fn running(&self) -> Option<TaskId> {
        self.running.get()
    }

    /// Notes what the main future waits on (`None`: it is about to be polled again).
    pub(crate) fn set_main_waiting(&self, waiting: Option<Waiting>) {
        self.main_waiting.set(waiting);
    }

    /// What the main future waits on.
    pub(crate) fn main_waiting(&self) -> Option<Waiting> {
        self.main_waiting.get()
    }
}

impl Watching {
    fn record(&self, view: &dyn LoopView, now: Instant, event: Event) {
        if self.slow_poll.is_some() {
            self.watch_slow_polls(view, now, &event);
        }
        let Ok(mut audience) = self.shared.try_borrow_mut() else {
            return; // an event from inside a watcher's own write: ignore rather than panic
        };
        let audience = &mut *audience;
        if let Event::Spawned {
            task,
            number,
            name,
            location,
        } = &event
        {
            audience
                .labels
                .spawned(*task, *number, name.as_deref(), location);
        }
        let at = now.saturating_duration_since(audience.origin);
        let mut seen = Seen {
            origin: audience.origin,
            labels: &audience.labels,
            out: &mut *audience.out,
            view,
        };
        for watcher in &mut audience.watchers {
            watcher.record(at, &event, &mut seen);
        }
    }

    /// asyncio's debug-mode warning, "Executing <Task …> took 0.150 seconds": a poll that held the
    /// loop this long kept every other task, timer and socket waiting. It becomes a line of the
    /// trace when the trace prints lines, and a warning on stderr otherwise.
    fn watch_slow_polls(&self, view: &dyn LoopView, now: Instant, event: &Event) {
        let task = match *event {
            Event::Polled { task } if task != TaskId::MAIN => {
                self.poll_started.set(Some(now));
                return;
            }
            Event::Pending { task } | Event::Ready { task } | Event::Panicked { task } => task,
            _ => return,
        };
        let (Some(started), Some(threshold)) = (self.poll_started.take(), self.slow_poll) else {
            return;
        };
        let held = now.saturating_duration_since(started);
        if held < threshold {
            return;
        }
        if self
            .shared
            .try_borrow()
            .is_ok_and(|audience| audience.lines)
        {
            self.record(view, now, Event::SlowPoll { task, held });
            return;
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
