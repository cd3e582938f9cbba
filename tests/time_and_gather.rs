//! Timers, timeouts, virtual time and gather.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use glassloop::Runtime;
use support::{virtual_runtime, CountPolls, DropCounter};

#[test]
fn sleep_never_completes_early() {
    glassloop::run(async {
        for ms in [0u64, 1, 2, 3, 7, 15, 64, 65, 130] {
            let wanted = Duration::from_millis(ms) + Duration::from_micros(300);
            let start = Instant::now();
            glassloop::sleep(wanted).await;
            assert!(
                start.elapsed() >= wanted,
                "{ms} ms slept {:?}",
                start.elapsed()
            );
        }
    });
}

#[test]
fn sleep_until_a_past_deadline_is_immediate() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let start = glassloop::now();
        glassloop::sleep_until(start - Duration::from_secs(1).min(start.elapsed())).await;
        glassloop::sleep(Duration::ZERO).await;
        assert_eq!(glassloop::now(), start);
    });
}

#[test]
fn two_gathered_200ms_sleeps_take_200ms_not_400() {
    let start = Instant::now();
    glassloop::run(async {
        glassloop::gather!(
            glassloop::sleep(Duration::from_millis(200)),
            glassloop::sleep(Duration::from_millis(200))
        )
        .await;
    });
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(
        took < Duration::from_millis(390),
        "took {took:?}: the sleeps ran one after the other"
    );
}

#[test]
fn ten_thousand_tasks_sleeping_100ms_finish_well_under_a_second() {
    let start = Instant::now();
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let handles: Vec<_> = (0..10_000)
            .map(|_| glassloop::spawn(glassloop::sleep(Duration::from_millis(100))))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(100));
    assert!(took < Duration::from_millis(900), "took {took:?}");
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn virtual_time_gathered_sleeps_advance_the_clock_exactly() {
    let wall = Instant::now();
    let rt = virtual_runtime();
    let advanced = rt.block_on(async {
        let start = glassloop::now();
        glassloop::gather!(
            glassloop::sleep(Duration::from_secs(2)),
            glassloop::sleep(Duration::from_secs(2))
        )
        .await;
        glassloop::now() - start
    });
    assert_eq!(advanced, Duration::from_secs(2));
    assert!(
        wall.elapsed() < Duration::from_millis(500),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn virtual_time_orders_many_timers_exactly() {
    let rt = virtual_runtime();
    let finish_times = rt.block_on(async {
        let start = glassloop::now();
        let waits = [5000u64, 1, 64, 4096, 70_000, 3, 1000];
        let tasks: Vec<_> = waits
            .iter()
            .map(|&ms| {
                glassloop::spawn(async move {
                    glassloop::sleep(Duration::from_millis(ms)).await;
                    glassloop::now() - start
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let expected: Vec<_> = [5000u64, 1, 64, 4096, 70_000, 3, 1000]
        .iter()
        .map(|&ms| Duration::from_millis(ms))
        .collect();
    assert_eq!(finish_times, expected);
}

#[test]
fn virtual_time_days_long_sleep() {
    let rt = virtual_runtime();
    let waited = rt.block_on(async {
        let start = glassloop::now();
        glassloop::sleep(Duration::from_secs(3 * 365 * 24 * 3600)).await;
        glassloop::now() - start
    });
    assert_eq!(waited, Duration::from_secs(3 * 365 * 24 * 3600));
}

#[test]
fn a_dropped_sleep_cancels_its_timer() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut sleeps: Vec<_> = (0..100)
            .map(|i| glassloop::sleep(Duration::from_secs(100 + i)))
            .collect();
        // Poll each once so that it arms its timer.
        for s in sleeps.iter_mut() {
            let _ = glassloop::timeout(Duration::ZERO, s).await;
        }
    });
    assert_eq!(rt.stats().armed_timers, 0);
    rt.block_on(async {
        let s = glassloop::sleep(Duration::from_secs(100));
        let _ = glassloop::timeout(Duration::from_millis(1), s).await;
    });
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn sleep_forever_is_accepted() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let forever = glassloop::sleep(Duration::MAX);
        assert!(glassloop::timeout(Duration::from_secs(5), forever)
            .await
            .is_err());
    });
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn timeout_drops_the_slow_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = virtual_runtime();
    let (result, at) = rt.block_on({
        let drops = drops.clone();
        async move {
            let start = glassloop::now();
            let guard = DropCounter(drops.clone());
            let slow = async move {
                let _guard = guard;
                glassloop::sleep(Duration::from_secs(10)).await;
                "too late"
            };
            let result = glassloop::timeout(Duration::from_secs(1), slow).await;
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "dropped when the timeout fired"
            );
            (result, glassloop::now() - start)
        }
    });
    assert!(result.is_err());
    assert_eq!(result.unwrap_err().to_string(), "deadline has elapsed");
    assert_eq!(at, Duration::from_secs(1));
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn timeout_that_does_not_fire_arms_no_timer_when_ready_at_once() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        for i in 0..1000 {
            assert_eq!(
                glassloop::timeout(Duration::from_secs(1), async { i }).await,
                Ok(i)
            );
        }
        // Pending once: a timer is armed and then cancelled each time.
        for _ in 0..1000 {
            glassloop::timeout(Duration::from_secs(1), glassloop::yield_now())
                .await
                .unwrap();
        }
    });
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn gather_keeps_input_order_when_children_finish_in_reverse() {
    let rt = virtual_runtime();
    let out = rt.block_on(async {
        let children = (0..10u64).map(|i| async move {
            glassloop::sleep(Duration::from_millis(100 - i * 10)).await;
            i
        });
        glassloop::gather(children).await
    });
    assert_eq!(out, (0..10).collect::<Vec<_>>());
}

#[test]
fn gather_polls_only_woken_children() {
    // 100,000 children that each yield once: O(n) polls means 2 per child. Polling every child on
    // every wake would be 10^10.
    let polls = Rc::new(Cell::new(0usize));
    let n = 100_000;
    let start = Instant::now();
    glassloop::run({
        let polls = polls.clone();
        async move {
            let children = (0..n).map(|_| CountPolls {
                polls: polls.clone(),
                pending_polls: 1,
            });
            let out = glassloop::gather(children).await;
            assert_eq!(out.len(), n);
        }
    });
    assert_eq!(polls.get(), 2 * n);
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn gather_of_nothing_is_ready() {
    let out: Vec<u8> = glassloop::run(glassloop::gather(Vec::<std::future::Ready<u8>>::new()));
    assert!(out.is_empty());
}

#[test]
fn try_gather_stops_at_the_first_error_and_drops_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = virtual_runtime();
    let (result, at) = rt.block_on({
        let drops = drops.clone();
        async move {
            let start = glassloop::now();
            let children = (0..5u64).map(|i| {
                let guard = DropCounter(drops.clone());
                async move {
                    let _guard = guard;
                    glassloop::sleep(Duration::from_secs(i + 1)).await;
                    if i == 1 {
                        Err(format!("child {i} failed"))
                    } else {
                        Ok(i)
                    }
                }
            });
            let result = glassloop::try_gather(children).await;
            // Child 0 finished, child 1 failed, children 2..5 were dropped unfinished.
            assert_eq!(drops.load(Ordering::SeqCst), 5);
            (result, glassloop::now() - start)
        }
    });
    assert_eq!(result, Err("child 1 failed".to_string()));
    assert_eq!(at, Duration::from_secs(2));
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn gather_macro_returns_a_tuple_of_mixed_types() {
    let rt = virtual_runtime();
    let (a, b, c) = rt.block_on(async {
        glassloop::gather!(
            async {
                glassloop::sleep(Duration::from_secs(3)).await;
                "three"
            },
            async { 2u8 },
            async {
                glassloop::sleep(Duration::from_secs(1)).await;
                vec![1]
            },
        )
        .await
    });
    assert_eq!((a, b, c), ("three", 2, vec![1]));
}

#[test]
fn yield_now_lets_every_ready_task_run_once() {
    let counter = Rc::new(Cell::new(0));
    glassloop::run({
        let counter = counter.clone();
        async move {
            for _ in 0..5 {
                let counter = counter.clone();
                drop(glassloop::spawn(
                    async move { counter.set(counter.get() + 1) },
                ));
            }
            glassloop::yield_now().await;
            assert_eq!(counter.get(), 5);
        }
    });
}

#[test]
fn a_task_that_keeps_waking_itself_does_not_starve_timers() {
    let rt = Runtime::new().unwrap();
    let spins = rt.block_on(async {
        let stop = Rc::new(Cell::new(false));
        let spins = Rc::new(Cell::new(0u64));
        let spinner = glassloop::spawn({
            let stop = stop.clone();
            let spins = spins.clone();
            async move {
                while !stop.get() {
                    spins.set(spins.get() + 1);
                    glassloop::yield_now().await;
                }
            }
        });
        glassloop::sleep(Duration::from_millis(20)).await;
        stop.set(true);
        spinner.await.unwrap();
        spins.get()
    });
    assert!(spins > 0);
}

#[test]
fn now_outside_a_loop_is_real_time() {
    let before = Instant::now();
    let now = glassloop::now();
    assert!(now >= before);
}

#[test]
fn blocking_sleep_moves_virtual_time_and_blocks_everything() {
    let rt = virtual_runtime();
    let (total, other_ran_at) = rt.block_on(async {
        let start = glassloop::now();
        let other = glassloop::spawn(async move { glassloop::now() - start });
        glassloop::blocking_sleep(Duration::from_secs(2)); // the other task cannot run meanwhile
        let other_ran_at = other.await.unwrap();
        (glassloop::now() - start, other_ran_at)
    });
    assert_eq!(total, Duration::from_secs(2));
    assert_eq!(other_ran_at, Duration::from_secs(2));
}
