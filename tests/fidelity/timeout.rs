//! `timeout` and `sleep` — asyncio's `wait_for` and `sleep` (reference: CPython's
//! `Lib/test/test_asyncio/test_waitfor.py`, `test_tasks.py`) and tokio's (`tokio/tests/time_timeout.rs`,
//! `tokio/tests/time_sleep.rs`).

use std::time::Duration;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

// time_timeout.rs: simultaneous_deadline_future_completion — a future ready at once wins, even
// with a zero timeout (the inner future is polled first). test_waitfor.py: test_wait_for_timeout_less_then_0_or_0_future_done.
#[test]
fn a_ready_future_beats_a_zero_timeout() {
    run(async {
        assert_eq!(glassloop::timeout(Duration::ZERO, async { 1 }).await, Ok(1));
    });
}

// test_waitfor.py: test_wait_for — the inner future is cancelled (dropped) when time runs out,
// and the timeout fires at its deadline, exactly, on virtual time.
#[test]
fn the_inner_future_is_dropped_at_the_deadline() {
    run(async {
        let dropped = std::rc::Rc::new(std::cell::Cell::new(false));
        struct Flag(std::rc::Rc<std::cell::Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let start = glassloop::now();
        let inner = {
            let flag = Flag(dropped.clone());
            async move {
                let _flag = flag;
                glassloop::sleep(Duration::from_secs(10)).await;
            }
        };
        let result = glassloop::timeout(Duration::from_millis(100), inner).await;
        assert!(result.is_err());
        assert!(dropped.get());
        assert_eq!(glassloop::now() - start, Duration::from_millis(100));
    });
}

// time_timeout.rs: completed_future_past_deadline — a future that finishes in time gives Ok.
#[test]
fn a_future_that_finishes_in_time_gives_its_output() {
    run(async {
        let work = async {
            glassloop::sleep(Duration::from_millis(10)).await;
            "done"
        };
        assert_eq!(
            glassloop::timeout(Duration::from_secs(1), work).await,
            Ok("done")
        );
    });
}

// time_sleep.rs: immediate_sleep, delayed_sleep_level_0, short_sleeps — a sleep never completes
// early, and completes at its deadline on virtual time.
#[test]
fn a_sleep_is_never_early() {
    run(async {
        for ms in [0u64, 1, 5, 64, 1000, 4097] {
            let start = glassloop::now();
            glassloop::sleep(Duration::from_millis(ms)).await;
            assert_eq!(
                glassloop::now() - start,
                Duration::from_millis(ms),
                "{ms} ms"
            );
        }
    });
}

// time_sleep.rs: reset_future_sleep_before_fire, reset_past_sleep_before_fire
#[test]
fn a_reset_sleep_fires_at_its_new_deadline() {
    run(async {
        let start = glassloop::now();
        let mut nap = glassloop::sleep(Duration::from_millis(100));
        nap.reset(start + Duration::from_millis(200));
        (&mut nap).await;
        assert_eq!(glassloop::now() - start, Duration::from_millis(200));
        let mut past = glassloop::sleep(Duration::from_secs(10));
        past.reset(start);
        past.await; // at once: the new deadline has passed
        assert_eq!(glassloop::now() - start, Duration::from_millis(200));
    });
}

// time_sleep.rs: exactly_max, greater_than_max — a sleep of Duration::MAX is "forever", without
// overflowing.
#[test]
fn a_sleep_of_duration_max_does_not_overflow() {
    run(async {
        let forever = glassloop::sleep(Duration::MAX);
        assert!(forever.deadline() > glassloop::now() + Duration::from_secs(365 * 24 * 3600));
        let result = glassloop::timeout(Duration::from_millis(1), forever).await;
        assert!(result.is_err());
    });
}
