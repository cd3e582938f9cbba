//! `chained_spawn` — a chain of 1,000 tasks, each spawning the next; the last one reports back
//! over a oneshot channel.
//!
//! The latency of spawn → first poll when only one task is ever ready: no batching to hide behind.
//! asyncio twin: `bench/python/chained_spawn.py`.

use std::rc::Rc;
use std::time::Instant;

use async_executor::LocalExecutor;
use futures::channel::oneshot;
use futures::executor::LocalSpawner;
use futures::task::LocalSpawnExt;

use super::{seconds, Param, Workload, SCHEDULER_CONTENDERS, TIME};
use crate::contenders::{self, Contender};

pub const WORKLOAD: Workload = Workload {
    name: "chained_spawn",
    stresses: "spawn-to-first-poll latency, one task ready at a time",
    params: &[Param {
        name: "tasks",
        full: 1_000,
        quick: 100,
    }],
    metrics: &[TIME],
    contenders: SCHEDULER_CONTENDERS,
    run,
    heavy: false,
};

// One link per runtime: with `remaining` links still to go, spawn the next one (detached), or
// report how many hops the chain made.

fn glassloop_link(remaining: u64, hops: u64, done: oneshot::Sender<u64>) {
    if remaining == 0 {
        done.send(hops).expect("report");
        return;
    }
    drop(glassloop::spawn(async move {
        glassloop_link(remaining - 1, hops + 1, done)
    }));
}

fn tokio_link(remaining: u64, hops: u64, done: oneshot::Sender<u64>) {
    if remaining == 0 {
        done.send(hops).expect("report");
        return;
    }
    drop(tokio::spawn(async move {
        tokio_link(remaining - 1, hops + 1, done)
    }));
}

fn smol_link(
    executor: Rc<LocalExecutor<'static>>,
    remaining: u64,
    hops: u64,
    done: oneshot::Sender<u64>,
) {
    if remaining == 0 {
        done.send(hops).expect("report");
        return;
    }
    let next = executor.clone();
    executor
        .spawn(async move { smol_link(next, remaining - 1, hops + 1, done) })
        .detach();
}

fn pool_link(spawner: LocalSpawner, remaining: u64, hops: u64, done: oneshot::Sender<u64>) {
    if remaining == 0 {
        done.send(hops).expect("report");
        return;
    }
    let next = spawner.clone();
    spawner
        .spawn_local(async move { pool_link(next, remaining - 1, hops + 1, done) })
        .expect("LocalPool spawn");
}

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let tasks = sizes[0];
    let (elapsed, hops) = match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let start = Instant::now();
            let (done, report) = oneshot::channel();
            glassloop_link(tasks, 0, done);
            let hops = report.await.expect("chain");
            (start.elapsed(), hops)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let start = Instant::now();
                let (done, report) = oneshot::channel();
                tokio_link(tasks, 0, done);
                let hops = report.await.expect("chain");
                (start.elapsed(), hops)
            })
        }
        Contender::Smol => contenders::smol(|executor| async move {
            let start = Instant::now();
            let (done, report) = oneshot::channel();
            smol_link(executor, tasks, 0, done);
            let hops = report.await.expect("chain");
            (start.elapsed(), hops)
        }),
        Contender::LocalPool => contenders::local_pool(|spawner| async move {
            let start = Instant::now();
            let (done, report) = oneshot::channel();
            pool_link(spawner, tasks, 0, done);
            let hops = report.await.expect("chain");
            (start.elapsed(), hops)
        }),
        other => unreachable!("chained_spawn does not run on {other:?}"),
    };
    assert_eq!(hops, tasks, "{contender:?} broke the chain");
    vec![seconds(elapsed)]
}
