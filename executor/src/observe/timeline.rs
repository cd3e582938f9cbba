//! The timeline: an ASCII chart of every task's life, drawn when the loop ends — the picture behind
//! "sync takes 4 s, async takes 2 s".
//!
//! asyncio has no such chart; its debug mode only logs slow callbacks. The timeline is a watcher
//! of the same events as the [trace](super::trace): it notes, for each task, when it was spawned,
//! the stretches of time during which it was being polled, and how it ended. When the runtime is
//! dropped it draws one row per task, time running left to right. This is `sync_vs_async`'s
//! (`cargo run --example sync_vs_async -- --virtual` ends with it):
//!
//! <!-- output: tests/golden/sync_vs_async.trace.txt -->
//! ```text
//! timeline (virtual time): 6.000 s in all, one column = 100 ms
//!   S spawned  # running  | polled briefly  - waiting  D done  X panicked  C cancelled
//!
//!                       0s        1s        2s        3s        4s        5s        6s
//!                       |         |         |         |         |         |         |
//! main()                S---------------------------------------|-------------------D
//! task 1 'blocking A'   S###################D
//! task 2 'blocking B'   S-------------------####################D
//! task 3 'async A'                                              S-------------------D
//! task 4 'async B'                                              S-------------------D
//! ```
//!
//! Tasks that block (`blocking_sleep`, a busy loop) are `#` for as long as they hold the loop, and
//! nobody else can be `#` meanwhile; tasks that `.await` are `-` while they wait, and many can wait
//! at once. That is the whole difference between the two halves of the chart.
//!
//! Switch it on with `GLASSLOOP_TRACE=timeline` or [`Builder::timeline`](crate::Builder::timeline).
//!
//! Read next: the loop itself, [`event_loop/`](crate::event_loop), which sends these events.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::event::{Event, Seen, Watcher};
use super::labels::Labels;
use crate::ids::TaskId;

/// At most this many columns of time: wide enough to see overlaps, narrow enough for a terminal.
const MAX_COLUMNS: u128 = 70;

/// At most this many rows; a loop with thousands of tasks gets the first ones and a count.
const MAX_ROWS: usize = 40;

/// Row labels longer than this are cut, so the chart keeps its width.
const MAX_LABEL: usize = 28;

/// Column widths the chart may pick, in milliseconds: "round" numbers, so the scale reads easily.
const STEPS_MS: [u128; 16] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000,
];

/// How a task's life ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Done,
    Panicked,
    Cancelled,
}

impl End {
    fn mark(self) -> char {
        match self {
            End::Done => 'D',
            End::Panicked => 'X',
            End::Cancelled => 'C',
        }
    }
}

/// One task's life, as times since the loop started.
struct Row {
    task: TaskId,
    spawned: Duration,
    /// The stretches during which it was being polled: `(start, end)`.
    running: Vec<(Duration, Duration)>,
    /// Set while a poll is under way.
    poll_started: Option<Duration>,
    /// When and how it ended; `None` if it was still pending when the loop ended.
    end: Option<(Duration, End)>,
}

/// What the chart needs to know about each task.
pub(crate) struct Timeline {
    /// In the order the tasks were spawned (the `block_on` future first).
    rows: Vec<Row>,
    /// Where each task's row is in `rows`.
    row_of: HashMap<TaskId, usize>,
    virtual_time: bool,
}

impl Watcher for Timeline {
    fn record(&mut self, at: Duration, event: &Event, _seen: &mut Seen<'_>) {
        self.note(at, event);
    }

    fn finish(&mut self, end: Duration, seen: &mut Seen<'_>) {
        let chart = self.render(end, seen.labels);
        let _ = seen.out.write_all(chart.as_bytes());
    }
}

impl Timeline {
    /// An empty chart; `virtual_time` says whether its times are virtual (the title says so).
    pub(crate) fn new(virtual_time: bool) -> Timeline {
        Timeline {
            rows: Vec::new(),
            row_of: HashMap::new(),
            virtual_time,
        }
    }

    /// Notes an event at time `at` since the loop started.
    fn note(&mut self, at: Duration, event: &Event) {
        match event {
            Event::Spawned { task, .. } => self.start_row(*task, at),
            Event::BlockOn => match self.row_of.get(&TaskId::MAIN) {
                // A second `block_on` on the same runtime: main() lives again in the same row.
                Some(&index) => self.rows[index].end = None,
                None => self.start_row(TaskId::MAIN, at),
            },
            Event::Polled(task) => {
                if let Some(row) = self.row_mut(*task) {
                    row.poll_started = Some(at);
                }
            }
            Event::Pending(task) => self.poll_ended(*task, at, None),
            Event::Ready(task) => self.poll_ended(*task, at, Some(End::Done)),
            Event::Panicked(task) => self.poll_ended(*task, at, Some(End::Panicked)),
            Event::LoopDone => self.poll_ended(TaskId::MAIN, at, Some(End::Done)),
            Event::Aborted(task) => {
                if let Some(row) = self.row_mut(*task) {
                    row.end = Some((at, End::Cancelled));
                }
            }
            // Timers, parking and I/O belong to the loop, not to one task's row.
            _ => {}
        }
    }

    fn start_row(&mut self, task: TaskId, at: Duration) {
        self.row_of.insert(task, self.rows.len());
        self.rows.push(Row {
            task,
            spawned: at,
            running: Vec::new(),
            poll_started: None,
            end: None,
        });
    }

    fn row_mut(&mut self, task: TaskId) -> Option<&mut Row> {
        let index = *self.row_of.get(&task)?;
        self.rows.get_mut(index)
    }

    /// A poll returned at `at`; `end` says whether the task finished with it.
    fn poll_ended(&mut self, task: TaskId, at: Duration, end: Option<End>) {
        let Some(row) = self.row_mut(task) else {
            return;
        };
        if let Some(start) = row.poll_started.take() {
            match row.running.last_mut() {
                // Polls back to back (a task that yields in a loop) make one stretch, so a busy
                // task costs one entry, not one per poll.
                Some(last) if last.1 == start => last.1 = at,
                _ => row.running.push((start, at)),
            }
        }
        if let Some(end) = end {
            row.end = Some((at, end));
        }
    }

    /// The chart, for a loop that ran from 0 to `end`. `labels` are the trace's task labels.
    fn render(&self, end: Duration, labels: &Labels) -> String {
        let end_ms = end.as_millis();
        // The smallest round column width that fits the whole run in MAX_COLUMNS columns.
        let step_ms = STEPS_MS
            .into_iter()
            .find(|step| end_ms.div_ceil(*step) <= MAX_COLUMNS)
            .unwrap_or_else(|| end_ms.div_ceil(MAX_COLUMNS).max(1));
        let step = Duration::from_millis(step_ms as u64);
        // One column more than the run needs, so that something happening at `end` has a column.
        let columns = (end_ms / step_ms + 1) as usize;
        let column_of = |at: Duration| ((at.as_millis() / step_ms) as usize).min(columns - 1);

        let mut chart = String::new();
        let _ = writeln!(
            chart,
            "timeline ({} time): {:.3} s in all, one column = {}",
            if self.virtual_time { "virtual" } else { "real" },
            end.as_secs_f64(),
            format_duration(step_ms)
        );
        chart.push_str(
            "  S spawned  # running  | polled briefly  - waiting  D done  X panicked  C cancelled\n\n",
        );

        let labels_shown: Vec<String> = self
            .rows
            .iter()
            .take(MAX_ROWS)
            .map(|row| {
                let mut label = labels.get(row.task).to_owned();
                if label.chars().count() > MAX_LABEL {
                    label = label.chars().take(MAX_LABEL - 1).collect::<String>() + "…";
                }
                label
            })
            .collect();
        let width = labels_shown
            .iter()
            .map(|label| label.chars().count())
            .max()
            .unwrap_or(0)
            .max("time".len())
            + 3;

        // The scale: a label every ten columns, and a tick under each label.
        let mut scale = String::new();
        let mut ticks = String::new();
        for column in (0..columns).step_by(10) {
            let text = format_seconds(column as u128 * step_ms, step_ms * 10);
            while scale.chars().count() < column {
                scale.push(' ');
            }
            scale.push_str(&text);
            while ticks.len() < column {
                ticks.push(' ');
            }
            ticks.push('|');
        }
        let _ = writeln!(chart, "{:width$}{}", "", scale.trim_end());
        let _ = writeln!(chart, "{:width$}{}", "", ticks);

        for (row, label) in self.rows.iter().zip(&labels_shown) {
            let cells = draw_row(row, columns, step, column_of);
            let _ = writeln!(chart, "{label:width$}{}", cells.trim_end());
        }
        if self.rows.len() > MAX_ROWS {
            let _ = writeln!(chart, "… and {} more tasks", self.rows.len() - MAX_ROWS);
        }
        chart
    }
}

/// One row's cells. Each column shows the most telling thing that happened to the task in it:
/// how it ended, else its spawn, else running, else a brief poll, else waiting.
fn draw_row(
    row: &Row,
    columns: usize,
    step: Duration,
    column_of: impl Fn(Duration) -> usize,
) -> String {
    let mut cells = vec![' '; columns];
    let first = column_of(row.spawned);
    let last = row.end.map_or(columns - 1, |(at, _)| column_of(at));
    for cell in &mut cells[first..=last.max(first)] {
        *cell = '-';
    }
    for &(start, stop) in &row.running {
        if stop - start >= step / 2 {
            // Long enough to see: every column it covers is running. A stretch that ends exactly on
            // a column's edge does not spill into that column.
            let stop_column = column_of(stop.saturating_sub(Duration::from_nanos(1)));
            for cell in &mut cells[column_of(start)..=stop_column.max(column_of(start))] {
                *cell = '#';
            }
        } else {
            let cell = &mut cells[column_of(start)];
            if *cell != '#' {
                *cell = '|';
            }
        }
    }
    cells[first] = 'S';
    if let Some((at, how)) = row.end {
        cells[column_of(at)] = how.mark();
    }
    cells.into_iter().collect()
}

/// A column width for the title: `100 ms`, `2 s`.
fn format_duration(ms: u128) -> String {
    if ms >= 1000 && ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

/// A scale label: `0s`, `1s`, `0.2s`, with as many decimals as the label spacing needs.
fn format_seconds(ms: u128, spacing_ms: u128) -> String {
    let decimals = if spacing_ms % 1000 == 0 {
        0
    } else if spacing_ms % 100 == 0 {
        1
    } else if spacing_ms % 10 == 0 {
        2
    } else {
        3
    };
    format!("{:.*}s", decimals, ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::Location;

    fn task(index: u32) -> TaskId {
        TaskId {
            index,
            generation: 0,
        }
    }

    /// Labels `task 1 'a'` and `task 2 'b'` for tasks 0 and 1, as the watch makes them.
    fn labels() -> Labels {
        let mut labels = Labels::default();
        labels.spawned(task(0), 1, Some("a"), Location::caller());
        labels.spawned(task(1), 2, Some("b"), Location::caller());
        labels
    }

    fn spawned(index: u32) -> Event {
        Event::Spawned {
            task: task(index),
            number: u64::from(index) + 1,
            name: None,
            location: Location::caller(),
        }
    }

    #[test]
    fn a_blocking_task_is_running_while_the_other_waits() {
        let s = Duration::from_secs;
        let mut timeline = Timeline::new(false);
        timeline.note(s(0), &spawned(0));
        timeline.note(s(0), &spawned(1));
        // Task 0 holds the loop from 0 s to 2 s; task 1 gets it from 2 s to 4 s.
        timeline.note(s(0), &Event::Polled(task(0)));
        timeline.note(s(2), &Event::Ready(task(0)));
        timeline.note(s(2), &Event::Polled(task(1)));
        timeline.note(s(4), &Event::Ready(task(1)));
        let chart = timeline.render(s(4), &labels());
        let rows: Vec<&str> = chart.lines().skip(5).collect();
        // Labels are padded to the widest label plus three spaces.
        assert_eq!(rows[0], "task 1 'a'   S###################D");
        assert_eq!(
            rows[1],
            "task 2 'b'   S-------------------####################D"
        );
        assert!(chart.contains("one column = 100 ms"), "{chart}");
    }

    #[test]
    fn waiting_tasks_overlap_and_brief_polls_show_as_bars() {
        let ms = Duration::from_millis;
        let mut timeline = Timeline::new(false);
        timeline.note(ms(0), &spawned(0));
        timeline.note(ms(0), &Event::Polled(task(0)));
        timeline.note(ms(0), &Event::Pending(task(0)));
        timeline.note(ms(500), &Event::Polled(task(0)));
        timeline.note(ms(500), &Event::Pending(task(0)));
        timeline.note(ms(1000), &Event::Aborted(task(0)));
        timeline.note(ms(200), &spawned(1));
        let chart = timeline.render(ms(1000), &labels());
        let rows: Vec<&str> = chart.lines().skip(5).collect();
        // 20 ms columns: a bar at 500 ms (column 25), cancelled at column 50; task 1 never ends.
        assert_eq!(
            rows[0],
            format!("task 1 'a'   S{}|{}C", "-".repeat(24), "-".repeat(24))
        );
        assert_eq!(
            rows[1],
            format!("task 2 'b'   {}S{}", " ".repeat(10), "-".repeat(40))
        );
    }

    #[test]
    fn scale_labels_use_the_decimals_they_need() {
        assert_eq!(format_seconds(0, 1000), "0s");
        assert_eq!(format_seconds(200, 200), "0.2s");
        assert_eq!(format_seconds(50, 50), "0.05s");
        assert_eq!(format_duration(2000), "2 s");
        assert_eq!(format_duration(20), "20 ms");
    }
}
