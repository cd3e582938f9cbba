//! `sync::Semaphore` and `sync::Lock` — asyncio's `Semaphore` and `Lock` (reference: CPython's
//! `Lib/test/test_asyncio/test_locks.py`).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use glassloop::sync::{Lock, Semaphore};

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

// test_locks.py: SemaphoreTests.test_acquire_fifo_order
#[test]
fn each_acquires_in_turn() {
    run(async {
        let sem = Semaphore::new(1);
        let result = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = ["c1", "c2", "c3"]
            .into_iter()
            .map(|tag| {
                let (sem, result) = (sem.clone(), result.clone());
                glassloop::spawn(async move {
                    for round in 1..=2 {
                        let permit = sem.acquire().await;
                        result.borrow_mut().push(format!("{tag}_{round}"));
                        glassloop::sleep(Duration::from_millis(10)).await;
                        drop(permit);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(
            *result.borrow(),
            ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]
        );
    });
}

// test_locks.py: SemaphoreTests.test_acquire_fifo_order_2 — a holder that releases and at once
// acquires again goes behind the waiter its release woke.
#[test]
fn a_releaser_that_acquires_again_waits_its_turn() {
    run(async {
        let sem = Semaphore::new(1);
        let result = Rc::new(RefCell::new(Vec::new()));
        let push = |n| {
            let result = result.clone();
            move || result.borrow_mut().push(n)
        };
        let first = sem.try_acquire().expect("a free permit"); // held by main
        let c1 = glassloop::spawn({
            let (sem, push1) = (sem.clone(), push(1));
            async move {
                std::mem::forget(sem.acquire().await); // keeps its permit, as c1 does
                push1();
            }
        });
        let c2 = glassloop::spawn({
            let (sem, push2, push4) = (sem.clone(), push(2), push(4));
            async move {
                let permit = sem.acquire().await;
                push2();
                drop(permit);
                std::mem::forget(sem.acquire().await);
                push4();
            }
        });
        let c3 = glassloop::spawn({
            let (sem, push3) = (sem.clone(), push(3));
            async move {
                std::mem::forget(sem.acquire().await);
                push3();
            }
        });
        glassloop::yield_now().await; // all three wait
        drop(first); // c1's
        sem.add_permits(2); // c2's and c3's
        for task in [c1, c2, c3] {
            task.await.unwrap();
        }
        assert_eq!(*result.borrow(), [1, 2, 3, 4]);
    });
}

// test_locks.py: test_release_no_waiters, test_acquire (locked / not locked)
#[test]
fn a_semaphore_is_locked_while_no_permit_is_free() {
    run(async {
        let sem = Semaphore::new(1);
        let permit = sem.acquire().await;
        assert!(sem.is_locked());
        drop(permit);
        assert!(!sem.is_locked());
        assert_eq!(sem.available_permits(), 1);
    });
}

// test_locks.py: SemaphoreTests.test_acquire_cancel — a cancelled waiter leaves the line and
// takes no permit.
#[test]
fn a_cancelled_waiter_takes_no_permit() {
    run(async {
        let sem = Semaphore::new(0);
        let waiter = glassloop::spawn({
            let sem = sem.clone();
            async move { drop(sem.acquire().await) }
        });
        glassloop::yield_now().await;
        waiter.abort();
        sem.add_permits(1);
        assert!(waiter.await.unwrap_err().is_cancelled());
        assert_eq!(sem.available_permits(), 1);
    });
}

// test_locks.py: LockTests.test_lock_fifo_order-like: waiters get the lock in arrival order.
#[test]
fn a_lock_is_taken_in_arrival_order() {
    run(async {
        let lock = Lock::new(Vec::new());
        let guard = lock.lock().await;
        let tasks: Vec<_> = (1..=3)
            .map(|n| {
                let lock = lock.clone();
                glassloop::spawn(async move { lock.lock().await.push(n) })
            })
            .collect();
        glassloop::yield_now().await;
        drop(guard);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*lock.lock().await, [1, 2, 3]);
    });
}

// test_locks.py: SemaphoreTests.test_release_not_acquired — a BoundedSemaphore refuses to grow
// past its start (asyncio: ValueError from `release`).
#[test]
fn a_bounded_semaphore_never_has_more_than_it_began_with() {
    run(async {
        let sem = glassloop::sync::BoundedSemaphore::new(2);
        assert_eq!(sem.add_permits(1), Err(glassloop::sync::TooManyPermits));
        let permit = sem.acquire().await;
        // Held, not gone: giving one more would still be one too many once it comes back.
        assert_eq!(sem.add_permits(1), Err(glassloop::sync::TooManyPermits));
        permit.forget();
        assert_eq!(sem.add_permits(1), Ok(()));
        assert_eq!(sem.available_permits(), 2);
    });
}
