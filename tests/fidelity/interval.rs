//! `interval` — tokio's `time::interval` (reference: `tokio/tests/time_interval.rs`). Each test
//! steps virtual time by hand and polls the next tick once after each step, as tokio's do with a
//! paused clock; glassloop's ticks need no extra millisecond to resolve.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use glassloop::time::{advance, interval, interval_at, Interval, MissedTickBehavior};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Polls the next tick once: `Some(tick − start)` if it is due, `None` if it is not. (Dropping a
/// `tick()` future that has not completed does not consume the tick.)
fn poll_tick(interval: &mut Interval, start: Instant) -> Option<Duration> {
    let waker = futures_task::noop_waker();
    match pin!(interval.tick()).poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(at) => Some(at - start),
        Poll::Pending => None,
    }
}

/// Every tick due now, as offsets from `start`.
fn due(interval: &mut Interval, start: Instant) -> Vec<u64> {
    std::iter::from_fn(|| poll_tick(interval, start))
        .map(|at| at.as_millis() as u64)
        .collect()
}

fn run(body: impl Future<Output = ()>) {
    crate::support::virtual_runtime().block_on(body);
}

// time_interval.rs: interval_zero_duration
#[test]
#[should_panic(expected = "period must be more than zero")]
fn a_zero_period_panics() {
    run(async {
        let _ = interval_at(glassloop::now(), ms(0));
    });
}

// time_interval.rs: burst — missed ticks all fire at once, then the schedule goes on.
#[test]
fn burst_fires_the_missed_ticks_at_once() {
    run(async {
        let start = glassloop::now();
        let mut i = interval_at(start, ms(300));
        assert_eq!(due(&mut i, start), [0]);
        advance(ms(100)).await;
        assert_eq!(due(&mut i, start), [] as [u64; 0]);
        advance(ms(200)).await;
        assert_eq!(due(&mut i, start), [300]);
        advance(ms(650)).await;
        assert_eq!(due(&mut i, start), [600, 900]);
        advance(ms(200)).await;
        assert_eq!(due(&mut i, start), [] as [u64; 0]);
        advance(ms(100)).await;
        assert_eq!(due(&mut i, start), [1200]);
        advance(ms(250)).await;
        assert_eq!(due(&mut i, start), [1500]);
        advance(ms(300)).await;
        assert_eq!(due(&mut i, start), [1800]);
    });
}

// time_interval.rs: delay — after a late tick, the schedule restarts from when it fired.
#[test]
fn delay_restarts_the_schedule_after_a_late_tick() {
    run(async {
        let start = glassloop::now();
        let mut i = interval_at(start, ms(300));
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        assert_eq!(due(&mut i, start), [0]);
        advance(ms(300)).await;
        assert_eq!(due(&mut i, start), [300]);
        advance(ms(650)).await; // at 950: the tick of 600 is 350 ms late
        assert_eq!(due(&mut i, start), [600]);
        advance(ms(100)).await;
        assert_eq!(due(&mut i, start), [] as [u64; 0]);
        advance(ms(200)).await; // 950 + 300
        assert_eq!(due(&mut i, start), [1250]);
        advance(ms(300)).await;
        assert_eq!(due(&mut i, start), [1550]);
    });
}

// time_interval.rs: skip — after a late tick, the next is the next one on the schedule.
#[test]
fn skip_drops_the_missed_ticks() {
    run(async {
        let start = glassloop::now();
        let mut i = interval_at(start, ms(300));
        i.set_missed_tick_behavior(MissedTickBehavior::Skip);
        assert_eq!(due(&mut i, start), [0]);
        advance(ms(300)).await;
        assert_eq!(due(&mut i, start), [300]);
        advance(ms(650)).await;
        assert_eq!(due(&mut i, start), [600]);
        advance(ms(250)).await;
        assert_eq!(due(&mut i, start), [1200]);
        advance(ms(300)).await;
        assert_eq!(due(&mut i, start), [1500]);
    });
}

// time_interval.rs: reset — the next tick is one period after the reset.
#[test]
fn reset_puts_the_next_tick_one_period_away() {
    run(async {
        let start = glassloop::now();
        let mut i = interval_at(start, ms(300));
        assert_eq!(due(&mut i, start), [0]);
        advance(ms(300)).await;
        assert_eq!(due(&mut i, start), [300]);
        advance(ms(100)).await;
        i.reset();
        advance(ms(250)).await;
        assert_eq!(due(&mut i, start), [] as [u64; 0]);
        advance(ms(50)).await;
        assert_eq!(due(&mut i, start), [700]);
        advance(ms(300)).await;
        assert_eq!(due(&mut i, start), [1000]);
    });
}

// tokio's `Interval::poll_tick` applies the missed-tick behaviour only to a tick more than 5 ms
// late: a loop wakes a little after every deadline, and `Delay` must not drift by that much each
// tick.
#[test]
fn delay_does_not_drift_on_ticks_a_little_late() {
    run(async {
        let start = glassloop::now();
        let mut i = interval_at(start, ms(20));
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        assert_eq!(due(&mut i, start), [0]);
        // From now on each tick is looked at 2 ms after it was due.
        advance(ms(2)).await;
        for n in 1..=20u64 {
            advance(ms(20)).await;
            assert_eq!(
                due(&mut i, start),
                [20 * n],
                "tick {n} kept to the schedule"
            );
        }
    });
}

// tokio: `interval(Duration::MAX)` ticks once and then waits "forever", without overflowing.
#[test]
fn an_interval_of_duration_max_does_not_overflow() {
    run(async {
        let start = glassloop::now();
        let mut i = interval(Duration::MAX);
        assert_eq!(due(&mut i, start), [0]);
        assert_eq!(poll_tick(&mut i, start), None);
        advance(Duration::from_secs(3600)).await;
        assert_eq!(poll_tick(&mut i, start), None);
    });
}
