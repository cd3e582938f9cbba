//! Tasks: `shield`, `current_task`, `JoinHandle` — asyncio's (reference: CPython's
//! `Lib/test/test_asyncio/test_tasks.py`) and tokio's (`tokio/tests/task_id.rs`,
//! `tokio/tests/rt_common.rs`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

// test_tasks.py: test_shield_effect — cancelling the outer does not cancel the inner, which goes
// on to finish.
#[test]
fn shield_keeps_the_inner_work_going_when_the_outer_is_cancelled() {
    run(async {
        let done = Rc::new(Cell::new(false));
        let inner = {
            let done = done.clone();
            async move {
                glassloop::sleep(Duration::from_secs(1)).await;
                done.set(true);
                7
            }
        };
        let outer = glassloop::spawn(async move { glassloop::shield(inner).await });
        glassloop::sleep(Duration::from_millis(100)).await;
        outer.abort();
        assert!(outer.await.unwrap_err().is_cancelled());
        glassloop::sleep(Duration::from_secs(2)).await;
        assert!(done.get(), "the shielded work finished");
    });
}

// test_tasks.py: test_shield_result — a shielded future's result comes through.
#[test]
fn a_shielded_future_gives_its_result() {
    run(async {
        assert_eq!(glassloop::shield(async { 42 }).await.unwrap(), 42);
    });
}

// test_tasks.py: test_current_task; tokio's task_id.rs: task_id_spawn — inside a task, the
// current task is that task; in main, the main future; outside a loop, none.
#[test]
fn current_task_names_the_task_that_asks() {
    assert!(glassloop::current_task().is_none());
    run(async {
        let main = glassloop::current_task().unwrap();
        assert_eq!((main.number, main.name.as_str()), (0, "main()"));
        let first = glassloop::spawn(async { glassloop::current_task().unwrap().number });
        let second = glassloop::spawn_named("second", async { glassloop::current_task().unwrap() });
        assert_eq!(first.await.unwrap(), 1);
        let second = second.await.unwrap();
        assert_eq!((second.number, second.name.as_str()), (2, "second"));
        assert_eq!(second.status, glassloop::TaskStatus::Running);
    });
}
