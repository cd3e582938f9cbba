//! The cooperative budget — tokio's `coop` (reference: `tokio/tests/rt_common.rs`, `coop` and
//! `coop_unconstrained`; `tokio/tests/coop_budget.rs`): a task that is always ready is made to
//! yield, so it cannot starve timers, I/O or other tasks — nor the `timeout` meant to stop it.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use glassloop::sync::{Queue, Semaphore};

use crate::support::Capture;

// The issue's own case: `timeout` around a loop over an always-ready queue.
#[test]
fn a_timeout_fires_around_a_future_that_is_always_ready() {
    crate::support::virtual_runtime().block_on(async {
        let q = Queue::unbounded();
        q.put_nowait(()).unwrap();
        let spins = Cell::new(0u64);
        let spin = async {
            loop {
                // Take the item and put it back: `get` is always ready.
                let item = q.get().await;
                q.put_nowait(item).unwrap();
                spins.set(spins.get() + 1);
                // Under virtual time the clock moves only when the loop is idle: make this
                // loop's work take time, as a real one would.
                glassloop::blocking_sleep(Duration::from_micros(100));
            }
        };
        let result = glassloop::timeout(Duration::from_millis(50), spin).await;
        assert!(result.is_err(), "the timeout fired");
        assert!(
            spins.get() >= 128,
            "the spinning future ran: {}",
            spins.get()
        );
    });
}

// rt_common.rs: coop — tasks that loop over always-ready operations still let each other run.
#[test]
fn spinning_tasks_take_turns() {
    crate::support::virtual_runtime().block_on(async {
        let sem = Semaphore::new(1);
        let turns = Rc::new(Cell::new(Vec::<u8>::new()));
        let spinner = |tag: u8| {
            let (sem, turns) = (sem.clone(), turns.clone());
            glassloop::spawn(async move {
                for _ in 0..300 {
                    // Acquiring a free permit is always ready.
                    drop(sem.acquire().await);
                    let mut seen = turns.take();
                    if seen.last() != Some(&tag) {
                        seen.push(tag);
                    }
                    turns.set(seen);
                }
            })
        };
        let (a, b) = (spinner(b'a'), spinner(b'b'));
        a.await.unwrap();
        b.await.unwrap();
        // 300 operations each, 128 a poll: each task ran at least three times, in turn.
        let order = turns.take();
        assert!(
            order.len() >= 5,
            "the tasks took turns: {:?}",
            String::from_utf8_lossy(&order)
        );
    });
}

// The trace says when a task is made to yield.
#[test]
fn the_trace_shows_a_task_made_to_yield() {
    let capture = Capture::default();
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .trace(true)
        .trace_to(capture.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        let spinner = glassloop::spawn_named("spinner", async {
            let q = Queue::unbounded();
            for i in 0..200 {
                q.put_nowait(i).unwrap();
                q.get().await;
            }
        });
        spinner.await.unwrap();
    });
    drop(rt);
    let trace = capture.text();
    assert!(
        trace.contains(
            "task 1 'spinner' made to yield: its budget of 128 operations in one poll is spent"
        ),
        "{trace}"
    );
}

// rt_common.rs: coop_unconstrained-like — outside a glassloop task's poll there is no budget:
// a future polled by hand completes as many operations as it likes.
#[test]
fn outside_a_task_nothing_is_limited() {
    let q = Queue::unbounded();
    let waker = futures_task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    for i in 0..1000 {
        q.put_nowait(i).unwrap();
        let mut get = std::pin::pin!(q.get());
        assert_eq!(get.as_mut().poll(&mut cx), std::task::Poll::Ready(i));
    }
}
