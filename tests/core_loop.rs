//! The loop's contract: spawn, join, abort, panics, wakes from other threads, shutdown, ordering.

mod support;

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use glassloop::{JoinHandle, Runtime};
use support::{panic_text, DropCounter};

#[test]
fn run_returns_the_output() {
    assert_eq!(glassloop::run(async { 40 + 2 }), 42);
}

#[test]
fn spawned_task_output_reaches_the_handle() {
    let out = glassloop::run(async {
        let h = glassloop::spawn(async { "hello".to_string() });
        h.await.unwrap()
    });
    assert_eq!(out, "hello");
}

#[test]
fn outputs_that_are_not_send_work() {
    let value = glassloop::run(async {
        let h: JoinHandle<Rc<u32>> = glassloop::spawn(async { Rc::new(5) });
        h.await.unwrap()
    });
    assert_eq!(*value, 5);
}

#[test]
fn ready_tasks_run_in_fifo_order() {
    let order = Rc::new(RefCell::new(Vec::new()));
    glassloop::run({
        let order = order.clone();
        async move {
            let handles: Vec<_> = (0..10)
                .map(|i| {
                    let order = order.clone();
                    glassloop::spawn(async move { order.borrow_mut().push(i) })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    assert_eq!(*order.borrow(), (0..10).collect::<Vec<_>>());
}

#[test]
fn yielding_tasks_interleave_round_robin() {
    let order = Rc::new(RefCell::new(Vec::new()));
    glassloop::run({
        let order = order.clone();
        async move {
            let handles: Vec<_> = (0..3)
                .map(|i| {
                    let order = order.clone();
                    glassloop::spawn(async move {
                        for step in 0..3 {
                            order.borrow_mut().push((i, step));
                            glassloop::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    let expected: Vec<_> = (0..3).flat_map(|s| (0..3).map(move |i| (i, s))).collect();
    assert_eq!(*order.borrow(), expected);
}

#[test]
fn a_task_woken_twice_while_queued_is_polled_once() {
    let polls = Rc::new(Cell::new(0));
    let waker_slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    glassloop::run({
        let polls = polls.clone();
        let waker_slot = waker_slot.clone();
        async move {
            let task = glassloop::spawn({
                let polls = polls.clone();
                let waker_slot = waker_slot.clone();
                poll_fn(move |cx| {
                    polls.set(polls.get() + 1);
                    *waker_slot.borrow_mut() = Some(cx.waker().clone());
                    if polls.get() >= 2 {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
            });
            glassloop::yield_now().await; // let it run once and park
            assert_eq!(polls.get(), 1);
            let waker = waker_slot.borrow().clone().unwrap();
            waker.wake_by_ref();
            waker.wake_by_ref();
            waker.wake();
            task.await.unwrap();
        }
    });
    assert_eq!(polls.get(), 2);
}

#[test]
fn a_wake_during_its_own_poll_requeues_once() {
    let polls = Rc::new(Cell::new(0));
    glassloop::run({
        let polls = polls.clone();
        async move {
            glassloop::spawn(support::CountPolls {
                polls,
                pending_polls: 3,
            })
            .await
            .unwrap();
        }
    });
    // Three pending polls that each woke the task during the poll, then the ready one.
    assert_eq!(polls.get(), 4);
}

#[test]
fn a_finished_task_is_never_polled_again() {
    let polls = Rc::new(Cell::new(0));
    let waker_slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    glassloop::run({
        let polls = polls.clone();
        let waker_slot = waker_slot.clone();
        async move {
            let slot = waker_slot.clone();
            glassloop::spawn(poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                *slot.borrow_mut() = Some(cx.waker().clone());
                Poll::Ready(())
            }))
            .await
            .unwrap();
            // A late wake for a finished task is ignored.
            waker_slot.borrow().clone().unwrap().wake();
            glassloop::yield_now().await;
            glassloop::yield_now().await;
        }
    });
    assert_eq!(polls.get(), 1);
}

#[test]
fn abort_cancels_and_drops_the_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let err = glassloop::run({
        let drops = drops.clone();
        async move {
            let guard = DropCounter(drops.clone());
            let h = glassloop::spawn(async move {
                let _guard = guard;
                glassloop::sleep(Duration::from_secs(3600)).await;
            });
            glassloop::yield_now().await; // it is now waiting on its timer
            h.abort();
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "abort drops the future at once"
            );
            assert!(h.is_finished());
            h.await.unwrap_err()
        }
    });
    assert!(err.is_cancelled());
    assert!(!err.is_panic());
}

#[test]
fn abort_before_first_poll_and_from_inside_the_task() {
    glassloop::run(async {
        let ran = Rc::new(Cell::new(false));
        let h = glassloop::spawn({
            let ran = ran.clone();
            async move { ran.set(true) }
        });
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
        assert!(!ran.get(), "an aborted task never runs");

        // A task that aborts itself stops at its next await point.
        let slot: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
        let after = Rc::new(Cell::new(false));
        let h = glassloop::spawn({
            let slot = slot.clone();
            let after = after.clone();
            async move {
                glassloop::yield_now().await;
                if let Some(me) = slot.borrow().as_ref() {
                    me.abort();
                }
                glassloop::yield_now().await;
                after.set(true);
            }
        });
        let handle_for_task = glassloop::spawn(async {});
        drop(handle_for_task);
        *slot.borrow_mut() = Some(h);
        glassloop::sleep(Duration::from_millis(5)).await;
        let h = slot.borrow_mut().take().unwrap();
        assert!(h.is_finished());
        assert!(h.await.unwrap_err().is_cancelled());
        assert!(!after.get());
    });
}

#[test]
fn a_panicking_task_does_not_stop_the_loop() {
    let (err, other) = glassloop::run(async {
        let bad = glassloop::spawn(async {
            glassloop::yield_now().await;
            panic!("this task fails on purpose");
        });
        let good = glassloop::spawn(async {
            for _ in 0..5 {
                glassloop::yield_now().await;
            }
            "still running"
        });
        // A detached task that panics is reported on stderr and does not stop anything either.
        drop(glassloop::spawn(async { panic!("detached failure") }));
        (bad.await.unwrap_err(), good.await.unwrap())
    });
    assert!(err.is_panic());
    assert!(!err.is_cancelled());
    assert_eq!(err.panic_message(), Some("this task fails on purpose"));
    assert!(err.to_string().contains("this task fails on purpose"));
    assert_eq!(other, "still running");
}

#[test]
fn spawn_outside_a_loop_panics_with_advice() {
    let result = std::panic::catch_unwind(|| {
        drop(glassloop::spawn(async {}));
    });
    let message = support::panic_text(result.unwrap_err());
    assert!(
        message.contains("outside a running glassloop loop"),
        "{message}"
    );
    assert!(message.contains("Runtime::spawn"), "{message}");
}

#[test]
fn run_inside_a_loop_panics_without_breaking_the_outer_loop() {
    let outcome = glassloop::run(async {
        let nested = std::panic::catch_unwind(|| glassloop::run(async { 1 }));
        let message = support::panic_text(nested.unwrap_err());
        // The outer loop still works after the nested attempt.
        glassloop::sleep(Duration::from_millis(1)).await;
        let task = glassloop::spawn(async { 2 }).await.unwrap();
        (message, task)
    });
    assert!(
        outcome.0.contains("inside a running glassloop loop"),
        "{}",
        outcome.0
    );
    assert_eq!(outcome.1, 2);
}

#[test]
fn block_on_inside_a_loop_panics() {
    let rt = Runtime::new().unwrap();
    let inner = Runtime::new().unwrap();
    let message = rt.block_on(async {
        support::panic_text(
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.block_on(async {})))
                .unwrap_err(),
        )
    });
    assert!(message.contains("Runtime::block_on"), "{message}");
}

#[test]
fn tasks_spawned_before_block_on_run_and_pending_ones_survive_it() {
    let rt = Runtime::new().unwrap();
    let counter = Rc::new(Cell::new(0));
    let early = rt.spawn({
        let counter = counter.clone();
        async move {
            counter.set(counter.get() + 1);
            glassloop::sleep(Duration::from_millis(20)).await;
            counter.set(counter.get() + 1);
            "late"
        }
    });
    rt.block_on(glassloop::yield_now());
    assert_eq!(counter.get(), 1, "started during the first block_on");
    assert_eq!(rt.block_on(early).unwrap(), "late");
    assert_eq!(counter.get(), 2);
    assert_eq!(rt.stats().live_tasks, 0);
}

#[test]
fn a_handle_aborted_or_dropped_between_block_ons_is_honoured() {
    let rt = Runtime::new().unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCounter(drops.clone());
    let h = rt.spawn(async move {
        let _guard = guard;
        glassloop::sleep(Duration::from_secs(3600)).await;
    });
    rt.block_on(glassloop::yield_now());
    h.abort();
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
    let detached = rt.spawn(async { 5 });
    drop(detached);
    rt.block_on(glassloop::yield_now());
    assert_eq!(rt.stats().live_tasks, 0);
}

#[test]
fn dropping_a_runtime_drops_every_pending_task() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new().unwrap();
    rt.block_on({
        let drops = drops.clone();
        async move {
            for i in 0..1000 {
                let guard = DropCounter(drops.clone());
                drop(glassloop::spawn(async move {
                    let _guard = guard;
                    if i % 2 == 0 {
                        glassloop::sleep(Duration::from_secs(3600)).await;
                    } else {
                        std::future::pending::<()>().await;
                    }
                }));
            }
            glassloop::yield_now().await;
        }
    });
    assert_eq!(rt.stats().live_tasks, 1000);
    assert_eq!(rt.stats().armed_timers, 500);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(rt);
    assert_eq!(drops.load(Ordering::SeqCst), 1000);
}

#[test]
fn run_drops_the_tasks_left_when_main_returns() {
    let drops = Arc::new(AtomicUsize::new(0));
    glassloop::run({
        let drops = drops.clone();
        async move {
            let guard = DropCounter(drops);
            drop(glassloop::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            }));
            glassloop::yield_now().await;
        }
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// Destructors that spawn, sleep or wake during shutdown do not break it.
#[test]
fn shutdown_survives_destructors_that_use_the_loop() {
    struct Nasty;
    impl Drop for Nasty {
        fn drop(&mut self) {
            let h = glassloop::spawn(async {});
            let cancelled = std::thread::scope(|_| h.is_finished());
            assert!(cancelled);
            drop(glassloop::sleep(Duration::from_secs(1)));
        }
    }
    struct Panicky;
    impl Drop for Panicky {
        fn drop(&mut self) {
            panic!("a destructor that panics during shutdown");
        }
    }
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        drop(glassloop::spawn(async {
            let _n = Nasty;
            std::future::pending::<()>().await;
        }));
        drop(glassloop::spawn(async {
            let _p = Panicky;
            std::future::pending::<()>().await;
        }));
        glassloop::yield_now().await;
    });
    drop(rt); // must not panic or hang
}

#[test]
fn a_waker_woken_from_another_thread_wakes_a_parked_loop() {
    let start = Instant::now();
    let got = glassloop::run(async {
        let shared: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
        let for_thread = shared.clone();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            let waker = {
                let mut state = for_thread.lock().unwrap();
                state.0 = true;
                state.1.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        // No timer is armed: the loop parks in the selector with no timeout, and only the
        // cross-thread wake can get it out.
        poll_fn(|cx| {
            let mut state = shared.lock().unwrap();
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
        thread.join().unwrap();
        "woken"
    });
    assert_eq!(got, "woken");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn wakes_from_many_threads_wake_their_tasks() {
    let total = glassloop::run(async {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                glassloop::spawn(async {
                    let flag: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
                    let f2 = flag.clone();
                    poll_fn(move |cx| {
                        let mut s = flag.lock().unwrap();
                        if s.0 {
                            return Poll::Ready(());
                        }
                        if s.1.is_none() {
                            s.1 = Some(cx.waker().clone());
                            let f3 = f2.clone();
                            std::thread::spawn(move || {
                                let mut s = f3.lock().unwrap();
                                s.0 = true;
                                if let Some(w) = s.1.take() {
                                    w.wake();
                                }
                            });
                        }
                        Poll::Pending
                    })
                    .await;
                    1
                })
            })
            .collect();
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, 8);
}

#[test]
fn a_waker_woken_after_the_runtime_is_gone_does_nothing() {
    let kept: Rc<RefCell<Option<Waker>>> = Rc::default();
    {
        let rt = Runtime::new().unwrap();
        let kept = kept.clone();
        rt.block_on(async move {
            drop(glassloop::spawn(poll_fn(move |cx| {
                *kept.borrow_mut() = Some(cx.waker().clone());
                Poll::<()>::Pending
            })));
            glassloop::yield_now().await;
        });
    }
    let waker = kept.borrow_mut().take().unwrap();
    waker.wake_by_ref();
    // From another thread too.
    std::thread::spawn(move || waker.wake()).join().unwrap();
    // And inside a different loop.
    glassloop::run(async {
        glassloop::yield_now().await;
    });
}

#[test]
fn wakes_across_two_loops_on_one_thread_go_to_the_right_loop() {
    let other = Runtime::new().unwrap();
    let waker_slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let polls = Rc::new(Cell::new(0));
    let h = other.spawn({
        let waker_slot = waker_slot.clone();
        let polls = polls.clone();
        poll_fn(move |cx| {
            polls.set(polls.get() + 1);
            *waker_slot.borrow_mut() = Some(cx.waker().clone());
            if polls.get() == 2 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    });
    other.block_on(glassloop::yield_now());
    assert_eq!(polls.get(), 1);
    // Woken while a *different* loop runs on this thread: it must not be scheduled there.
    glassloop::run(async {
        waker_slot.borrow().clone().unwrap().wake();
        glassloop::yield_now().await;
    });
    assert_eq!(polls.get(), 1);
    other.block_on(h).unwrap();
    assert_eq!(polls.get(), 2);
}

#[test]
fn many_tasks_finish_and_leave_nothing_behind() {
    let rt = Runtime::new().unwrap();
    let sum = rt.block_on(async {
        let handles: Vec<_> = (0..10_000u64)
            .map(|i| glassloop::spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..10_000u64).sum::<u64>());
    let stats = rt.stats();
    assert_eq!(stats.live_tasks, 0);
    assert_eq!(stats.armed_timers, 0);
}

/// A future polled through `Pin<&mut dyn Future>`, to be sure nothing requires `Unpin`.
#[test]
fn futures_that_are_not_unpin_work_everywhere() {
    async fn not_unpin() -> u8 {
        let local = 3;
        glassloop::yield_now().await;
        local
    }
    let out = glassloop::run(async {
        let spawned = glassloop::spawn(not_unpin()).await.unwrap();
        let gathered = glassloop::gather([not_unpin(), not_unpin()]).await;
        let timed = glassloop::timeout(Duration::from_secs(1), not_unpin())
            .await
            .unwrap();
        let (a, b) = glassloop::gather!(not_unpin(), async { 1u8 }).await;
        spawned + gathered.iter().sum::<u8>() + timed + a + b
    });
    assert_eq!(out, 3 + 6 + 3 + 3 + 1);
    let _ = |f: Pin<&mut dyn Future<Output = ()>>, cx: &mut Context<'_>| f.poll(cx);
}

#[test]
fn is_finished_answers_from_any_thread() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let gate = glassloop::sync::Event::new();
        let waiter = glassloop::spawn({
            let gate = gate.clone();
            async move { gate.wait().await }
        });
        glassloop::yield_now().await;
        // Asked on a helper thread while the task waits, then once it has finished.
        let ask = |handle: JoinHandle<()>| {
            glassloop::to_thread(move || {
                let finished = handle.is_finished();
                (handle, finished)
            })
        };
        let (waiter, finished) = ask(waiter).await.unwrap();
        assert!(!finished, "the task is still waiting");
        gate.set();
        glassloop::yield_now().await;
        let (waiter, finished) = ask(waiter).await.unwrap();
        assert!(finished, "the task has finished");
        waiter.await.unwrap();
    });
    // A handle whose loop has shut down has finished too (the runtime cancelled its task).
    let pending = rt.spawn(std::future::pending::<()>());
    drop(rt);
    assert!(std::thread::spawn(move || pending.is_finished())
        .join()
        .unwrap());
}

/// Polls the future `make` makes to completion, then once more, and returns the second poll's
/// panic message.
fn poll_twice<F: Future + Unpin>(make: impl FnOnce() -> F) -> String {
    glassloop::run(async move {
        let mut future = make();
        (&mut future).await;
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let waker = futures_task::noop_waker();
            let _ = Pin::new(&mut future).poll(&mut Context::from_waker(&waker));
        }));
        panic_text(again.expect_err("a second poll of a one-shot future panics"))
    })
}

#[test]
fn one_shot_futures_panic_when_polled_again_and_level_like_ones_stay_ready() {
    let message = poll_twice(|| glassloop::spawn(async { 1 }));
    assert!(message.contains("JoinHandle was polled again"), "{message}");
    let message = poll_twice(|| glassloop::gather([1, 2].map(|n| async move { n })));
    assert!(message.contains("gather was polled again"), "{message}");
    let message = poll_twice(|| glassloop::try_gather([async { Ok::<_, ()>(1) }]));
    assert!(message.contains("gather was polled again"), "{message}");
    let message = poll_twice(|| Box::pin(glassloop::timeout(Duration::from_secs(1), async {})));
    assert!(message.contains("resumed after completion"), "{message}");
    glassloop::run(async {
        let queue = glassloop::sync::Queue::unbounded();
        let mut put = queue.put(1);
        (&mut put).await;
        let mut get = queue.get();
        assert_eq!((&mut get).await, 1);
        queue.put_nowait(2).unwrap();
        let waker = futures_task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        for (what, again) in [
            (
                "Queue::put",
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let _ = Pin::new(&mut put).poll(&mut cx);
                })),
            ),
            (
                "Queue::get",
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let _ = Pin::new(&mut get).poll(&mut cx);
                })),
            ),
        ] {
            let message = panic_text(again.expect_err("one-shot"));
            assert!(message.contains(what), "{message}");
        }
        // The second item was not taken by the second poll.
        assert_eq!(queue.len(), 1);
        let semaphore = glassloop::sync::Semaphore::new(2);
        let mut acquire = semaphore.acquire();
        let permit = (&mut acquire).await;
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = Pin::new(&mut acquire).poll(&mut cx);
        }));
        assert!(panic_text(again.unwrap_err()).contains("Semaphore::acquire"));
        assert_eq!(
            semaphore.available_permits(),
            1,
            "no second permit was taken"
        );
        drop(permit);
        // Level-like: a finished Sleep, a set Event's wait and a yield stay ready.
        let mut nap = glassloop::sleep(Duration::from_millis(1));
        (&mut nap).await;
        assert!(Pin::new(&mut nap).poll(&mut cx).is_ready());
        let event = glassloop::sync::Event::new();
        event.set();
        let mut wait = event.wait();
        (&mut wait).await;
        assert!(Pin::new(&mut wait).poll(&mut cx).is_ready());
        let mut yielded = glassloop::yield_now();
        (&mut yielded).await;
        assert!(Pin::new(&mut yielded).poll(&mut cx).is_ready());
    });
}
