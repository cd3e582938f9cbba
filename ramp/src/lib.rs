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

use std::time::Duration;

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
