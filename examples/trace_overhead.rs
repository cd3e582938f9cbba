//! `trace_overhead` — what the trace costs: nothing you can measure when it is off.
//!
//! Not a lesson of the tour but a check on a promise the trace makes: with tracing off, recording
//! costs next to nothing (the loop decides once per turn whether anyone watches, and a wake tests
//! it with one branch; see `Watch::record` in executor/src/observe/watch.rs). The workload is the
//! worst case for that promise — all loop, no waiting: 200 tasks that each yield 1000 times
//! (asyncio: `await asyncio.sleep(0)`), so with the trace on every poll records three events
//! (polled, woken by itself, pending) and does almost nothing else.
//!
//! Run it in release mode, where the numbers mean something:
//!
//! ```sh
//! cargo run --release --example trace_overhead
//! ```
//!
//! It runs the workload with the trace off and with it on (writing to `io::sink()`, so only the
//! bookkeeping and formatting are measured), alternating, and prints the median of each. To see
//! what "off" costs, compare with a build in which `Watch::record` and `Watch::set_cause`
//! (executor/src/observe/watch.rs) have empty bodies. `-- --off-only` skips the traced runs, for
//! counting instructions under a profiler:
//!
//! ```sh
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/trace_overhead --off-only
//! ```

use std::io;
use std::time::{Duration, Instant};

const TASKS: usize = 200;
const YIELDS: usize = 1000;
const ROUNDS: usize = 15;

/// Runs the workload on a loop built from `builder` and returns the wall time it took.
fn yield_storm(builder: glassloop::Builder) -> Duration {
    let runtime = builder.build().expect("could not create the event loop");
    let start = Instant::now();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                glassloop::spawn(async {
                    for _ in 0..YIELDS {
                        glassloop::yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a yielding task does not fail");
        }
    });
    start.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    if std::env::var_os("GLASSLOOP_TRACE").is_some() {
        eprintln!("note: GLASSLOOP_TRACE is set, so the \"off\" runs are traced too");
    }
    if std::env::args().any(|arg| arg == "--off-only") {
        let took = yield_storm(glassloop::Runtime::builder());
        println!("{TASKS} tasks × {YIELDS} yield_now, trace off, one round: {took:?}");
        return;
    }
    // One round of each to warm up caches and the allocator.
    yield_storm(glassloop::Runtime::builder());
    yield_storm(
        glassloop::Runtime::builder()
            .trace(true)
            .trace_to(io::sink()),
    );

    let (mut off, mut on) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        // Alternate, so that a noisy neighbour on the machine hurts both sides alike.
        off.push(yield_storm(glassloop::Runtime::builder()));
        on.push(yield_storm(
            glassloop::Runtime::builder()
                .trace(true)
                .trace_to(io::sink()),
        ));
    }
    let polls = (TASKS * (YIELDS + 1)) as f64;
    let (off, on) = (median(off), median(on));
    println!("{TASKS} tasks × {YIELDS} yield_now, median of {ROUNDS} rounds:");
    println!(
        "  trace off: {:8.2} ms  ({:.1} ns per poll)",
        off.as_secs_f64() * 1e3,
        off.as_secs_f64() * 1e9 / polls
    );
    println!(
        "  trace on:  {:8.2} ms  ({:.1} ns per poll), written to io::sink()",
        on.as_secs_f64() * 1e3,
        on.as_secs_f64() * 1e9 / polls
    );
}
