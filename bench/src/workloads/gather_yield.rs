//! `gather_yield` — one gather over 100,000 futures that each yield once.
//!
//! Many children inside **one** task: does waking one child cost O(1) (a per-child waker and a
//! list of woken children) or O(n) (polling everyone)? glassloop uses `glassloop::gather`; the
//! others use `futures::future::join_all`, whose big-n path is a `FuturesOrdered` with per-child
//! wakers too. asyncio twin: `bench/python/gather_yield.py` (`asyncio.gather`, which makes a task
//! per coroutine).

use std::time::Instant;

use futures::future::join_all;

use super::{seconds, Param, Workload, SCHEDULER_CONTENDERS, TIME};
use crate::contenders::{self, Contender};

pub const WORKLOAD: Workload = Workload {
    name: "gather_yield",
    stresses: "one task waiting on many children: per-child wakers, polling only the woken",
    params: &[Param {
        name: "futures",
        full: 100_000,
        quick: 10_000,
    }],
    metrics: &[TIME],
    contenders: SCHEDULER_CONTENDERS,
    run,
    heavy: false,
};

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let futures = sizes[0];
    let (elapsed, outputs) = match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let start = Instant::now();
            let children = (0..futures).map(|_| async {
                glassloop::yield_now().await;
                1u64
            });
            let outputs = glassloop::gather(children).await;
            (start.elapsed(), outputs)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let start = Instant::now();
                let children = (0..futures).map(|_| async {
                    tokio::task::yield_now().await;
                    1u64
                });
                let outputs = join_all(children).await;
                (start.elapsed(), outputs)
            })
        }
        Contender::Smol => contenders::smol(|_executor| async move {
            let start = Instant::now();
            let children = (0..futures).map(|_| async {
                futures_lite::future::yield_now().await;
                1u64
            });
            let outputs = join_all(children).await;
            (start.elapsed(), outputs)
        }),
        Contender::LocalPool => contenders::local_pool(|_spawner| async move {
            let start = Instant::now();
            let children = (0..futures).map(|_| async {
                futures_lite::future::yield_now().await;
                1u64
            });
            let outputs = join_all(children).await;
            (start.elapsed(), outputs)
        }),
        other => unreachable!("gather_yield does not run on {other:?}"),
    };
    assert_eq!(outputs.len() as u64, futures, "{contender:?} lost outputs");
    assert_eq!(outputs.iter().sum::<u64>(), futures);
    vec![seconds(elapsed)]
}
