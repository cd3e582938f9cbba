//! `sync::Barrier` — asyncio's `Barrier` (reference: CPython's
//! `Lib/test/test_asyncio/test_locks.py`, `BarrierTests`).

use std::cell::RefCell;
use std::rc::Rc;

use glassloop::sync::{Barrier, BrokenBarrier};

const N: usize = 5;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

fn spawn_waiting(
    barrier: &Barrier,
    count: usize,
) -> Vec<glassloop::JoinHandle<Result<usize, BrokenBarrier>>> {
    (0..count)
        .map(|_| {
            let barrier = barrier.clone();
            glassloop::spawn(async move { barrier.wait().await })
        })
        .collect()
}

// test_locks.py: BarrierTests.test_barrier, test_filling_tasks_check_return_value — the round is
// released when the last party arrives, and each gets its place 0 … N−1.
#[test]
fn the_last_arrival_releases_everyone_each_with_its_place() {
    run(async {
        let barrier = Barrier::new(N);
        let tasks = spawn_waiting(&barrier, N - 1);
        glassloop::yield_now().await;
        assert_eq!(barrier.n_waiting(), N - 1);
        assert!(tasks.iter().all(|t| !t.is_finished()));
        let last = barrier.wait().await.unwrap();
        let mut places = vec![last];
        for task in tasks {
            places.push(task.await.unwrap().unwrap());
        }
        places.sort();
        assert_eq!(places, (0..N).collect::<Vec<_>>());
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

// test_locks.py: BarrierTests.test_filling_tasks_wait_twice — a barrier is used round after round.
#[test]
fn a_barrier_serves_round_after_round() {
    run(async {
        let barrier = Barrier::new(N);
        let passes = Rc::new(RefCell::new(0));
        let tasks: Vec<_> = (0..N)
            .map(|_| {
                let (barrier, passes) = (barrier.clone(), passes.clone());
                glassloop::spawn(async move {
                    barrier.wait().await.unwrap();
                    *passes.borrow_mut() += 1;
                    barrier.wait().await.unwrap();
                    *passes.borrow_mut() += 1;
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*passes.borrow(), 2 * N);
    });
}

// test_locks.py: BarrierTests.test_filling_tasks_cancel_one — a cancelled waiter leaves the round.
#[test]
fn a_cancelled_waiter_leaves_the_round() {
    run(async {
        let barrier = Barrier::new(3);
        let mut tasks = spawn_waiting(&barrier, 2);
        glassloop::yield_now().await;
        assert_eq!(barrier.n_waiting(), 2);
        let first = tasks.remove(0);
        first.abort();
        assert!(first.await.unwrap_err().is_cancelled());
        assert_eq!(barrier.n_waiting(), 1);
        tasks.extend(spawn_waiting(&barrier, 1));
        glassloop::yield_now().await;
        assert_eq!(barrier.n_waiting(), 2);
        tasks.extend(spawn_waiting(&barrier, 1));
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(barrier.n_waiting(), 0);
    });
}

// test_locks.py: BarrierTests.test_reset_barrier_while_tasks_waiting — the waiters get
// BrokenBarrierError, and the barrier is usable (not broken) afterwards.
#[test]
fn reset_breaks_the_round_under_way_and_leaves_the_barrier_usable() {
    run(async {
        let barrier = Barrier::new(N);
        let tasks = spawn_waiting(&barrier, N - 1);
        glassloop::yield_now().await;
        barrier.reset();
        for task in tasks {
            assert_eq!(task.await.unwrap(), Err(BrokenBarrier));
        }
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
        let tasks = spawn_waiting(&barrier, N);
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
    });
}

// test_locks.py: BarrierTests.test_abort_barrier, test_abort_barrier_when_exception — after
// `abort`, every waiter and every later wait fail, until `reset`.
#[test]
fn abort_breaks_the_barrier_until_reset() {
    run(async {
        let barrier = Barrier::new(N);
        let tasks = spawn_waiting(&barrier, 2);
        glassloop::yield_now().await;
        barrier.abort();
        for task in tasks {
            assert_eq!(task.await.unwrap(), Err(BrokenBarrier));
        }
        assert!(barrier.is_broken());
        assert_eq!(barrier.wait().await, Err(BrokenBarrier));
        barrier.reset();
        assert!(!barrier.is_broken());
        assert_eq!(Barrier::new(1).wait().await, Ok(0));
    });
}

// asyncio's task repr names what a task waits on; glassloop's `all_tasks` too, for the new
// primitives as for the old.
#[test]
fn all_tasks_says_who_waits_on_a_barrier_or_a_condition() {
    run(async {
        let barrier = Barrier::new(2);
        let cond = glassloop::sync::Condition::new(());
        let at_barrier = glassloop::spawn_named("at barrier", {
            let barrier = barrier.clone();
            async move { barrier.wait().await.map(|_| ()) }
        });
        let at_condition = glassloop::spawn_named("at condition", {
            let cond = cond.clone();
            async move {
                let guard = cond.lock().await;
                drop(guard.wait().await);
                Ok::<(), BrokenBarrier>(())
            }
        });
        glassloop::yield_now().await;
        let waits: Vec<String> = glassloop::all_tasks()
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert!(
            waits.contains(&"task 1 'at barrier' waiting on Barrier.wait".to_string()),
            "{waits:?}"
        );
        assert!(
            waits.contains(&"task 2 'at condition' waiting on Condition.wait".to_string()),
            "{waits:?}"
        );
        barrier.wait().await.unwrap();
        cond.lock().await.notify_all();
        at_barrier.await.unwrap().unwrap();
        at_condition.await.unwrap().unwrap();
    });
}
