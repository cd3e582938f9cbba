//! The cargo feature `tracing`: the loop's events reach a `tracing` subscriber — a span per task,
//! entered for each of its polls, with the program's own events inside it; an event per wake,
//! timer and park, each carrying the trace's line. Run with
//! `cargo test --features tracing --test tracing_bridge` (`.ci/run` does).

#![cfg(feature = "tracing")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the test subscriber saw.
#[derive(Default)]
struct Seen {
    /// Span id → its fields, as `name=value` text.
    spans: Vec<(u64, String)>,
    /// The spans entered now, innermost last.
    stack: Vec<u64>,
    /// Each event: its target, the spans entered when it happened, its fields.
    events: Vec<(String, Vec<u64>, String)>,
    enters: usize,
}

struct Collector {
    seen: Arc<Mutex<Seen>>,
    next: AtomicU64,
}

/// Collects an event's or span's fields as `name=value` text.
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields(String::new());
        span.record(&mut fields);
        self.seen.lock().unwrap().spans.push((id, fields.0));
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let mut seen = self.seen.lock().unwrap();
        let stack = seen.stack.clone();
        seen.events
            .push((event.metadata().target().to_string(), stack, fields.0));
    }
    fn enter(&self, span: &Id) {
        let mut seen = self.seen.lock().unwrap();
        seen.stack.push(span.into_u64());
        seen.enters += 1;
    }
    fn exit(&self, span: &Id) {
        let mut seen = self.seen.lock().unwrap();
        if let Some(at) = seen.stack.iter().rposition(|&s| s == span.into_u64()) {
            seen.stack.remove(at);
        }
    }
}

#[test]
fn tasks_are_spans_entered_for_each_poll_and_steps_are_events() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let collector = Collector {
        seen: seen.clone(),
        next: AtomicU64::new(0),
    };
    tracing::subscriber::with_default(collector, || {
        glassloop::Runtime::builder()
            .virtual_time(true)
            .build()
            .unwrap()
            .block_on(async {
                let worker = glassloop::spawn_named("worker", async {
                    glassloop::sleep(Duration::from_millis(10)).await;
                    tracing::info!("inside the worker");
                });
                worker.await.unwrap();
            });
    });
    let seen = seen.lock().unwrap();
    let span_of = |name: &str| {
        seen.spans
            .iter()
            .find(|(_, fields)| fields.contains(name))
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("no span for {name}: {:?}", seen.spans))
    };
    let (main, worker) = (span_of("name=\"main()\""), span_of("'worker'"));
    assert!(seen.spans.iter().any(|(_, f)| f.contains("task=1")));
    // The program's own event is inside the worker's span, and only that one.
    let (_, stack, _) = seen
        .events
        .iter()
        .find(|(_, _, fields)| fields.contains("inside the worker"))
        .expect("the program's event");
    assert_eq!(stack, &vec![worker]);
    // The loop's steps are events of target glassloop, carrying the trace's line and a kind.
    let loop_events: Vec<&String> = seen
        .events
        .iter()
        .filter(|(target, _, _)| target == "glassloop")
        .map(|(_, _, fields)| fields)
        .collect();
    for (kind, line) in [
        ("spawned", "task 1 'worker' spawned (create_task)"),
        ("timer", "timer armed by task 1 'worker': due at 0.010s"),
        ("timer", "timer fired"),
        ("wake", "task 1 'worker' woken by a timer"),
        ("park", "loop parks"),
        ("done", "task 1 'worker' → Ready: finished"),
        ("wake", "main() woken by task 1 'worker'"),
    ] {
        assert!(
            loop_events
                .iter()
                .any(|f| f.contains(&format!("kind=\"{kind}\"")) && f.contains(line)),
            "no {kind} event saying {line:?}: {loop_events:#?}"
        );
    }
    // main() polled twice and the worker twice: four entries, and nothing left entered.
    assert_eq!(seen.enters, 4);
    assert!(seen.stack.is_empty());
    let _ = main;
}

#[test]
fn emit_tracing_false_keeps_the_loop_quiet() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let collector = Collector {
        seen: seen.clone(),
        next: AtomicU64::new(0),
    };
    tracing::subscriber::with_default(collector, || {
        glassloop::Runtime::builder()
            .virtual_time(true)
            .emit_tracing(false)
            .build()
            .unwrap()
            .block_on(glassloop::sleep(Duration::from_millis(5)));
    });
    let seen = seen.lock().unwrap();
    assert!(seen.spans.is_empty() && seen.events.is_empty());
}
