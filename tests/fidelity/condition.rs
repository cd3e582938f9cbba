//! `sync::Condition` — asyncio's `Condition` (reference: CPython's
//! `Lib/test/test_asyncio/test_locks.py`, `ConditionTests`).

use std::cell::RefCell;
use std::rc::Rc;

use glassloop::sync::Condition;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

/// Three tasks that each wait once and then note their number.
fn waiters(cond: &Condition, seen: &Rc<RefCell<Vec<u32>>>) -> Vec<glassloop::JoinHandle<()>> {
    (1..=3)
        .map(|n| {
            let (cond, seen) = (cond.clone(), seen.clone());
            glassloop::spawn(async move {
                let guard = cond.lock().await;
                let _guard = guard.wait().await;
                seen.borrow_mut().push(n);
            })
        })
        .collect()
}

// test_locks.py: ConditionTests.test_wait — a waiter runs only once notified, with the lock held.
// test_notify — notify(1) wakes one, notify(2) the next two, in order.
#[test]
fn notify_wakes_that_many_waiters_in_order() {
    run(async {
        let cond = Condition::new(());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let tasks = waiters(&cond, &seen);
        glassloop::yield_now().await;
        assert!(!cond.is_locked(), "waiting releases the lock");
        assert!(seen.borrow().is_empty());
        cond.lock().await.notify(1);
        glassloop::yield_now().await;
        glassloop::yield_now().await;
        assert_eq!(*seen.borrow(), [1]);
        cond.lock().await.notify(2);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*seen.borrow(), [1, 2, 3]);
    });
}

// test_locks.py: ConditionTests.test_notify_all
#[test]
fn notify_all_wakes_everyone() {
    run(async {
        let cond = Condition::new(());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let tasks = waiters(&cond, &seen);
        glassloop::yield_now().await;
        cond.lock().await.notify_all();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*seen.borrow(), [1, 2, 3]);
    });
}

// test_locks.py: ConditionTests.test_wait_for — the predicate is checked with the lock held, and
// wait_for returns once it holds.
#[test]
fn wait_for_returns_once_the_predicate_holds() {
    run(async {
        let cond = Condition::new(0);
        let waiter = glassloop::spawn({
            let cond = cond.clone();
            async move { *cond.lock().await.wait_for(|n| *n == 3).await }
        });
        for _ in 0..3 {
            glassloop::yield_now().await;
            let mut guard = cond.lock().await;
            *guard += 1;
            guard.notify_all();
        }
        assert_eq!(waiter.await.unwrap(), 3);
    });
}

// test_locks.py: ConditionTests.test_wait_cancel, test_cancelled_error_wakeup (3.13: a notified
// waiter that is cancelled passes the notification on).
#[test]
fn a_cancelled_waiter_passes_its_notification_on() {
    run(async {
        let cond = Condition::new(());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let mut tasks = waiters(&cond, &seen).into_iter();
        let first = tasks.next().unwrap();
        glassloop::yield_now().await;
        cond.lock().await.notify(1); // meant for the first …
        first.abort(); // … which is cancelled before it runs
        glassloop::yield_now().await;
        glassloop::yield_now().await;
        assert_eq!(
            *seen.borrow(),
            [2],
            "the second waiter got the notification"
        );
        cond.lock().await.notify(1);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*seen.borrow(), [2, 3]);
    });
}
