//! `gather`, `try_gather`, `as_completed`, `TaskGroup` — asyncio's `gather`, `as_completed` and
//! `TaskGroup` (reference: CPython's `Lib/test/test_asyncio/test_tasks.py` and
//! `test_taskgroups.py`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use glassloop::{TaskGroup, TaskGroupError};

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

async fn after(ms: u64) -> u64 {
    glassloop::sleep(Duration::from_millis(ms)).await;
    ms
}

// test_tasks.py: GatherTests.test_result (outputs in argument order) — and the gathered waits
// overlap: the total is the longest, exactly, on virtual time.
#[test]
fn gather_gives_outputs_in_argument_order_after_the_longest_wait() {
    run(async {
        let start = glassloop::now();
        assert_eq!(
            glassloop::gather([30, 10, 20].map(after)).await,
            [30, 10, 20]
        );
        assert_eq!(glassloop::now() - start, Duration::from_millis(30));
        let (a, b) = glassloop::gather!(after(5), async { "b" }).await;
        assert_eq!((a, b), (5, "b"));
    });
}

// test_tasks.py: test_gather_shield-free case "gather of nothing": an empty gather is ready.
#[test]
fn an_empty_gather_is_ready_at_once() {
    run(async {
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        assert_eq!(glassloop::gather(none).await, Vec::<u8>::new());
    });
}

// test_tasks.py: GatherTests.test_one_exception — the first error is what gather reports.
#[test]
fn try_gather_reports_the_first_error() {
    run(async {
        let work = [10u64, 5, 20].map(|ms| async move {
            glassloop::sleep(Duration::from_millis(ms)).await;
            if ms == 5 {
                Err(ms)
            } else {
                Ok(ms)
            }
        });
        assert_eq!(glassloop::try_gather(work).await, Err(5));
    });
}

// test_tasks.py: GatherTests.test_one_exception — asyncio's gather leaves the other awaitables
// running after the first exception.
#[test]
#[ignore = "a documented difference (docs/appendix-the-whole-map.md, the try_gather row): the first error drops the others — Rust cancels by drop; spawn them to keep them running"]
fn after_the_first_error_the_others_run_on() {
    run(async {
        let finished = Rc::new(Cell::new(false));
        let slow = {
            let finished = finished.clone();
            async move {
                glassloop::sleep(Duration::from_millis(50)).await;
                finished.set(true);
                Ok::<_, ()>(())
            }
        };
        let failing = async { Err::<(), ()>(()) };
        let _ = glassloop::try_gather([
            Box::pin(slow) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>,
            Box::pin(failing),
        ])
        .await;
        glassloop::sleep(Duration::from_millis(100)).await;
        assert!(finished.get());
    });
}

// test_tasks.py: test_as_completed — results in the order they finish.
#[test]
fn as_completed_gives_outputs_as_they_finish() {
    run(async {
        let mut done = glassloop::as_completed([30, 10, 20].map(after));
        let mut order = Vec::new();
        while let Some(ms) = done.next().await {
            order.push(ms);
        }
        assert_eq!(order, [10, 20, 30]);
        assert_eq!(done.remaining(), 0);
    });
}

// test_taskgroups.py: test_taskgroup_01 — every child runs, and join waits for all.
#[test]
fn a_task_group_waits_for_every_child() {
    run(async {
        let group = TaskGroup::<()>::new();
        let a = group.spawn(async { Ok(after(10).await) });
        let b = group.spawn(async { Ok(after(20).await) });
        group.join().await.unwrap();
        assert_eq!((a.await.unwrap(), b.await.unwrap()), (10, 20));
    });
}

// test_taskgroups.py: test_taskgroup_02, test_cancel_children_on_child_error — the first failure
// cancels the siblings, and join reports it.
#[test]
fn the_first_failure_cancels_the_siblings() {
    run(async {
        let group = TaskGroup::new();
        let slow = group.spawn(async { Ok::<_, &str>(after(1000).await) });
        let _failing = group.spawn(async {
            after(10).await;
            Err::<(), _>("boom")
        });
        let start = glassloop::now();
        match group.join().await {
            Err(TaskGroupError::Failed(error)) => assert_eq!(error, "boom"),
            other => panic!("{other:?}"),
        }
        assert_eq!(glassloop::now() - start, Duration::from_millis(10));
        assert!(slow.await.unwrap_err().is_cancelled());
    });
}

// test_taskgroups.py: test_taskgroup_14-like — dropping the group (leaving the `async with`
// without waiting) cancels the children.
#[test]
fn dropping_a_task_group_cancels_its_children() {
    run(async {
        let group = TaskGroup::<()>::new();
        let child = group.spawn(async { Ok(after(1000).await) });
        drop(group);
        assert!(child.await.unwrap_err().is_cancelled());
    });
}
