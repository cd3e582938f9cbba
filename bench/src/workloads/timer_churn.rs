//! `timer_churn` — 1,000,000 × `timeout(1 s, yield_now())`, one after another in one task.
//!
//! The inner future is pending exactly once, so every timeout arms its timer and then cancels it
//! when the inner future finishes — the life of almost every timeout in a server (a request that
//! answers in time). Reported per operation. smol has no `timeout` of its own: it is
//! `yield_now().or(Timer::after(1 s))`, which is what a smol user writes.
//! asyncio twin: `bench/python/timer_churn.py` (`async with asyncio.timeout(1): await sleep(0)`).

use std::time::{Duration, Instant};

use futures_lite::FutureExt;

use super::{Metric, Param, Unit, Workload, TIMER_CONTENDERS};
use crate::contenders::{self, Contender};

pub const WORKLOAD: Workload = Workload {
    name: "timer_churn",
    stresses: "arming and cancelling a timer that never fires (timeouts that are met)",
    params: &[Param {
        name: "timeouts",
        full: 1_000_000,
        quick: 100_000,
    }],
    metrics: &[Metric {
        name: "per timeout",
        unit: Unit::NanosPerOp,
        higher_is_better: false,
    }],
    contenders: TIMER_CONTENDERS,
    run,
    heavy: false,
};

const LIMIT: Duration = Duration::from_secs(1);

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let timeouts = sizes[0];
    // Every timeout must be met (the inner future wins): count them.
    let (elapsed, met) = match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let start = Instant::now();
            let mut met = 0u64;
            for _ in 0..timeouts {
                if glassloop::timeout(LIMIT, glassloop::yield_now())
                    .await
                    .is_ok()
                {
                    met += 1;
                }
            }
            (start.elapsed(), met)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let start = Instant::now();
                let mut met = 0u64;
                for _ in 0..timeouts {
                    if tokio::time::timeout(LIMIT, tokio::task::yield_now())
                        .await
                        .is_ok()
                    {
                        met += 1;
                    }
                }
                (start.elapsed(), met)
            })
        }
        Contender::Smol => contenders::smol(|_executor| async move {
            let start = Instant::now();
            let mut met = 0u64;
            for _ in 0..timeouts {
                // `or` polls the left future first, so the timer is armed only once the yield is
                // pending — the same order as a timeout.
                let inner = async {
                    futures_lite::future::yield_now().await;
                    true
                };
                let timer = async {
                    async_io::Timer::after(LIMIT).await;
                    false
                };
                if inner.or(timer).await {
                    met += 1;
                }
            }
            (start.elapsed(), met)
        }),
        other => unreachable!("timer_churn does not run on {other:?}"),
    };
    assert_eq!(
        met, timeouts,
        "{contender:?}: a timeout fired or was skipped"
    );
    vec![elapsed.as_secs_f64() * 1e9 / timeouts as f64]
}
