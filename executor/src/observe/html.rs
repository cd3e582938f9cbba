//! The timeline as a web page: `GLASSLOOP_TRACE=html:PATH` (or
//! [`Builder::timeline_html`](crate::Builder::timeline_html)) writes, when the loop ends, one
//! self-contained HTML file — inline SVG, CSS and a little JavaScript, nothing fetched from the
//! network. asyncio has no twin.
//!
//! On the page: a lane per task (main first) and one for the loop itself; each poll a bar whose
//! width is its duration (a blocking poll is visibly wide); after a `Pending`, the wait drawn as a
//! thin line labelled with what the task waited on (a timer due at …, a socket, a task, a queue …);
//! marks for a spawn, a timer armed or fired, the end (done, panicked, cancelled); an arrow from
//! the waker's lane to the woken task's for every wake; the loop's parks and virtual-time jumps as
//! bars on its lane. Hovering any mark shows its trace line. The mouse wheel zooms on the time
//! axis, dragging pans, `0` resets. A path with `{n}` in it (`html:tour-{n}.html`) writes one
//! page per loop, numbered in the order the loops were made.
//!
//! **At 10,000 events** the page stays readable: the JavaScript draws only what is in view, and
//! when zoomed out so far that many polls fall on one pixel of a lane, it draws one bar for that
//! pixel instead of each (the bar's hover says how many it stands for), and of the marks and waits
//! that fall on one pixel of a lane it draws one; wake arrows are drawn only when fewer than 1,500
//! are in view (the help line says so). Zooming in brings everything back.
//!
//! The events are gathered here, the same way as `chrome.rs` does for Perfetto, and written into
//! the page as JSON that its script draws.
//!
//! Read next: [`timeline.rs`](super::timeline), the chart drawn in text.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::chrome::push_string;
use super::event::{Event, Seen, WakeCause, Watcher};
use super::introspect::WaitingOn;
use super::trace::describe_line;
use crate::ids::TaskId;

/// The loop's own lane, until the lanes are counted.
const LOOP_LANE: usize = usize::MAX;

/// The watcher: what the page will draw.
pub(crate) struct HtmlTimeline {
    path: PathBuf,
    virtual_time: bool,
    /// Lane names, in order: main(), then each task as it is spawned.
    lanes: Vec<String>,
    lane_of: HashMap<TaskId, usize>,
    /// `[lane, start, end, the poll's first line, its last line]`, times in seconds.
    polls: Vec<(usize, f64, f64, String, String)>,
    /// `[lane, from, to, what it waited on]`.
    waits: Vec<(usize, f64, f64, String)>,
    /// `[lane, time, kind, line]`.
    marks: Vec<(usize, f64, &'static str, String)>,
    /// `[from lane, to lane, time, line]`.
    wakes: Vec<(usize, usize, f64, String)>,
    /// `[start, end, line]` on the loop's lane.
    parks: Vec<(f64, f64, String)>,
    polling: HashMap<TaskId, (f64, String)>,
    waiting: HashMap<TaskId, (f64, String)>,
    parked: Option<(f64, String)>,
    events: usize,
}

impl HtmlTimeline {
    pub(crate) fn new(path: PathBuf, virtual_time: bool) -> HtmlTimeline {
        // `{n}` in the path: one page per loop of the process, numbered 1, 2, … (the tour makes a
        // loop per demo).
        static LOOPS: AtomicUsize = AtomicUsize::new(0);
        let text = path.to_string_lossy();
        let path = if text.contains("{n}") {
            let n = LOOPS.fetch_add(1, Ordering::Relaxed) + 1;
            PathBuf::from(text.replace("{n}", &n.to_string()))
        } else {
            path
        };
        HtmlTimeline {
            path,
            virtual_time,
            lanes: vec!["main()".to_string()],
            lane_of: HashMap::from([(TaskId::MAIN, 0)]),
            polls: Vec::new(),
            waits: Vec::new(),
            marks: Vec::new(),
            wakes: Vec::new(),
            parks: Vec::new(),
            polling: HashMap::new(),
            waiting: HashMap::new(),
            parked: None,
            events: 0,
        }
    }

    fn lane(&self, task: TaskId) -> usize {
        self.lane_of.get(&task).copied().unwrap_or(LOOP_LANE)
    }

    fn lane_of_cause(&self, cause: WakeCause) -> usize {
        match cause {
            WakeCause::Task(task) => self.lane(task),
            WakeCause::Main => 0,
            _ => LOOP_LANE,
        }
    }

    /// A wait that ends now (the task is polled again, or ends).
    fn end_wait(&mut self, task: TaskId, now: f64) {
        if let Some((since, label)) = self.waiting.remove(&task) {
            let lane = self.lane(task);
            self.waits.push((lane, since, now, label));
        }
    }

    /// A poll of `task` ended with `event` (Pending, Ready, Panicked, or main's LoopDone).
    fn end_poll(&mut self, task: TaskId, now: f64, line: String, event: &Event, seen: &Seen<'_>) {
        let lane = self.lane(task);
        let (start, first) = self.polling.remove(&task).unwrap_or((now, line.clone()));
        self.polls.push((lane, start, now, first, line.clone()));
        match event {
            Event::Pending(_) => {
                // What it now waits on, as all_tasks knows it (its status still says "running":
                // the poll has only just returned).
                let info = if task == TaskId::MAIN {
                    seen.view.tasks().into_iter().next()
                } else {
                    seen.view.task(task)
                };
                let on = match info.and_then(|info| info.waiting_on) {
                    Some(WaitingOn::Timer { deadline }) => format!(
                        "a timer due at {:.3}s",
                        deadline
                            .saturating_duration_since(seen.origin)
                            .as_secs_f64()
                    ),
                    Some(other) => other.to_string(),
                    None => "a wake".to_string(),
                };
                let label = format!("{} waiting on {on}", seen.labels.get(task));
                self.waiting.insert(task, (now, label));
            }
            Event::Panicked(_) => self.marks.push((lane, now, "panicked", line)),
            _ => self.marks.push((lane, now, "done", line)),
        }
    }

    /// The page.
    fn render(&self, end: f64) -> String {
        let loop_lane = self.lanes.len();
        let fix = |lane: usize| if lane == LOOP_LANE { loop_lane } else { lane };
        let mut data = String::new();
        data.push_str("{\"lanes\":[");
        for (i, lane) in self
            .lanes
            .iter()
            .chain(["the loop".to_string()].iter())
            .enumerate()
        {
            if i > 0 {
                data.push(',');
            }
            push_string(&mut data, lane);
        }
        let _ = write!(
            data,
            "],\"end\":{end},\"virtual\":{},\"events\":{},\"polls\":[",
            self.virtual_time, self.events
        );
        for (i, (lane, start, stop, first, last)) in self.polls.iter().enumerate() {
            let _ = write!(data, "{}[{},{start},{stop},", sep(i), fix(*lane));
            push_string(&mut data, first);
            data.push(',');
            push_string(&mut data, last);
            data.push(']');
        }
        data.push_str("],\"waits\":[");
        for (i, (lane, start, stop, label)) in self.waits.iter().enumerate() {
            let _ = write!(data, "{}[{},{start},{stop},", sep(i), fix(*lane));
            push_string(&mut data, label);
            data.push(']');
        }
        data.push_str("],\"marks\":[");
        for (i, (lane, at, kind, line)) in self.marks.iter().enumerate() {
            let _ = write!(data, "{}[{},{at},\"{kind}\",", sep(i), fix(*lane));
            push_string(&mut data, line);
            data.push(']');
        }
        data.push_str("],\"wakes\":[");
        for (i, (from, to, at, line)) in self.wakes.iter().enumerate() {
            let _ = write!(data, "{}[{},{},{at},", sep(i), fix(*from), fix(*to));
            push_string(&mut data, line);
            data.push(']');
        }
        data.push_str("],\"parks\":[");
        for (i, (start, stop, line)) in self.parks.iter().enumerate() {
            let _ = write!(data, "{}[{start},{stop},", sep(i));
            push_string(&mut data, line);
            data.push(']');
        }
        data.push_str("]}");
        // Inside <script>, "</" would end the element: JSON allows "<\/" for it.
        let data = data.replace("</", "<\\/");
        PAGE.replace(
            "{{TITLE}}",
            if self.virtual_time {
                " (virtual time)"
            } else {
                ""
            },
        )
        .replace("{{DATA}}", &data)
    }
}

fn sep(i: usize) -> &'static str {
    if i == 0 {
        ""
    } else {
        ","
    }
}

impl Watcher for HtmlTimeline {
    fn record(&mut self, at: Duration, event: &Event, seen: &mut Seen<'_>) {
        self.events += 1;
        let now = at.as_secs_f64();
        let line = describe_line(event, seen.labels, seen.origin);
        match event {
            Event::Spawned { task, .. } => {
                self.lane_of.insert(*task, self.lanes.len());
                self.lanes.push(seen.labels.get(*task).to_string());
                let lane = self.lane(*task);
                self.marks.push((lane, now, "spawn", line));
            }
            Event::Polled(task) => {
                self.end_wait(*task, now);
                self.polling.insert(*task, (now, line));
            }
            Event::Pending(task) | Event::Ready(task) | Event::Panicked(task) => {
                self.end_poll(*task, now, line, event, seen);
            }
            // main()'s last poll: `block_on` returns (the trace says "main() → Ready").
            Event::LoopDone => self.end_poll(TaskId::MAIN, now, line, event, seen),
            Event::Aborted(task) => {
                self.end_wait(*task, now);
                let lane = self.lane(*task);
                self.marks.push((lane, now, "cancelled", line));
            }
            Event::Woken { task, cause } => {
                let (from, to) = (self.lane_of_cause(*cause), self.lane(*task));
                self.wakes.push((from, to, now, line));
            }
            Event::TimerArmed { by, .. } => {
                let lane = self.lane_of_cause(*by);
                self.marks.push((lane, now, "timer-armed", line));
            }
            Event::TimerCancelled(by) => {
                let lane = self.lane_of_cause(*by);
                self.marks.push((lane, now, "timer-cancelled", line));
            }
            Event::TimerFired => self.marks.push((LOOP_LANE, now, "timer-fired", line)),
            Event::Park(_) => self.parked = Some((now, line)),
            Event::Unpark { .. } => {
                if let Some((start, park_line)) = self.parked.take() {
                    self.parks.push((start, now, park_line));
                }
                self.marks.push((LOOP_LANE, now, "loop", line));
            }
            Event::VirtualJump { wait, .. } => {
                self.parks.push((now, now + wait.as_secs_f64(), line));
            }
            Event::BudgetSpent { task, .. } | Event::SlowPoll { task, .. } => {
                let lane = self.lane(*task);
                self.marks.push((lane, now, "warning", line));
            }
            Event::BlockOn
            | Event::Seeded(_)
            | Event::WheelTurned
            | Event::IoReady(_)
            | Event::IoRegistered(_)
            | Event::Blocked(_) => self.marks.push((LOOP_LANE, now, "loop", line)),
        }
    }

    fn finish(&mut self, end: Duration, seen: &mut Seen<'_>) {
        let page = self.render(end.as_secs_f64());
        if let Err(error) = std::fs::write(&self.path, page) {
            let _ = writeln!(
                seen.out,
                "glassloop: could not write the HTML timeline to {}: {error}",
                self.path.display()
            );
        }
    }
}

/// The page: its style, a place for the data, and the script that draws it.
const PAGE: &str = include_str!("timeline.html");
