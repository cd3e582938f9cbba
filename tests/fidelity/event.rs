//! `sync::Event` — asyncio's `Event` (reference: CPython's `Lib/test/test_asyncio/test_locks.py`,
//! `EventTests`).

use std::cell::RefCell;
use std::rc::Rc;

use glassloop::sync::Event;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

// test_locks.py: EventTests.test_wait — every waiter wakes on `set`, in the order they waited.
#[test]
fn set_wakes_every_waiter() {
    run(async {
        let event = Event::new();
        let woken = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (1..=3)
            .map(|n| {
                let (event, woken) = (event.clone(), woken.clone());
                glassloop::spawn(async move {
                    event.wait().await;
                    woken.borrow_mut().push(n);
                })
            })
            .collect();
        glassloop::yield_now().await;
        assert!(woken.borrow().is_empty());
        event.set();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*woken.borrow(), [1, 2, 3]);
    });
}

// test_locks.py: EventTests.test_wait_on_set — waiting on a set event returns at once.
// test_clear, test_clear_with_waiters — clear makes later waits wait again; a waiter woken by set
// before the clear still returns.
#[test]
fn clear_makes_later_waits_wait_but_not_the_woken_ones() {
    run(async {
        let event = Event::new();
        event.set();
        event.wait().await;
        assert!(event.is_set());
        event.clear();
        assert!(!event.is_set());
        let waiter = glassloop::spawn({
            let event = event.clone();
            async move { event.wait().await }
        });
        glassloop::yield_now().await;
        event.set();
        event.clear(); // before the waiter runs
        glassloop::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .expect("the woken waiter returned")
            .unwrap();
    });
}

// test_locks.py: EventTests.test_wait_cancel — a cancelled waiter leaves the list.
#[test]
fn a_cancelled_waiter_leaves() {
    run(async {
        let event = Event::new();
        let waiter = glassloop::spawn({
            let event = event.clone();
            async move { event.wait().await }
        });
        glassloop::yield_now().await;
        waiter.abort();
        assert!(waiter.await.unwrap_err().is_cancelled());
        event.set(); // nobody to wake, nothing breaks
        event.wait().await;
    });
}
