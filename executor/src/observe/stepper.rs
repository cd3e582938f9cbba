//! A pause button: `GLASSLOOP_STEP=1` (or [`Builder::step`](crate::Builder::step)) stops the
//! loop after each event and shows its state — what it just did, the ready queue, every task and
//! what it waits on, the timer wheel's occupied slots, the registered sockets — then waits for a
//! key. asyncio has no twin; the nearest is `pdb` inside a callback.
//!
//! The keys, each followed by Enter (a line is the one thing a terminal gives a program without
//! switching it to raw mode, which would take `unsafe` system calls):
//!
//! | key | what it does |
//! |---|---|
//! | Enter | the next event |
//! | `t` | on to the end of this turn: the next time the loop has nothing left to run and parks |
//! | `c` | continue without pausing, still showing every screen |
//! | `q` | stop pausing and showing for the rest of the run |
//!
//! The keys come from the terminal (`/dev/tty`) when standard input is one, and from standard
//! input otherwise, so a script can drive it (`printf 't\nq\n' | GLASSLOOP_STEP=1 cargo run …`);
//! the end of the input counts as `c`. With stepping off, nothing is read: the program's own
//! standard input is never touched. The stepper is one more watcher: its state lives here, and
//! what it shows of the loop comes through [`LoopView`](super::event::LoopView).
//!
//! Read next: [`timeline.rs`](super::timeline), the chart drawn in text.

use std::fmt::Write as _;
use std::io::BufRead;
use std::time::Duration;

use super::event::{Event, Seen, Watcher};
use super::trace::describe_line;

/// How the stepper goes on after a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pace {
    /// Pause after every event.
    EachEvent,
    /// Run to the end of the turn, then pause.
    ToTurnEnd,
    /// Show every screen, pause no more.
    Continue,
    /// Show nothing, pause no more.
    Quit,
}

/// The keys from the terminal, or standard input when that is not a terminal.
pub(crate) fn keys_from_terminal() -> Box<dyn BufRead> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        if let Ok(tty) = std::fs::File::open("/dev/tty") {
            return Box::new(std::io::BufReader::new(tty));
        }
    }
    Box::new(std::io::BufReader::new(std::io::stdin()))
}

/// The watcher: where its keys come from, and how it goes on.
pub(crate) struct Stepper {
    keys: Box<dyn BufRead>,
    pace: Pace,
    screens: u64,
}

impl Stepper {
    /// A stepper reading its keys from `keys`.
    pub(crate) fn new(keys: Box<dyn BufRead>) -> Stepper {
        Stepper {
            keys,
            pace: Pace::EachEvent,
            screens: 0,
        }
    }

    /// The screen after `event`.
    fn screen(&mut self, at: Duration, event: &Event, seen: &Seen<'_>) -> String {
        self.screens += 1;
        let mut s = String::new();
        let line = describe_line(event, seen.labels, seen.origin);
        let _ = writeln!(
            s,
            "── step {} ── [{:>8.3}s] {line}",
            self.screens,
            at.as_secs_f64()
        );
        let ready: Vec<&str> = seen
            .view
            .ready()
            .into_iter()
            .map(|task| seen.labels.get(task))
            .collect();
        let _ = writeln!(
            s,
            "  ready queue: {}",
            if ready.is_empty() {
                "(empty)".to_string()
            } else {
                ready.join(", ")
            }
        );
        let _ = writeln!(s, "  tasks:");
        for task in seen.view.tasks() {
            let _ = writeln!(s, "    {task}");
        }
        let timers = seen.view.timers();
        let armed: usize = timers.iter().map(|(_, n)| n).sum();
        let _ = write!(s, "  timers: {armed} armed");
        for (position, count) in &timers {
            if position.level == glassloop_timer::LEVELS {
                let _ = write!(s, "; overflow list: {count}");
            } else {
                let _ = write!(
                    s,
                    "; level {} slot {}: {count}",
                    position.level, position.slot
                );
            }
        }
        s.push('\n');
        let sockets = seen.view.sockets();
        let _ = write!(s, "  sockets: {}", sockets.len());
        for socket in &sockets {
            let mut state = Vec::new();
            if socket.readable {
                state.push("readable");
            }
            if socket.writable {
                state.push("writable");
            }
            if socket.reader_waits {
                state.push("a reader waits");
            }
            if socket.writer_waits {
                state.push("a writer waits");
            }
            let _ = write!(s, "; #{} ({})", socket.number, state.join(", "));
        }
        s.push('\n');
        s
    }

    /// Reads the next key and sets the pace from it.
    fn read_key(&mut self) {
        let mut line = String::new();
        match self.keys.read_line(&mut line) {
            // The end of the input (a script that ran out): go on without pausing.
            Ok(0) | Err(_) => self.pace = Pace::Continue,
            Ok(_) => {
                self.pace = match line.trim() {
                    "t" => Pace::ToTurnEnd,
                    "c" => Pace::Continue,
                    "q" => Pace::Quit,
                    _ => Pace::EachEvent,
                }
            }
        }
    }
}

/// Whether the loop has run out of work for this turn with `event`: it is about to wait.
fn ends_a_turn(event: &Event) -> bool {
    matches!(
        event,
        Event::Park(_) | Event::VirtualJump { .. } | Event::LoopDone
    )
}

impl Watcher for Stepper {
    fn record(&mut self, at: Duration, event: &Event, seen: &mut Seen<'_>) {
        if self.pace == Pace::Quit {
            return;
        }
        if self.pace == Pace::ToTurnEnd && !ends_a_turn(event) {
            return;
        }
        let screen = self.screen(at, event, seen);
        let _ = seen.out.write_all(screen.as_bytes());
        if self.pace == Pace::Continue {
            return;
        }
        let _ = seen
            .out
            .write_all(b"  [Enter] next event  [t] end of turn  [c] continue  [q] stop stepping\n");
        let _ = seen.out.flush();
        self.read_key();
    }
}
