//! `sleepers_1m` — 1,000,000 tasks, each sleeping 10 s: how much memory does a parked task cost?
//!
//! Each repetition runs in a process of its own (the runner re-executes itself with the hidden
//! `--child` flag), so one runtime's memory never counts against another's. The child raises
//! glibc's mmap threshold as the timing processes do (without pre-faulting a free heap, which would
//! hide the first 32 MiB of task memory), builds the runtime, and from its root task:
//!
//! 1. reads `VmRSS` (the baseline: binary, runtime, root task) and resets the peak mark;
//! 2. spawns the sleepers and yields until every one has been polled once and armed its timer;
//! 3. reads `VmHWM`, the peak resident memory since the reset, and `VmRSS`, prints them, and
//!    exits at once (the 10 s never run out, and dropping a million tasks is not what is measured).
//!
//! Reported: the peak; the RSS once all are parked (lower than the peak when a table or queue
//! grew by copying, and the old copy was freed); and (peak − baseline) / tasks.

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{Metric, Param, Unit, Workload};
use crate::contenders::{self, Contender};
use crate::measure::{raise_mmap_threshold, reset_peak_rss, rss};

pub const WORKLOAD: Workload = Workload {
    name: "sleepers_1m",
    stresses: "memory per parked task (a task plus its armed timer)",
    params: &[
        Param {
            name: "tasks",
            full: 1_000_000,
            quick: 100_000,
        },
        Param {
            name: "sleep_s",
            full: 10,
            quick: 10,
        },
    ],
    metrics: &[
        Metric {
            name: "peak RSS",
            unit: Unit::Bytes,
            higher_is_better: false,
        },
        Metric {
            name: "RSS once parked",
            unit: Unit::Bytes,
            higher_is_better: false,
        },
        Metric {
            name: "bytes per task",
            unit: Unit::BytesPerTask,
            higher_is_better: false,
        },
    ],
    contenders: &[
        Contender::Glassloop,
        Contender::TokioCurrentThread,
        Contender::TokioMultiThread,
        Contender::Smol,
    ],
    run,
    heavy: true,
};

/// In the runner: one repetition = one child process.
fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let exe = std::env::current_exe().expect("the runner's own path");
    let output = Command::new(exe)
        .arg("--child")
        .arg(WORKLOAD.name)
        .arg(contender.key())
        .args(sizes.iter().map(u64::to_string))
        .output()
        .expect("start the sleepers_1m child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the sleepers_1m child for {contender:?} failed: {}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    // The child prints `baseline peak now` in bytes.
    let numbers: Vec<u64> = stdout
        .split_whitespace()
        .map(|word| word.parse().expect("a byte count"))
        .collect();
    let [baseline, peak, now] = numbers[..] else {
        panic!("unexpected sleepers_1m child output: {stdout}");
    };
    let tasks = sizes[0];
    vec![
        peak as f64,
        now as f64,
        (peak.saturating_sub(baseline)) as f64 / tasks as f64,
    ]
}

/// In the child process: measure, print `baseline peak now`, and exit.
pub fn child(contender: Contender, sizes: &[u64]) -> ! {
    raise_mmap_threshold();
    let (tasks, sleep) = (sizes[0], Duration::from_secs(sizes[1]));
    match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let baseline = start_measuring();
            let parked = Rc::new(Cell::new(0u64));
            for _ in 0..tasks {
                let parked = parked.clone();
                drop(glassloop::spawn(async move {
                    parked.set(parked.get() + 1);
                    glassloop::sleep(sleep).await;
                }));
            }
            while parked.get() < tasks {
                glassloop::yield_now().await;
            }
            report_and_exit(baseline)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let baseline = start_measuring();
                let parked = Arc::new(AtomicU64::new(0));
                for _ in 0..tasks {
                    let parked = parked.clone();
                    drop(tokio::spawn(async move {
                        parked.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(sleep).await;
                    }));
                }
                while parked.load(Ordering::Relaxed) < tasks {
                    tokio::task::yield_now().await;
                }
                report_and_exit(baseline)
            })
        }
        Contender::Smol => contenders::smol(|executor| async move {
            let baseline = start_measuring();
            let parked = Rc::new(Cell::new(0u64));
            for _ in 0..tasks {
                let parked = parked.clone();
                executor
                    .spawn(async move {
                        parked.set(parked.get() + 1);
                        async_io::Timer::after(sleep).await;
                    })
                    .detach();
            }
            while parked.get() < tasks {
                futures_lite::future::yield_now().await;
            }
            report_and_exit(baseline)
        }),
        other => unreachable!("sleepers_1m does not run on {other:?}"),
    }
    unreachable!("the child exits from its root task")
}

/// Reads the baseline RSS and resets the peak mark to it.
fn start_measuring() -> u64 {
    let (baseline, _) = rss();
    reset_peak_rss();
    baseline
}

fn report_and_exit(baseline: u64) -> ! {
    let (now, peak) = rss();
    println!("{baseline} {peak} {now}");
    std::process::exit(0)
}
