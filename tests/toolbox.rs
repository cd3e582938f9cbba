//! asyncio's toolbox: Queue, Event, Lock, Semaphore, select!/race/as_completed, interval,
//! Sleep::reset, time::advance and TaskGroup.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use glassloop::sync::{Event, Lock, Queue, QueueEmpty, Semaphore};
use glassloop::time::MissedTickBehavior;
use glassloop::{TaskGroup, TaskGroupError};
use support::{virtual_runtime, DropCounter};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn queue_is_fifo_and_get_waits_when_empty() {
    let rt = virtual_runtime();
    let got = rt.block_on(async {
        let q: Queue<u32> = Queue::unbounded();
        assert_eq!(q.get_nowait(), Err(QueueEmpty));
        let consumer = glassloop::spawn({
            let q = q.clone();
            async move {
                let mut got = Vec::new();
                for _ in 0..4 {
                    got.push((q.get().await, glassloop::now()));
                }
                got
            }
        });
        let start = glassloop::now();
        for i in 0..4 {
            glassloop::sleep(secs(1)).await;
            q.put(i).await;
        }
        consumer
            .await
            .unwrap()
            .into_iter()
            .map(|(item, at)| (item, (at - start).as_secs()))
            .collect::<Vec<_>>()
    });
    assert_eq!(got, vec![(0, 1), (1, 2), (2, 3), (3, 4)]);
}

#[test]
fn bounded_queue_applies_back_pressure() {
    let rt = virtual_runtime();
    let log = rt.block_on(async {
        let q: Queue<u32> = Queue::bounded(2);
        let log = Rc::new(RefCell::new(Vec::new()));
        let producer = glassloop::spawn({
            let q = q.clone();
            let log = log.clone();
            async move {
                for i in 0..5 {
                    q.put(i).await;
                    log.borrow_mut().push(format!("put {i}"));
                }
            }
        });
        glassloop::sleep(secs(1)).await;
        // Only two fit; the producer is stuck on the third.
        assert_eq!(q.len(), 2);
        assert!(q.is_full());
        assert!(q.put_nowait(99).is_err());
        for _ in 0..5 {
            let item = q.get().await;
            log.borrow_mut().push(format!("get {item}"));
            glassloop::sleep(secs(1)).await;
        }
        producer.await.unwrap();
        let log = log.borrow().clone();
        log
    });
    assert_eq!(&log[..2], ["put 0", "put 1"]);
    assert_eq!(log.iter().filter(|l| l.starts_with("get")).count(), 5);
    // After the first get, the blocked put goes through at once.
    assert_eq!(log[2], "get 0");
    assert_eq!(log[3], "put 2");
}

#[test]
fn queue_join_waits_for_task_done() {
    let rt = virtual_runtime();
    let done_at = rt.block_on(async {
        let q: Queue<u64> = Queue::unbounded();
        for i in 1..=3 {
            q.put_nowait(i).unwrap();
        }
        drop(glassloop::spawn({
            let q = q.clone();
            async move {
                while let Ok(seconds) = q.get_nowait() {
                    glassloop::sleep(secs(seconds)).await;
                    q.task_done();
                }
            }
        }));
        let start = glassloop::now();
        q.join().await;
        glassloop::now() - start
    });
    assert_eq!(done_at, secs(6));
}

#[test]
fn a_cancelled_getter_does_not_swallow_an_item() {
    let rt = virtual_runtime();
    let (first, second) = rt.block_on(async {
        let q: Queue<&str> = Queue::unbounded();
        // Two getters wait; the first, at the front of the line, gives up after 1 s. The item put
        // at 2 s must reach the second one.
        let first = glassloop::spawn({
            let q = q.clone();
            async move { glassloop::timeout(secs(1), q.get()).await.ok() }
        });
        let second = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        glassloop::sleep(secs(2)).await;
        q.put_nowait("item").unwrap();
        (first.await.unwrap(), second.await.unwrap())
    });
    assert_eq!(first, None);
    assert_eq!(second, "item");
}

#[test]
fn a_getter_notified_then_dropped_passes_the_item_on() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let q: Queue<u8> = Queue::unbounded();
        let first = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        let second = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        glassloop::yield_now().await; // both wait, first in line
        q.put_nowait(7).unwrap(); // notifies `first`
        first.abort(); // ...which is cancelled before it can take the item
        assert!(first.await.unwrap_err().is_cancelled());
        assert_eq!(second.await.unwrap(), 7);
    });
}

#[test]
fn lock_is_fair_first_come_first_served() {
    let rt = virtual_runtime();
    let order = rt.block_on(async {
        let lock = Lock::new(Vec::new());
        let holder = lock.lock().await; // held while the others line up
        let tasks: Vec<_> = (0..5)
            .map(|i| {
                let lock = lock.clone();
                glassloop::spawn(async move {
                    let mut guard = lock.lock().await;
                    guard.push(i);
                    glassloop::sleep(secs(1)).await;
                })
            })
            .collect();
        glassloop::yield_now().await;
        assert!(lock.is_locked());
        assert!(lock.try_lock().is_none());
        drop(holder);
        for t in tasks {
            t.await.unwrap();
        }
        let order = lock.lock().await.clone();
        order
    });
    assert_eq!(order, vec![0, 1, 2, 3, 4]);
}

#[test]
fn semaphore_limits_concurrency_and_returns_permits_on_drop() {
    let rt = virtual_runtime();
    let (max_seen, took) = rt.block_on(async {
        let sem = Semaphore::new(3);
        let active = Rc::new(RefCell::new((0usize, 0usize)));
        let start = glassloop::now();
        let jobs = (0..9).map(|_| {
            let sem = sem.clone();
            let active = active.clone();
            async move {
                let _permit = sem.acquire().await;
                {
                    let mut a = active.borrow_mut();
                    a.0 += 1;
                    a.1 = a.1.max(a.0);
                }
                glassloop::sleep(secs(1)).await;
                active.borrow_mut().0 -= 1;
            }
        });
        glassloop::gather(jobs).await;
        assert_eq!(sem.available_permits(), 3);
        // A permit taken by a cancelled acquire comes back.
        let held = sem.acquire().await;
        let _a = sem.acquire().await;
        let _b = sem.acquire().await;
        let waiting = glassloop::timeout(secs(1), sem.acquire()).await;
        assert!(waiting.is_err());
        drop(held);
        assert_eq!(sem.available_permits(), 1);
        let max = active.borrow().1;
        (max, glassloop::now() - start)
    });
    assert_eq!(max_seen, 3);
    assert_eq!(took, secs(4)); // 9 jobs / 3 at a time × 1 s, plus the 1 s timeout
}

#[test]
fn event_set_clear_wait() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let event = Event::new();
        assert!(!event.is_set());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let event = event.clone();
                glassloop::spawn(async move {
                    event.wait().await;
                    glassloop::now()
                })
            })
            .collect();
        glassloop::sleep(secs(2)).await;
        let set_at = glassloop::now();
        event.set();
        event.clear(); // waiters woken by set still return
        for w in waiters {
            assert_eq!(w.await.unwrap(), set_at);
        }
        assert!(!event.is_set());
        assert!(glassloop::timeout(secs(1), event.wait()).await.is_err());
        event.set();
        event.wait().await; // already set: at once
    });
}

#[test]
fn select_drops_the_loser() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = virtual_runtime();
    let outcome = rt.block_on({
        let drops = drops.clone();
        async move {
            let guard = DropCounter(drops.clone());
            let loser = async move {
                let _guard = guard;
                glassloop::sleep(secs(10)).await;
                "loser"
            };
            let winner = async {
                glassloop::sleep(secs(1)).await;
                5u32
            };
            glassloop::select! {
                text = loser => text.to_string(),
                n = winner => {
                    // The loser is already gone when the winning branch runs.
                    assert_eq!(drops.load(Ordering::SeqCst), 1);
                    format!("winner {n}")
                },
            }
        }
    });
    assert_eq!(outcome, "winner 5");
    assert_eq!(
        rt.stats().armed_timers,
        0,
        "the loser's timer left the wheel"
    );
}

#[test]
fn race_returns_the_first() {
    let rt = virtual_runtime();
    let (who, at) = rt.block_on(async {
        let start = glassloop::now();
        let a = async {
            glassloop::sleep(secs(3)).await;
            "a"
        };
        let b = async {
            glassloop::sleep(secs(2)).await;
            "b"
        };
        (glassloop::race(a, b).await, glassloop::now() - start)
    });
    assert_eq!((who, at), ("b", secs(2)));
}

#[test]
fn as_completed_yields_in_completion_order() {
    let rt = virtual_runtime();
    let order = rt.block_on(async {
        let waits = [5u64, 1, 4, 2, 3].map(|s| async move {
            glassloop::sleep(secs(s)).await;
            s
        });
        let mut done = glassloop::as_completed(waits);
        assert_eq!(done.remaining(), 5);
        let mut order = Vec::new();
        while let Some(s) = done.next().await {
            order.push(s);
        }
        order
    });
    assert_eq!(order, vec![1, 2, 3, 4, 5]);
}

#[test]
fn interval_ticks_exactly_on_virtual_time() {
    let rt = virtual_runtime();
    let ticks = rt.block_on(async {
        let start = glassloop::now();
        let mut every = glassloop::time::interval(Duration::from_millis(250));
        let mut ticks = Vec::new();
        for _ in 0..5 {
            ticks.push((every.tick().await - start).as_millis());
        }
        ticks
    });
    assert_eq!(ticks, vec![0, 250, 500, 750, 1000]);
}

#[test]
fn interval_missed_tick_behaviours() {
    for (behavior, expected) in [
        (MissedTickBehavior::Burst, vec![0, 1000, 2000, 3000, 4000]),
        (MissedTickBehavior::Delay, vec![0, 1000, 2000, 4500, 5500]),
        (MissedTickBehavior::Skip, vec![0, 1000, 2000, 4000, 5000]),
    ] {
        let rt = virtual_runtime();
        let ticks = rt.block_on(async move {
            let start = glassloop::now();
            let mut every = glassloop::time::interval(secs(1));
            every.set_missed_tick_behavior(behavior);
            let mut ticks = Vec::new();
            for i in 0..5 {
                ticks.push((every.tick().await - start).as_millis());
                if i == 1 {
                    // The loop is blocked for 2.5 s: ticks at 2 s and 3 s are missed.
                    glassloop::blocking_sleep(Duration::from_millis(2500));
                }
            }
            ticks
        });
        // A tick reports the time it was scheduled for. The 2 s tick fires late (at 3.5 s) in every
        // mode; what differs is the schedule after it: Burst keeps it (3 s fires at once), Delay
        // restarts it from 3.5 s, Skip jumps to the next slot on it (4 s).
        assert_eq!(ticks, expected, "{behavior:?}");
    }
}

#[test]
fn sleep_reset_moves_an_armed_timer() {
    let rt = virtual_runtime();
    let at = rt.block_on(async {
        let start = glassloop::now();
        let mut sleep = glassloop::sleep(secs(10));
        // Armed by a first poll, then moved earlier while armed.
        assert!(glassloop::timeout(Duration::ZERO, &mut sleep)
            .await
            .is_err());
        sleep.reset(start + secs(2));
        sleep.await;
        glassloop::now() - start
    });
    assert_eq!(at, secs(2));
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn advance_steps_virtual_time() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let start = glassloop::now();
        let alarm = glassloop::spawn(glassloop::sleep(secs(10)));
        glassloop::time::advance(secs(9)).await;
        assert!(!alarm.is_finished());
        assert_eq!(glassloop::now() - start, secs(9));
        glassloop::time::advance(secs(1)).await;
        assert!(alarm.is_finished());
    });
    let real = glassloop::Runtime::new().unwrap();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        real.block_on(glassloop::time::advance(secs(1)))
    }));
    assert!(support::panic_text(refused.unwrap_err()).contains("virtual time"));
}

#[test]
fn task_group_cancels_siblings_on_first_failure() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = virtual_runtime();
    let (result, at, slow) = rt.block_on({
        let drops = drops.clone();
        async move {
            let start = glassloop::now();
            let group: TaskGroup<String> = TaskGroup::new();
            let ok = group.spawn(async { Ok(1) });
            let mut slow = Vec::new();
            for i in 0..3u64 {
                let guard = DropCounter(drops.clone());
                slow.push(group.spawn(async move {
                    let _guard = guard;
                    glassloop::sleep(secs(100 + i)).await;
                    Ok(i)
                }));
            }
            drop(group.spawn(async {
                glassloop::sleep(secs(2)).await;
                Err::<(), _>("boom".to_string())
            }));
            let result = group.join().await;
            assert_eq!(ok.await.unwrap(), 1);
            let mut slow_results = Vec::new();
            for h in slow {
                slow_results.push(h.await.unwrap_err().is_cancelled());
            }
            (result, glassloop::now() - start, slow_results)
        }
    });
    match result {
        Err(TaskGroupError::Failed(message)) => assert_eq!(message, "boom"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(at, secs(2), "the group ended when the first child failed");
    assert_eq!(slow, vec![true, true, true]);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert_eq!(rt.stats().armed_timers, 0);
}

#[test]
fn task_group_success_and_panic() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let group: TaskGroup<()> = TaskGroup::new();
        let handles: Vec<_> = (0..5u64)
            .map(|i| {
                group.spawn(async move {
                    glassloop::sleep(secs(i)).await;
                    Ok(i * 10)
                })
            })
            .collect();
        assert!(group.join().await.is_ok());
        let mut values = Vec::new();
        for h in handles {
            values.push(h.await.unwrap());
        }
        assert_eq!(values, vec![0, 10, 20, 30, 40]);

        let group: TaskGroup<()> = TaskGroup::new();
        let sibling = group.spawn(async {
            glassloop::sleep(secs(60)).await;
            Ok(())
        });
        let bad = group.spawn(async {
            glassloop::sleep(secs(1)).await;
            if true {
                panic!("child panic");
            }
            Ok(())
        });
        match group.join().await {
            Err(TaskGroupError::Panicked(e)) => assert!(e.to_string().contains("child panic")),
            other => panic!("unexpected {other:?}"),
        }
        assert!(bad.await.unwrap_err().is_panic());
        assert!(sibling.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn dropping_a_task_group_cancels_its_children() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = virtual_runtime();
    rt.block_on({
        let drops = drops.clone();
        async move {
            let group: TaskGroup<()> = TaskGroup::new();
            for _ in 0..4 {
                let guard = DropCounter(drops.clone());
                drop(group.spawn(async move {
                    let _guard = guard;
                    glassloop::sleep(secs(100)).await;
                    Ok(())
                }));
            }
            glassloop::yield_now().await;
            drop(group);
            assert_eq!(drops.load(Ordering::SeqCst), 4);
        }
    });
    assert_eq!(rt.stats().live_tasks, 0);
}

#[test]
fn a_long_lived_task_group_does_not_pile_up_finished_children() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let group: TaskGroup<()> = TaskGroup::new();
        for round in 0..100u64 {
            for _ in 0..100 {
                drop(group.spawn(async move {
                    glassloop::sleep(secs(round % 3)).await;
                    Ok(())
                }));
            }
            glassloop::sleep(secs(3)).await;
        }
        assert_eq!(group.children_alive(), 0);
        assert!(group.join().await.is_ok());
    });
}
