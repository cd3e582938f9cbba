//! Stress: wakes from eight threads at once against one loop, and one waker cloned into many places
//! and woken many times. Every wake lands, none is lost, and none polls a task twice for one wake
//! burst it did not need.

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

fn rounds() -> usize {
    if std::env::var_os("GLASSLOOP_STRESS").is_some() {
        20_000
    } else {
        2_000
    }
}

#[test]
fn eight_threads_waking_one_loop() {
    let rounds = rounds();
    let rt = glassloop::Runtime::new().unwrap();
    let total = rt.block_on(async move {
        let tasks = (0..8).map(|_| {
            glassloop::spawn(async move {
                // Each round: hand the waker to a thread, which sets the flag and wakes us.
                let flag = Arc::new(AtomicBool::new(false));
                let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
                let (sender, receiver) = std::sync::mpsc::channel::<()>();
                let thread = {
                    let flag = flag.clone();
                    let slot = slot.clone();
                    std::thread::spawn(move || {
                        while receiver.recv().is_ok() {
                            flag.store(true, Ordering::SeqCst);
                            if let Some(w) = slot.lock().unwrap().take() {
                                w.wake();
                            }
                        }
                    })
                };
                let mut done = 0;
                for _ in 0..rounds {
                    flag.store(false, Ordering::SeqCst);
                    sender.send(()).unwrap();
                    poll_fn(|cx| {
                        *slot.lock().unwrap() = Some(cx.waker().clone());
                        if flag.load(Ordering::SeqCst) {
                            Poll::Ready(())
                        } else {
                            Poll::Pending
                        }
                    })
                    .await;
                    done += 1;
                }
                drop(sender);
                thread.join().unwrap();
                done
            })
        });
        let mut total = 0;
        for t in tasks.collect::<Vec<_>>() {
            total += t.await.unwrap();
        }
        total
    });
    assert_eq!(total, 8 * rounds);
    assert_eq!(rt.stats().live_tasks, 0);
}

#[test]
fn one_waker_cloned_and_woken_many_times() {
    let rt = glassloop::Runtime::new().unwrap();
    let polls = Arc::new(AtomicUsize::new(0));
    rt.block_on({
        let polls = polls.clone();
        async move {
            let clones: Arc<Mutex<Vec<Waker>>> = Arc::default();
            let task = glassloop::spawn({
                let clones = clones.clone();
                let polls = polls.clone();
                poll_fn(move |cx| {
                    let n = polls.fetch_add(1, Ordering::SeqCst);
                    if n == 0 {
                        let mut clones = clones.lock().unwrap();
                        for _ in 0..10_000 {
                            clones.push(cx.waker().clone());
                        }
                        Poll::Pending
                    } else {
                        Poll::Ready(())
                    }
                })
            });
            glassloop::yield_now().await;
            let wakers = std::mem::take(&mut *clones.lock().unwrap());
            // Wake every clone, half from this thread and half from four others.
            let (here, there) = wakers.split_at(5_000);
            for w in here {
                w.wake_by_ref();
            }
            let there: Vec<Waker> = there.to_vec();
            let threads: Vec<_> = there
                .chunks(1_250)
                .map(|chunk| {
                    let chunk = chunk.to_vec();
                    std::thread::spawn(move || chunk.into_iter().for_each(Waker::wake))
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            task.await.unwrap();
            for w in wakers {
                w.wake(); // after the task finished: harmless
            }
            glassloop::yield_now().await;
        }
    });
    // 15,000 wakes, one poll: a task already queued is not queued again.
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}
