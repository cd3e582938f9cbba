//! `ping_pong` — 1,000 tasks; each spawns a partner, sends it a ping over a oneshot channel and
//! waits for the pong on another.
//!
//! Spawning from inside tasks, and wakes that cross from one task to another. The channels are
//! `futures::channel::oneshot` on every runtime, so only the runtimes differ.
//! asyncio twin: `bench/python/ping_pong.py` (with futures as the oneshot channels).

use std::time::Instant;

use futures::channel::oneshot;
use futures::task::LocalSpawnExt;

use super::{seconds, Param, Workload, SCHEDULER_CONTENDERS, TIME};
use crate::contenders::{self, Contender};

pub const WORKLOAD: Workload = Workload {
    name: "ping_pong",
    stresses: "spawning from tasks, and wakes from one task to another",
    params: &[Param {
        name: "pairs",
        full: 1_000,
        quick: 100,
    }],
    metrics: &[TIME],
    contenders: SCHEDULER_CONTENDERS,
    run,
    heavy: false,
};

/// The partner's half: wait for the ping, answer with ping + 1.
async fn partner(ping: oneshot::Receiver<u64>, pong: oneshot::Sender<u64>) {
    let n = ping.await.expect("ping");
    pong.send(n + 1).expect("pong");
}

/// The pinger's half, once the partner is spawned: returns 1 when the right pong came back.
async fn ping(i: u64, ping: oneshot::Sender<u64>, pong: oneshot::Receiver<u64>) -> u64 {
    ping.send(i).expect("ping");
    pong.await.expect("pong") - i
}

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let pairs = sizes[0];
    let (elapsed, pongs) = match contender {
        Contender::Glassloop => contenders::glassloop(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..pairs)
                .map(|i| {
                    glassloop::spawn(async move {
                        let (ping_tx, ping_rx) = oneshot::channel();
                        let (pong_tx, pong_rx) = oneshot::channel();
                        drop(glassloop::spawn(partner(ping_rx, pong_tx))); // detached
                        ping(i, ping_tx, pong_rx).await
                    })
                })
                .collect();
            let mut pongs = 0;
            for handle in handles {
                pongs += handle.await.expect("task");
            }
            (start.elapsed(), pongs)
        }),
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, async move {
                let start = Instant::now();
                let handles: Vec<_> = (0..pairs)
                    .map(|i| {
                        tokio::spawn(async move {
                            let (ping_tx, ping_rx) = oneshot::channel();
                            let (pong_tx, pong_rx) = oneshot::channel();
                            drop(tokio::spawn(partner(ping_rx, pong_tx))); // detached
                            ping(i, ping_tx, pong_rx).await
                        })
                    })
                    .collect();
                let mut pongs = 0;
                for handle in handles {
                    pongs += handle.await.expect("task");
                }
                (start.elapsed(), pongs)
            })
        }
        Contender::Smol => contenders::smol(|executor| async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..pairs)
                .map(|i| {
                    let executor2 = executor.clone();
                    executor.spawn(async move {
                        let (ping_tx, ping_rx) = oneshot::channel();
                        let (pong_tx, pong_rx) = oneshot::channel();
                        // smol cancels a task whose handle is dropped: detach it instead.
                        executor2.spawn(partner(ping_rx, pong_tx)).detach();
                        ping(i, ping_tx, pong_rx).await
                    })
                })
                .collect();
            let mut pongs = 0;
            for handle in handles {
                pongs += handle.await;
            }
            (start.elapsed(), pongs)
        }),
        Contender::LocalPool => contenders::local_pool(|spawner| async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..pairs)
                .map(|i| {
                    let spawner2 = spawner.clone();
                    contenders::pool_spawn(&spawner, async move {
                        let (ping_tx, ping_rx) = oneshot::channel();
                        let (pong_tx, pong_rx) = oneshot::channel();
                        // Spawned without a handle: a dropped RemoteHandle would cancel it.
                        spawner2
                            .spawn_local(partner(ping_rx, pong_tx))
                            .expect("LocalPool spawn");
                        ping(i, ping_tx, pong_rx).await
                    })
                })
                .collect();
            let mut pongs = 0;
            for handle in handles {
                pongs += handle.await;
            }
            (start.elapsed(), pongs)
        }),
        other => unreachable!("ping_pong does not run on {other:?}"),
    };
    assert_eq!(pongs, pairs, "{contender:?} lost a pong");
    vec![seconds(elapsed)]
}
