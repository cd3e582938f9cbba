//! The run as a Chrome trace: `GLASSLOOP_TRACE=chrome:PATH` (or
//! [`Builder::chrome_trace`](crate::Builder::chrome_trace)) writes, when the loop ends, the
//! whole run in Chrome's Trace Event Format — a JSON file that Perfetto's UI (ui.perfetto.dev)
//! and `chrome://tracing` open. asyncio has no twin; its debug mode only logs.
//!
//! What goes where:
//!
//! - one *thread* row per task, named by its label (`main()`, `task 1 'kettle'`), and one row for
//!   the loop itself, where its parks, fired timers and I/O events go;
//! - each poll is a *complete* event (`"ph":"X"`, a bar as long as the poll), with the trace's
//!   line for it in its arguments; each park is one on the loop's row (a virtual-time jump too,
//!   as long as the jump);
//! - timers armed and cancelled, spawns, the end of a task are *instant* events (`"ph":"i"`) on the
//!   row of the task concerned;
//! - every wake is a *flow* (`"ph":"s"` on the waker's row, `"ph":"f"` on the woken task's row,
//!   one id for the pair): Perfetto draws it as an arrow from who woke to whom.
//!
//! Times are microseconds since the loop started, on the loop's clock (virtual time included: a
//! poll on virtual time takes no time, and its bar has no width). The events are sorted by time
//! before they are written, so each row's are in order. Writing it needs nothing but `std`: the JSON
//! is written by hand, as the trace's lines are.
//!
//! Read next: [`timeline.rs`](super::timeline), the chart drawn in text.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::event::{Event, Seen, WakeCause, Watcher};
use super::trace::describe_line;
use crate::ids::TaskId;

/// The loop's own row: parks, timers that fire, I/O.
const LOOP_ROW: u64 = 1_000_000;

/// The watcher: the events gathered so far, written to `path` when the loop ends.
pub(crate) struct ChromeTrace {
    path: PathBuf,
    /// `(time in µs, order of recording, the event's JSON)`.
    events: Vec<(f64, usize, String)>,
    /// Each task's row: its number (main is 0).
    rows: HashMap<TaskId, u64>,
    /// Polls started and not yet ended, by task: when they started.
    polling: HashMap<TaskId, f64>,
    /// The park in progress: when it started, and its line.
    parked: Option<(f64, String)>,
    flows: u64,
}

impl ChromeTrace {
    pub(crate) fn new(path: PathBuf) -> ChromeTrace {
        ChromeTrace {
            path,
            events: Vec::new(),
            rows: HashMap::new(),
            polling: HashMap::new(),
            parked: None,
            flows: 0,
        }
    }

    fn row(&self, task: TaskId) -> u64 {
        if task == TaskId::MAIN {
            return 0;
        }
        self.rows.get(&task).copied().unwrap_or(LOOP_ROW)
    }

    /// The row of whoever caused a wake or armed a timer.
    fn row_of_cause(&self, cause: WakeCause) -> u64 {
        match cause {
            WakeCause::Task(task) => self.row(task),
            WakeCause::Main => 0,
            WakeCause::Loop | WakeCause::Timer | WakeCause::Io | WakeCause::OtherThread => LOOP_ROW,
        }
    }

    fn push(&mut self, ts: f64, json: String) {
        let order = self.events.len();
        self.events.push((ts, order, json));
    }

    /// A row's name (a metadata event, time zero).
    fn name_row(&mut self, row: u64, name: &str) {
        let mut json = String::new();
        let _ = write!(
            json,
            r#"{{"ph":"M","pid":1,"tid":{row},"name":"thread_name","args":{{"name":"#
        );
        push_string(&mut json, name);
        json.push_str("}}");
        self.push(0.0, json);
        // Perfetto orders rows by this: main first, then the tasks in spawn order, the loop last.
        let sort = format!(
            r#"{{"ph":"M","pid":1,"tid":{row},"name":"thread_sort_index","args":{{"sort_index":{row}}}}}"#
        );
        self.push(0.0, sort);
    }

    fn instant(&mut self, ts: f64, row: u64, name: &str, line: &str) {
        let mut json = String::new();
        let _ = write!(
            json,
            r#"{{"ph":"i","s":"t","pid":1,"tid":{row},"ts":{ts:.3},"name":"#
        );
        push_string(&mut json, name);
        json.push_str(r#","args":{"trace":"#);
        push_string(&mut json, line);
        json.push_str("}}");
        self.push(ts, json);
    }

    fn complete(&mut self, start: f64, end: f64, row: u64, name: &str, line: &str) {
        let mut json = String::new();
        let dur = (end - start).max(0.0);
        let _ = write!(
            json,
            r#"{{"ph":"X","pid":1,"tid":{row},"ts":{start:.3},"dur":{dur:.3},"name":"#
        );
        push_string(&mut json, name);
        json.push_str(r#","args":{"trace":"#);
        push_string(&mut json, line);
        json.push_str("}}");
        self.push(start, json);
    }

    fn flow(&mut self, ts: f64, from: u64, to: u64) {
        self.flows += 1;
        let id = self.flows;
        let start = format!(
            r#"{{"ph":"s","pid":1,"tid":{from},"ts":{ts:.3},"id":{id},"name":"wake","cat":"wake"}}"#
        );
        let end = format!(
            r#"{{"ph":"f","bp":"e","pid":1,"tid":{to},"ts":{ts:.3},"id":{id},"name":"wake","cat":"wake"}}"#
        );
        self.push(ts, start);
        self.push(ts, end);
    }
}

impl Watcher for ChromeTrace {
    fn record(&mut self, at: Duration, event: &Event, seen: &mut Seen<'_>) {
        let ts = at.as_secs_f64() * 1e6;
        let line = describe_line(event, seen.labels, seen.origin);
        match event {
            Event::BlockOn => {
                if self.events.is_empty() {
                    self.name_row(0, "main()");
                    self.name_row(LOOP_ROW, "the loop: parks, timers, I/O");
                }
                self.instant(ts, 0, "block_on", &line);
            }
            Event::Spawned { task, number, .. } => {
                self.rows.insert(*task, *number);
                self.name_row(*number, seen.labels.get(*task));
                self.instant(ts, *number, "spawned", &line);
            }
            Event::Polled(task) => {
                self.polling.insert(*task, ts);
            }
            Event::Pending(task) | Event::Ready(task) | Event::Panicked(task) => {
                let start = self.polling.remove(task).unwrap_or(ts);
                let row = self.row(*task);
                self.complete(start, ts, row, "poll", &line);
                if !matches!(event, Event::Pending(_)) {
                    let name = if matches!(event, Event::Ready(_)) {
                        "done"
                    } else {
                        "panicked"
                    };
                    self.instant(ts, row, name, &line);
                }
            }
            Event::Aborted(task) => {
                let row = self.row(*task);
                self.instant(ts, row, "cancelled", &line);
            }
            Event::Woken { task, cause } => {
                let (from, to) = (self.row_of_cause(*cause), self.row(*task));
                self.flow(ts, from, to);
            }
            Event::TimerArmed { by, .. } => {
                let row = self.row_of_cause(*by);
                self.instant(ts, row, "timer armed", &line);
            }
            Event::TimerCancelled(by) => {
                let row = self.row_of_cause(*by);
                self.instant(ts, row, "timer cancelled", &line);
            }
            Event::Park(_) => self.parked = Some((ts, line)),
            Event::Unpark { .. } => {
                if let Some((start, park_line)) = self.parked.take() {
                    self.complete(start, ts, LOOP_ROW, "park", &park_line);
                }
                self.instant(ts, LOOP_ROW, "unpark", &line);
            }
            Event::VirtualJump { wait, .. } => {
                let end = ts + wait.as_secs_f64() * 1e6;
                self.complete(ts, end, LOOP_ROW, "virtual jump", &line);
            }
            Event::BudgetSpent { task, .. } | Event::SlowPoll { task, .. } => {
                let row = self.row(*task);
                self.instant(ts, row, "warning", &line);
            }
            // main()'s last poll: `block_on` returns (the trace says "main() → Ready").
            Event::LoopDone => {
                let start = self.polling.remove(&TaskId::MAIN).unwrap_or(ts);
                self.complete(start, ts, 0, "poll", &line);
                self.instant(ts, 0, "done", &line);
            }
            Event::TimerFired
            | Event::WheelTurned
            | Event::IoReady(_)
            | Event::IoRegistered(_)
            | Event::Blocked(_)
            | Event::Seeded(_) => self.instant(ts, LOOP_ROW, event_name(event), &line),
        }
    }

    fn finish(&mut self, _end: Duration, seen: &mut Seen<'_>) {
        self.events
            .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut json = String::from("{\"traceEvents\":[\n");
        for (i, (_, _, event)) in self.events.iter().enumerate() {
            if i > 0 {
                json.push_str(",\n");
            }
            json.push_str(event);
        }
        json.push_str(
            "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":\"glassloop\"}}\n",
        );
        if let Err(error) = std::fs::write(&self.path, json) {
            let _ = writeln!(
                seen.out,
                "glassloop: could not write the Chrome trace to {}: {error}",
                self.path.display()
            );
        }
    }
}

/// The name of an event that goes on the loop's row.
fn event_name(event: &Event) -> &'static str {
    match event {
        Event::TimerFired => "timer fired",
        Event::WheelTurned => "wheel turned",
        Event::IoReady(_) => "I/O ready",
        Event::IoRegistered(_) => "socket registered",
        Event::Blocked(_) => "blocked",
        _ => "seed",
    }
}

/// `value` as a JSON string, quotes and escapes included (the HTML page's data uses it too).
pub(super) fn push_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
