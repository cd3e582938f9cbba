//! `Handle` and virtual time — asyncio's `run_coroutine_threadsafe` (reference: CPython's
//! `Lib/test/test_asyncio/test_tasks.py`, `RunCoroutineThreadsafeTests`) and tokio's paused clock
//! (`tokio/tests/time_pause.rs`).

use std::time::Duration;

// test_tasks.py: RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe — a coroutine sent
// from another thread runs on the loop, and its result comes back.
#[test]
fn work_sent_from_another_thread_runs_on_the_loop() {
    let rt = glassloop::Runtime::new().unwrap();
    let handle = rt.handle();
    let sender = std::thread::spawn(move || {
        handle
            .spawn(async {
                glassloop::sleep(Duration::from_millis(5)).await;
                glassloop::current_task().map(|task| task.number)
            })
            .join()
    });
    rt.block_on(glassloop::sleep(Duration::from_millis(200)));
    let number = sender.join().unwrap().unwrap();
    assert_eq!(number, Some(1), "it ran as a task of the loop");
}

// test_tasks.py: test_run_coroutine_threadsafe_task_cancelled — if the loop goes away first, the
// other thread learns the work was cancelled, instead of waiting forever.
#[test]
fn work_sent_to_a_loop_that_shuts_down_is_cancelled() {
    let rt = glassloop::Runtime::new().unwrap();
    let handle = rt.handle();
    let waiting = handle.spawn(async {
        glassloop::sleep(Duration::from_secs(3600)).await;
    });
    rt.block_on(glassloop::yield_now());
    drop(rt);
    assert!(waiting.join().unwrap_err().is_cancelled());
    // Sent after the loop is gone: it never started, and says so.
    let late = handle.spawn(async {});
    assert!(late.join().unwrap_err().is_cancelled());
}

// time_pause.rs: paused_time_is_deterministic, advance_after_poll — on virtual time the clock
// jumps to the next timer when nothing else can happen, and `advance` steps it by hand.
#[test]
fn virtual_time_jumps_to_the_next_timer_and_steps_by_hand() {
    let rt = crate::support::virtual_runtime();
    rt.block_on(async {
        let start = glassloop::now();
        glassloop::sleep(Duration::from_secs(3600)).await;
        assert_eq!(glassloop::now() - start, Duration::from_secs(3600));
        let alarm = glassloop::spawn(glassloop::sleep(Duration::from_secs(60)));
        glassloop::time::advance(Duration::from_secs(59)).await;
        assert!(!alarm.is_finished());
        glassloop::time::advance(Duration::from_secs(1)).await;
        assert!(alarm.is_finished());
    });
}
