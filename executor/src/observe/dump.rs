//! The dump — `GLASSLOOP_TRACE=dump`: before a long wait, every task and what it waits on, as
//! `asyncio.all_tasks()` would list them.
//!
//! A program that does not finish is usually waiting on something that will never happen. The
//! dump says what: whenever the loop is about to wait a second or more with nothing to do — or
//! forever, when nothing but I/O or another thread could ever wake it — it prints every task and
//! what it waits on, once per idle spell (a poll starts a new spell).
//!
//! Read next: [`chrome.rs`](super::chrome), the run written for Perfetto.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::event::{Event, Seen, Watcher};
use super::introspect::{TaskInfo, WaitingOn};

/// A wait at least this long is worth a dump.
const LONG_WAIT: Duration = Duration::from_secs(1);

/// The dump, as a watcher: it reacts to the loop parking.
#[derive(Default)]
pub(crate) struct Dump {
    /// Printed, and no task has run since.
    dumped: bool,
}

impl Watcher for Dump {
    fn record(&mut self, at: Duration, event: &Event, seen: &mut Seen<'_>) {
        let wait = match event {
            Event::Polled(_) => {
                self.dumped = false; // something runs: a later idle spell deserves its own dump
                return;
            }
            Event::Park(timeout) => *timeout,
            Event::VirtualJump { wait, .. } => Some(*wait),
            _ => return,
        };
        if self.dumped || wait.is_some_and(|wait| wait < LONG_WAIT) {
            return;
        }
        self.dumped = true;
        let why = match wait {
            Some(wait) => format!(
                "no task can run, and nothing is due for at least {:.3}s",
                wait.as_secs_f64()
            ),
            None => "the loop is stuck: no task can run and no timer is armed, so only I/O or \
                     another thread can wake it"
                .to_owned(),
        };
        let text = render_dump(&seen.view.tasks(), seen.origin + at, seen.origin, &why);
        let _ = seen.out.write_all(text.as_bytes());
    }
}

/// Writes the dump: one line per task, timers with their due time relative to `origin`.
pub(crate) fn render_dump(tasks: &[TaskInfo], now: Instant, origin: Instant, why: &str) -> String {
    let at = now.saturating_duration_since(origin).as_secs_f64();
    let mut out = format!("[{at:>8.3}s] dump: {why}; {} task(s) alive:\n", tasks.len());
    for task in tasks {
        let _ = write!(out, "             {task}");
        if let Some(WaitingOn::Timer { deadline }) = &task.waiting_on {
            let due = deadline.saturating_duration_since(origin).as_secs_f64();
            let _ = write!(out, " due at {due:.3}s");
        }
        out.push('\n');
    }
    out
}
