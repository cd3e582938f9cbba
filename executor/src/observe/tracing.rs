//! The loop's events as `tracing` spans and events, for the `tracing` ecosystem (cargo feature
//! `tracing`, off by default) — so a program's own `tracing-subscriber` setup shows what the loop
//! did next to its own logs. asyncio's twin is its `logging` in debug mode (`asyncio` logger).
//!
//! - a span per task, named `task`, with the fields `task` (its number: main is 0) and `name` (the
//!   trace's label), created when the task is spawned and *entered for each poll* — so anything the
//!   program logs while a task runs is inside that task's span;
//! - an event (target `glassloop`, level `TRACE`) for every other step — wakes, timers armed,
//!   fired and cancelled, parks, spawns, a task's end — its message the trace's line, its fields
//!   `kind` and, where there is one, `task`.
//!
//! The bridge is one more watcher behind the loop's `Watch` (with the feature, it is on unless
//! `Builder::emit_tracing(false)`); it enters and leaves spans through the current dispatcher, so
//! the span of a task is entered only while that task is polled, on the loop's thread.
//!
//! Read next: [`timeline.rs`](super::timeline), the chart drawn in text.

use std::collections::HashMap;
use std::time::Duration;

use tracing::{Level, Span};

use super::event::{Event, Seen, Watcher};
use super::trace::describe_line;
use crate::ids::TaskId;

/// The watcher: each task's span, by task id.
#[derive(Default)]
pub(crate) struct TracingBridge {
    spans: HashMap<TaskId, Span>,
}

impl TracingBridge {
    fn span_for(&mut self, task: TaskId, number: u64, name: &str) {
        // No parent: a task's span is not inside the span of whoever spawned it (a task outlives
        // its spawner's poll), as tokio's task spans are roots too.
        let span = tracing::span!(
            target: "glassloop",
            parent: None,
            Level::TRACE,
            "task",
            task = number,
            name = name
        );
        self.spans.insert(task, span);
    }

    fn enter(&self, task: TaskId) {
        if let Some(id) = self.spans.get(&task).and_then(Span::id) {
            tracing::dispatcher::get_default(|dispatch| dispatch.enter(&id));
        }
    }

    fn exit(&self, task: TaskId) {
        if let Some(id) = self.spans.get(&task).and_then(Span::id) {
            tracing::dispatcher::get_default(|dispatch| dispatch.exit(&id));
        }
    }
}

impl Watcher for TracingBridge {
    fn record(&mut self, _at: Duration, event: &Event, seen: &mut Seen<'_>) {
        let line = describe_line(event, seen.labels, seen.origin);
        match event {
            Event::BlockOn => {
                if !self.spans.contains_key(&TaskId::MAIN) {
                    self.span_for(TaskId::MAIN, 0, "main()");
                }
                tracing::event!(target: "glassloop", Level::TRACE, kind = "block_on", "{line}");
            }
            Event::Spawned { task, number, .. } => {
                self.span_for(*task, *number, seen.labels.get(*task));
                tracing::event!(target: "glassloop", Level::TRACE, kind = "spawned", task = number, "{line}");
            }
            // Inside the span from here to the end of the poll: the task's own logs land in it.
            Event::Polled(task) => self.enter(*task),
            Event::Pending(task) => self.exit(*task),
            Event::Ready(task) | Event::Panicked(task) | Event::Aborted(task) => {
                if !matches!(event, Event::Aborted(_)) {
                    self.exit(*task);
                }
                let kind = match event {
                    Event::Ready(_) => "done",
                    Event::Panicked(_) => "panicked",
                    _ => "cancelled",
                };
                tracing::event!(target: "glassloop", Level::TRACE, kind = kind, "{line}");
                self.spans.remove(task);
            }
            Event::LoopDone => {
                self.exit(TaskId::MAIN);
                tracing::event!(target: "glassloop", Level::TRACE, kind = "done", "{line}");
            }
            Event::Woken { .. } => {
                tracing::event!(target: "glassloop", Level::TRACE, kind = "wake", "{line}");
            }
            Event::TimerArmed { .. }
            | Event::TimerFired
            | Event::TimerCancelled(_)
            | Event::WheelTurned => {
                tracing::event!(target: "glassloop", Level::TRACE, kind = "timer", "{line}");
            }
            Event::Park(_) | Event::Unpark { .. } | Event::VirtualJump { .. } => {
                tracing::event!(target: "glassloop", Level::TRACE, kind = "park", "{line}");
            }
            Event::BudgetSpent { .. } | Event::SlowPoll { .. } | Event::Blocked(_) => {
                tracing::event!(target: "glassloop", Level::WARN, kind = "warning", "{line}");
            }
            Event::IoReady(_) | Event::IoRegistered(_) | Event::Seeded(_) => {
                tracing::event!(target: "glassloop", Level::TRACE, kind = "loop", "{line}");
            }
        }
    }
}
