//! The scaling tables: does a spawn, or a timer insert + cancel, get dearer as the number of live
//! tasks or timers grows? Measured with 10³, 10⁴, 10⁵ and 10⁶ of them parked, a fresh runtime for
//! each point.
//!
//! - `scaling_spawn`: park N tasks (each polled once, then pending forever), then time 10,000
//!   spawns of empty tasks, each awaited: ns per spawn + run + join with N tasks alive.
//! - `scaling_timers`: arm N timers at seeded random deadlines 10–100 s ahead (sleeps polled once),
//!   then time 100,000 more, each armed by one poll and cancelled by drop: ns per insert + cancel
//!   with N timers alive. Two baselines with no runtime around them show the data structures
//!   alone: glassloop's wheel (O(1) insert and cancel) and a `BTreeMap<(Instant, u64), ()>`
//!   (O(log n), the ordered map async-io keeps its timers in). The runtimes' rows include reading
//!   the clock for each sleep's deadline (`sleep(d)` is `now + d`); the baselines' rows do not.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::{pending, poll_fn, Future};
use std::hint::black_box;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures::task::LocalSpawnExt;

use super::{Metric, Param, Unit, Workload};
use crate::contenders::{self, Contender};
use crate::measure::SplitMix64;

/// The numbers of live tasks or timers the tables are measured at.
pub const LIVE: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];

const METRICS: &[Metric] = &[
    per_op("10³ live"),
    per_op("10⁴ live"),
    per_op("10⁵ live"),
    per_op("10⁶ live"),
];

const fn per_op(name: &'static str) -> Metric {
    Metric {
        name,
        unit: Unit::NanosPerOp,
        higher_is_better: false,
    }
}

pub const SPAWN: Workload = Workload {
    name: "scaling_spawn",
    stresses: "ns per spawn + run + join, with 10³ … 10⁶ other tasks parked",
    params: &[
        Param {
            name: "max_live",
            full: 1_000_000,
            quick: 10_000,
        },
        Param {
            name: "spawns",
            full: 10_000,
            quick: 1_000,
        },
    ],
    metrics: METRICS,
    contenders: &[
        Contender::Glassloop,
        Contender::TokioCurrentThread,
        Contender::Smol,
        Contender::LocalPool,
    ],
    run: run_spawn,
    heavy: true,
};

pub const TIMERS: Workload = Workload {
    name: "scaling_timers",
    stresses: "ns per timer insert + cancel, with 10³ … 10⁶ other timers armed",
    params: &[
        Param {
            name: "max_live",
            full: 1_000_000,
            quick: 10_000,
        },
        Param {
            name: "ops",
            full: 100_000,
            quick: 10_000,
        },
    ],
    metrics: METRICS,
    contenders: &[
        Contender::Glassloop,
        Contender::TokioCurrentThread,
        Contender::Smol,
        Contender::WheelAlone,
        Contender::BTreeMapAlone,
    ],
    run: run_timers,
    heavy: true,
};

/// Runs `point(live)` for every size up to `max_live`; NaN ("not measured") above it.
fn at_each_size(max_live: u64, mut point: impl FnMut(u64) -> f64) -> Vec<f64> {
    LIVE.iter()
        .map(|&live| {
            if live <= max_live {
                point(live)
            } else {
                f64::NAN
            }
        })
        .collect()
}

fn run_spawn(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let (max_live, spawns) = (sizes[0], sizes[1]);
    at_each_size(max_live, |live| {
        let elapsed = match contender {
            Contender::Glassloop => contenders::glassloop(async move {
                let parked = Rc::new(Cell::new(0u64));
                for _ in 0..live {
                    let parked = parked.clone();
                    drop(glassloop::spawn(async move {
                        parked.set(parked.get() + 1);
                        pending::<()>().await;
                    }));
                }
                while parked.get() < live {
                    glassloop::yield_now().await;
                }
                let start = Instant::now();
                let handles: Vec<_> = (0..spawns)
                    .map(|i| glassloop::spawn(async move { i }))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("task");
                }
                assert_eq!(sum, (0..spawns).sum::<u64>());
                start.elapsed()
            }),
            Contender::TokioCurrentThread => contenders::tokio(contender, async move {
                let parked = Arc::new(AtomicU64::new(0));
                for _ in 0..live {
                    let parked = parked.clone();
                    drop(tokio::spawn(async move {
                        parked.fetch_add(1, Ordering::Relaxed);
                        pending::<()>().await;
                    }));
                }
                while parked.load(Ordering::Relaxed) < live {
                    tokio::task::yield_now().await;
                }
                let start = Instant::now();
                let handles: Vec<_> = (0..spawns)
                    .map(|i| tokio::spawn(async move { i }))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("task");
                }
                assert_eq!(sum, (0..spawns).sum::<u64>());
                start.elapsed()
            }),
            Contender::Smol => contenders::smol(|executor| async move {
                let parked = Rc::new(Cell::new(0u64));
                for _ in 0..live {
                    let parked = parked.clone();
                    executor
                        .spawn(async move {
                            parked.set(parked.get() + 1);
                            pending::<()>().await;
                        })
                        .detach();
                }
                while parked.get() < live {
                    futures_lite::future::yield_now().await;
                }
                let start = Instant::now();
                let handles: Vec<_> = (0..spawns)
                    .map(|i| executor.spawn(async move { i }))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                assert_eq!(sum, (0..spawns).sum::<u64>());
                start.elapsed()
            }),
            Contender::LocalPool => contenders::local_pool(|spawner| async move {
                let parked = Rc::new(Cell::new(0u64));
                for _ in 0..live {
                    let parked = parked.clone();
                    spawner
                        .spawn_local(async move {
                            parked.set(parked.get() + 1);
                            pending::<()>().await;
                        })
                        .expect("LocalPool spawn");
                }
                while parked.get() < live {
                    futures_lite::future::yield_now().await;
                }
                let start = Instant::now();
                let handles: Vec<_> = (0..spawns)
                    .map(|i| contenders::pool_spawn(&spawner, async move { i }))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                assert_eq!(sum, (0..spawns).sum::<u64>());
                start.elapsed()
            }),
            other => unreachable!("scaling_spawn does not run on {other:?}"),
        };
        elapsed.as_secs_f64() * 1e9 / spawns as f64
    })
}

/// The seed of the timers' deadlines, the same for every contender.
const SEED: u64 = 7;

/// Deadlines 10–100 s ahead, in milliseconds: `live` for the parked timers, then `ops` for the
/// measured ones (drawn before the clock starts, so the generator is not timed).
fn deadlines(live: u64, ops: u64) -> (Vec<u64>, Vec<u64>) {
    let mut rng = SplitMix64::new(SEED);
    let mut draw = |n| (0..n).map(|_| rng.between(10_000, 100_000)).collect();
    (draw(live), draw(ops))
}

fn run_timers(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let (max_live, ops) = (sizes[0], sizes[1]);
    at_each_size(max_live, |live| {
        let (parked_ms, measured_ms) = deadlines(live, ops);
        let elapsed = match contender {
            Contender::Glassloop => contenders::glassloop(async move {
                let mut parked: Vec<glassloop::Sleep> = parked_ms
                    .iter()
                    .map(|&ms| glassloop::sleep(Duration::from_millis(ms)))
                    .collect();
                poll_fn(|cx| {
                    for sleep in &mut parked {
                        assert!(Pin::new(sleep).poll(cx).is_pending());
                    }
                    Poll::Ready(())
                })
                .await;
                let start = Instant::now();
                poll_fn(|cx| {
                    for &ms in &measured_ms {
                        let mut sleep = glassloop::sleep(Duration::from_millis(ms));
                        assert!(Pin::new(&mut sleep).poll(cx).is_pending()); // armed
                    } // dropped: cancelled
                    Poll::Ready(())
                })
                .await;
                start.elapsed()
            }),
            Contender::TokioCurrentThread => contenders::tokio(contender, async move {
                let mut parked: Vec<Pin<Box<tokio::time::Sleep>>> = parked_ms
                    .iter()
                    .map(|&ms| Box::pin(tokio::time::sleep(Duration::from_millis(ms))))
                    .collect();
                poll_fn(|cx| {
                    for sleep in &mut parked {
                        assert!(sleep.as_mut().poll(cx).is_pending());
                    }
                    Poll::Ready(())
                })
                .await;
                let start = Instant::now();
                poll_fn(|cx| {
                    for &ms in &measured_ms {
                        let mut sleep = pin!(tokio::time::sleep(Duration::from_millis(ms)));
                        assert!(sleep.as_mut().poll(cx).is_pending()); // armed
                    } // dropped: cancelled
                    Poll::Ready(())
                })
                .await;
                start.elapsed()
            }),
            Contender::Smol => contenders::smol(|_executor| async move {
                let mut parked: Vec<async_io::Timer> = parked_ms
                    .iter()
                    .map(|&ms| async_io::Timer::after(Duration::from_millis(ms)))
                    .collect();
                poll_fn(|cx| {
                    for timer in &mut parked {
                        assert!(Pin::new(timer).poll(cx).is_pending());
                    }
                    Poll::Ready(())
                })
                .await;
                let start = Instant::now();
                poll_fn(|cx| {
                    for &ms in &measured_ms {
                        let mut timer = async_io::Timer::after(Duration::from_millis(ms));
                        assert!(Pin::new(&mut timer).poll(cx).is_pending()); // armed
                    } // dropped: cancelled
                    Poll::Ready(())
                })
                .await;
                start.elapsed()
            }),
            Contender::WheelAlone => {
                // Deadlines in ticks of 1 ms, the wheel starting at tick 0.
                let mut wheel = glassloop_timer::TimerWheel::new();
                for &ms in &parked_ms {
                    wheel.insert(ms, ());
                }
                let start = Instant::now();
                for &ms in &measured_ms {
                    let key = wheel.insert(black_box(ms), ());
                    black_box(wheel.cancel(key));
                }
                let elapsed = start.elapsed();
                assert_eq!(wheel.len() as u64, live);
                elapsed
            }
            Contender::BTreeMapAlone => {
                // Keyed by (deadline, sequence number), as a timer queue must be: deadlines repeat.
                let base = Instant::now();
                let mut queue = BTreeMap::new();
                let mut sequence = 0u64;
                for &ms in &parked_ms {
                    queue.insert((base + Duration::from_millis(ms), sequence), ());
                    sequence += 1;
                }
                let start = Instant::now();
                for &ms in &measured_ms {
                    let key = (base + Duration::from_millis(black_box(ms)), sequence);
                    sequence += 1;
                    queue.insert(key, ());
                    black_box(queue.remove(&key));
                }
                let elapsed = start.elapsed();
                assert_eq!(queue.len() as u64, live);
                elapsed
            }
            other => unreachable!("scaling_timers does not run on {other:?}"),
        };
        elapsed.as_secs_f64() * 1e9 / ops as f64
    })
}
