//! `JoinHandle::abort` — tokio's `JoinHandle::abort` (reference: `tokio/tests/task_abort.rs`) and
//! asyncio's `Task.cancel()` (reference: `Lib/test/test_asyncio/test_tasks.py`).

use std::rc::Rc;
use std::time::Duration;

struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("a destructor panicked");
    }
}

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

// task_abort.rs: test_abort_without_panic_3157 — a sleeping task aborts cleanly.
#[test]
fn a_sleeping_task_is_cancelled() {
    run(async {
        let handle = glassloop::spawn(glassloop::sleep(Duration::from_secs(100)));
        glassloop::sleep(Duration::from_millis(10)).await;
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
    });
}

// task_abort.rs: test_abort_wakes_task_3964 — aborting and dropping the handle drops the task's
// future (and what it owns) at once.
#[test]
fn abort_then_drop_drops_the_future() {
    run(async {
        let owned = Rc::new(());
        let weak = Rc::downgrade(&owned);
        let handle = glassloop::spawn(async move {
            let _owned = owned;
            glassloop::sleep(Duration::from_secs(100)).await;
        });
        glassloop::sleep(Duration::from_millis(10)).await;
        handle.abort();
        drop(handle);
        glassloop::sleep(Duration::from_millis(10)).await;
        assert!(weak.upgrade().is_none());
    });
}

// task_abort.rs: test_abort_task_that_panics_on_drop_contained and _returned — the panic stays in
// the task, and its handle reports it as a panic.
#[test]
fn a_destructor_that_panics_while_aborted_is_reported_as_a_panic() {
    run(async {
        let handle = glassloop::spawn(async {
            let _bomb = PanicOnDrop;
            glassloop::sleep(Duration::from_secs(100)).await;
        });
        glassloop::sleep(Duration::from_millis(10)).await;
        handle.abort();
        let error = handle.await.unwrap_err();
        assert!(error.is_panic(), "{error}");
        assert_eq!(error.panic_message(), Some("a destructor panicked"));

        // Detached, the loop goes on.
        let detached = glassloop::spawn(async {
            let _bomb = PanicOnDrop;
            glassloop::sleep(Duration::from_secs(100)).await;
        });
        glassloop::sleep(Duration::from_millis(10)).await;
        detached.abort();
        drop(detached);
        glassloop::sleep(Duration::from_millis(10)).await;
    });
}

// test_tasks.py: test_cancel_current_task ("Task is cancelled right before coro stops", in
// tasks.py's `__step`): a task that cancels itself and then returns counts as cancelled.
#[test]
fn a_task_that_aborts_itself_and_returns_is_cancelled() {
    run(async {
        let (tell, told) = std::sync::mpsc::channel::<glassloop::AbortHandle>();
        let handle = glassloop::spawn(async move {
            glassloop::yield_now().await;
            told.recv().unwrap().abort();
            42
        });
        tell.send(handle.abort_handle()).unwrap();
        let error = handle.await.unwrap_err();
        assert!(error.is_cancelled(), "{error:?}");
    });
}

// task_abort.rs: test_join_error_display — tasks are numbered 1, 2, 3 in spawn order. (tokio
// says `task 1 panicked with message "…"`; glassloop `task 1 panicked: …`.)
#[test]
fn join_errors_name_the_task_by_its_number() {
    run(async {
        let first = glassloop::spawn(async { panic!("Format-args payload: {}", 1234) });
        let second = glassloop::spawn(async { panic!("Const payload") });
        let third = glassloop::spawn(async { std::panic::panic_any(1234i32) });
        assert_eq!(
            first.await.unwrap_err().to_string(),
            "task 1 panicked: Format-args payload: 1234"
        );
        assert_eq!(
            second.await.unwrap_err().to_string(),
            "task 2 panicked: Const payload"
        );
        assert_eq!(
            third.await.unwrap_err().to_string(),
            "task 3 panicked: a non-string panic payload"
        );
    });
}

// test_tasks.py: test_cancel (a cancelled task's awaiter sees CancelledError) and tokio's
// "aborting a task that already finished does nothing".
#[test]
fn aborting_a_finished_task_changes_nothing() {
    run(async {
        let handle = glassloop::spawn(async { 7 });
        glassloop::yield_now().await;
        assert!(handle.is_finished());
        handle.abort();
        assert_eq!(handle.await.unwrap(), 7);
    });
}
