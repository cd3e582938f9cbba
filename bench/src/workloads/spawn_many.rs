//! `spawn_many` — spawn 10,000 tasks that do nothing, from inside the loop, and await them all.
//!
//! The price of a task: allocating it, queueing it, polling it once, storing its output and handing
//! it to the `JoinHandle`. asyncio twin: `bench/python/spawn_many.py`.

use std::time::Instant;

use super::{seconds, Param, Workload, SCHEDULER_CONTENDERS, TIME};
use crate::contenders::{self, Contender};

pub const WORKLOAD: Workload = Workload {
    name: "spawn_many",
    stresses: "task creation: allocate, queue, poll once, complete, join",
    params: &[Param {
        name: "tasks",
        full: 10_000,
        quick: 1_000,
    }],
    metrics: &[TIME],
    contenders: SCHEDULER_CONTENDERS,
    run,
    heavy: false,
};

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let tasks = sizes[0];
    // Every task returns its number; the sum proves each one ran exactly once.
    let expected: u64 = (0..tasks).sum();
    let (elapsed, sum) = match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|i| glassloop::spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await.expect("task");
            }
            (start.elapsed(), sum)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let start = Instant::now();
                let handles: Vec<_> = (0..tasks).map(|i| tokio::spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("task");
                }
                (start.elapsed(), sum)
            })
        }
        Contender::Smol => contenders::smol(|executor| async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|i| executor.spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await;
            }
            (start.elapsed(), sum)
        }),
        Contender::LocalPool => contenders::local_pool(|spawner| async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|i| contenders::pool_spawn(&spawner, async move { i }))
                .collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await;
            }
            (start.elapsed(), sum)
        }),
        other => unreachable!("spawn_many does not run on {other:?}"),
    };
    assert_eq!(sum, expected, "{contender:?} lost tasks");
    vec![seconds(elapsed)]
}
