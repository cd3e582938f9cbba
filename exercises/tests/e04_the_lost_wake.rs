//! Exercise 4: the lost wake. A wrong answer hangs; `within` stops it and fails the test.

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use glassloop_exercises::e04_the_lost_wake::MiniLoop;

/// Pending `times` times, waking itself during each of those polls.
struct Yields(u32);

impl Future for Yields {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn a_task_that_wakes_itself_during_its_poll_runs_again() {
    support::within(Duration::from_secs(3), "a self-waking task", || {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut mini = MiniLoop::default();
        for name in ["a", "b"] {
            let log = log.clone();
            mini.spawn(async move {
                for round in 0..3 {
                    log.borrow_mut().push(format!("{name}{round}"));
                    Yields(1).await;
                }
            });
        }
        mini.run();
        assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
    });
}

/// Ready once another thread has woken it (after `delay`).
struct WokenFromAThread {
    started: bool,
    delay: Duration,
}

impl Future for WokenFromAThread {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.started {
            return Poll::Ready(());
        }
        self.started = true;
        let (waker, delay) = (cx.waker().clone(), self.delay);
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            waker.wake();
        });
        Poll::Pending
    }
}

#[test]
fn a_task_woken_from_another_thread_runs_again() {
    support::within(Duration::from_secs(3), "a wake from a thread", || {
        let mut mini = MiniLoop::default();
        mini.spawn(async {
            WokenFromAThread {
                started: false,
                delay: Duration::from_millis(20),
            }
            .await;
            Yields(2).await;
        });
        mini.run();
    });
}
