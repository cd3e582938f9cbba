//! `yield_many` — 200 tasks that each yield 1,000 times (`asyncio.sleep(0)`).
//!
//! The cost of going round the ready queue: a self-wake, a re-queue, a poll — 200,000 times, with
//! 200 tasks taking turns. asyncio twin: `bench/python/yield_many.py`.

use std::time::Instant;

use super::{seconds, Param, Workload, SCHEDULER_CONTENDERS, TIME};
use crate::contenders::{self, Contender};

pub const WORKLOAD: Workload = Workload {
    name: "yield_many",
    stresses: "the ready queue: self-wake, re-queue and re-poll, with many tasks taking turns",
    params: &[
        Param {
            name: "tasks",
            full: 200,
            quick: 50,
        },
        Param {
            name: "yields",
            full: 1_000,
            quick: 200,
        },
    ],
    metrics: &[TIME],
    contenders: SCHEDULER_CONTENDERS,
    run,
    heavy: false,
};

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let (tasks, yields) = (sizes[0], sizes[1]);
    // Each task counts its own yields; the total proves none was skipped.
    let (elapsed, total) = match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    glassloop::spawn(async move {
                        let mut done = 0;
                        for _ in 0..yields {
                            glassloop::yield_now().await;
                            done += 1;
                        }
                        done
                    })
                })
                .collect();
            let mut total = 0;
            for handle in handles {
                total += handle.await.expect("task");
            }
            (start.elapsed(), total)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let start = Instant::now();
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        tokio::spawn(async move {
                            let mut done = 0;
                            for _ in 0..yields {
                                tokio::task::yield_now().await;
                                done += 1;
                            }
                            done
                        })
                    })
                    .collect();
                let mut total = 0;
                for handle in handles {
                    total += handle.await.expect("task");
                }
                (start.elapsed(), total)
            })
        }
        Contender::Smol => contenders::smol(|executor| async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    executor.spawn(async move {
                        let mut done = 0;
                        for _ in 0..yields {
                            futures_lite::future::yield_now().await;
                            done += 1;
                        }
                        done
                    })
                })
                .collect();
            let mut total = 0;
            for handle in handles {
                total += handle.await;
            }
            (start.elapsed(), total)
        }),
        Contender::LocalPool => contenders::local_pool(|spawner| async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    contenders::pool_spawn(&spawner, async move {
                        let mut done = 0;
                        for _ in 0..yields {
                            futures_lite::future::yield_now().await;
                            done += 1;
                        }
                        done
                    })
                })
                .collect();
            let mut total = 0;
            for handle in handles {
                total += handle.await;
            }
            (start.elapsed(), total)
        }),
        other => unreachable!("yield_many does not run on {other:?}"),
    };
    assert_eq!(total, tasks * yields, "{contender:?} skipped yields");
    vec![seconds(elapsed)]
}
