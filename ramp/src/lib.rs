//! Build the loop yourself — the shared bits of the four steps in `src/bin/` (chapter
//! docs/build-your-own.md walks them): the demo's scale, and the CPU a process has used.
//!
//! ```python
//! # what every step runs, as far as it can (the tutorial's days 1 to 3):
//! await asyncio.gather(asyncio.sleep(2), asyncio.sleep(2))          # 2 s, not 4
//! await asyncio.gather(*(get_user(i) for i in (1, 2, 3)))           # 1 s, not 3
//! task = asyncio.create_task(background()); ...; await task         # runs while we wait
//! ```
//!
//! Each step is a program of its own: `cargo run -p glassloop-ramp --bin step1` … `step4`.
//! `--scale 0.1` makes every wait ten times shorter (the tests use it).
//!
//! Read next: `src/bin/step1.rs`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The factor every wait of the demo is multiplied by: `--scale F` on the command line, else 1.
pub fn scale() -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == "--scale")
        .and_then(|at| args.get(at + 1))
        .and_then(|text| text.parse().ok())
        .filter(|&f: &f64| f > 0.0)
        .unwrap_or(1.0)
}

/// `seconds` of the demo, scaled.
pub fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds * scale())
}

/// The CPU time this process has used so far (user + system), from `/proc/self/stat`; zero
/// where there is no `/proc`.
pub fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are
    // plain numbers. utime and stime are fields 14 and 15, in clock ticks of 1/100 s on Linux.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `fields[0]` is field 3 (the state), so field 14 is `fields[11]`.
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let ticks = field(14) + field(15);
    Duration::from_millis(ticks * 10)
}

/// The demo's jobs, as steps 3 and 4 run them, each one task: what it is, and how long it waits.
pub const JOBS: [(&str, f64); 6] = [
    ("a 2 s sleep", 2.0),
    ("a 2 s sleep", 2.0),
    ("a get_user call", 1.0),
    ("a get_user call", 1.0),
    ("a get_user call", 1.0),
    ("the background task", 0.5),
];

/// When each job finished; the tasks write it, `report` prints it.
#[derive(Clone)]
pub struct Log {
    start: Instant,
    cpu_start: Duration,
    done: Arc<Mutex<Vec<(&'static str, Instant)>>>,
}

impl Default for Log {
    fn default() -> Log {
        Log {
            start: Instant::now(),
            cpu_start: cpu_time(),
            done: Arc::default(),
        }
    }
}

impl Log {
    /// `what` has just finished.
    pub fn finished(&self, what: &'static str) {
        self.done.lock().unwrap().push((what, Instant::now()));
    }

    /// Prints when each job finished, the total, and the CPU used, then `extra`.
    pub fn report(&self, step: u32, extra: &str) {
        for (what, at) in self.done.lock().unwrap().iter() {
            let after = (*at - self.start).as_secs_f64();
            println!("step {step}: {what} finished after {after:.2} s");
        }
        println!(
            "step {step}: all in {:.2} s; CPU used {:.2} s; {extra}",
            self.start.elapsed().as_secs_f64(),
            (cpu_time() - self.cpu_start).as_secs_f64()
        );
    }
}
