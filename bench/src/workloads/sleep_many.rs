//! `sleep_many` — 100,000 tasks, each sleeping a seeded random 1–100 ms.
//!
//! A timer per task, most of them firing in bursts within the same millisecond. Two numbers: the
//! wall time **beyond** the 100 ms the longest sleep must take (spawning, arming, firing, waking
//! and finishing 100,000 tasks, and any lateness), and the CPU time the whole process spent
//! (every thread: tokio's workers count). The sleeps come from the same seeded generator on every
//! runtime, Python included. asyncio twin: `bench/python/sleep_many.py`.

use std::time::{Duration, Instant};

use super::{seconds, Metric, Param, Unit, Workload, TIMER_CONTENDERS};
use crate::contenders::{self, Contender};
use crate::measure::{cpu_time, SplitMix64};

pub const WORKLOAD: Workload = Workload {
    name: "sleep_many",
    stresses: "many timers firing in bursts: arm, fire, wake, finish",
    params: &[
        Param {
            name: "tasks",
            full: 100_000,
            quick: 10_000,
        },
        Param {
            name: "max_ms",
            full: 100,
            quick: 100,
        },
    ],
    metrics: &[
        Metric {
            name: "wall beyond the longest sleep",
            unit: Unit::Seconds,
            higher_is_better: false,
        },
        Metric {
            name: "CPU time",
            unit: Unit::Seconds,
            higher_is_better: false,
        },
    ],
    contenders: TIMER_CONTENDERS,
    run,
    // Its CPU figure moves by ±15% from run to run on a shared machine: 9 repetitions.
    heavy: false,
};

/// The seed every runtime (and the Python twin) draws its sleeps from.
pub const SEED: u64 = 42;

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let (tasks, max_ms) = (sizes[0], sizes[1]);
    let mut rng = SplitMix64::new(SEED);
    let sleeps: Vec<u64> = (0..tasks).map(|_| rng.between(1, max_ms)).collect();
    let expected: u64 = sleeps.iter().sum();
    let longest = Duration::from_millis(*sleeps.iter().max().expect("at least one task"));

    let (wall, cpu, slept) = match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let (start, cpu_start) = (Instant::now(), cpu_time());
            let handles: Vec<_> = sleeps
                .into_iter()
                .map(|ms| {
                    glassloop::spawn(async move {
                        glassloop::sleep(Duration::from_millis(ms)).await;
                        ms
                    })
                })
                .collect();
            let mut slept = 0;
            for handle in handles {
                slept += handle.await.expect("task");
            }
            (start.elapsed(), cpu_time() - cpu_start, slept)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let (start, cpu_start) = (Instant::now(), cpu_time());
                let handles: Vec<_> = sleeps
                    .into_iter()
                    .map(|ms| {
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                            ms
                        })
                    })
                    .collect();
                let mut slept = 0;
                for handle in handles {
                    slept += handle.await.expect("task");
                }
                (start.elapsed(), cpu_time() - cpu_start, slept)
            })
        }
        Contender::Smol => contenders::smol(|executor| async move {
            let (start, cpu_start) = (Instant::now(), cpu_time());
            let handles: Vec<_> = sleeps
                .into_iter()
                .map(|ms| {
                    executor.spawn(async move {
                        async_io::Timer::after(Duration::from_millis(ms)).await;
                        ms
                    })
                })
                .collect();
            let mut slept = 0;
            for handle in handles {
                slept += handle.await;
            }
            (start.elapsed(), cpu_time() - cpu_start, slept)
        }),
        other => unreachable!("sleep_many does not run on {other:?}"),
    };
    assert_eq!(slept, expected, "{contender:?} lost sleepers");
    assert!(wall >= longest, "{contender:?} woke a sleeper early");
    vec![seconds(wall - longest), seconds(cpu)]
}
