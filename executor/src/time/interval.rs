//! `interval` — a timer that ticks every period (asyncio has none built in; people write
//! `while True: ...; await asyncio.sleep(period)`, which drifts by however long the work took).
//!
//! An [`Interval`] keeps a schedule instead: tick *n* is due at `start + n × period`, whatever the
//! work in between cost. When the loop falls behind (a tick is already overdue when asked for), the
//! [`MissedTickBehavior`] decides what happens.
//!
//! Read next: [`io/`](crate::io), the other way to wait: sockets.

use std::time::{Duration, Instant};

use super::{now, sleep_until, Sleep};

/// What an [`Interval`] does when ticks were missed because the loop was busy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks as fast as possible until caught up with the schedule (the default,
    /// as in tokio).
    #[default]
    Burst,
    /// Forget the schedule: the next tick is one period after the late one actually fired.
    Delay,
    /// Drop the missed ticks: the next tick is the next one on the original schedule.
    Skip,
}

/// Ticks at a fixed period. Build it with [`interval`] or [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    next: Instant,
    period: Duration,
    missed: MissedTickBehavior,
    sleep: Sleep,
}

/// Ticks every `period`; the first tick completes at once.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// let rt = glassloop::Runtime::builder().virtual_time(true).build().unwrap();
/// rt.block_on(async {
///     let start = glassloop::now();
///     let mut every_second = glassloop::time::interval(Duration::from_secs(1));
///     for expected in 0..3 {
///         let tick = every_second.tick().await;
///         assert_eq!(tick - start, Duration::from_secs(expected));
///     }
/// });
/// ```
///
/// # Panics
///
/// If `period` is zero.
pub fn interval(period: Duration) -> Interval {
    interval_at(now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "an interval's period must be more than zero (a zero period would tick forever without waiting)"
    );
    Interval {
        next: start,
        period,
        missed: MissedTickBehavior::default(),
        sleep: sleep_until(start),
    }
}

impl Interval {
    /// Waits for the next tick and returns the time it was scheduled for.
    ///
    /// **Cancellation:** dropping the future before it completes does not consume the tick; the
    /// next call waits for the same one.
    pub async fn tick(&mut self) -> Instant {
        if self.sleep.deadline() != self.next {
            self.sleep.reset(self.next);
        }
        (&mut self.sleep).await;
        let scheduled = self.next;
        let now = now();
        self.next = match self.missed {
            MissedTickBehavior::Burst => scheduled + self.period,
            MissedTickBehavior::Delay if now > scheduled => now + self.period,
            MissedTickBehavior::Skip if now >= scheduled + self.period => {
                // Whole periods already missed since `scheduled`, plus one.
                let behind = (now - scheduled).as_nanos() / self.period.as_nanos();
                scheduled + self.period * (behind as u32 + 1)
            }
            _ => scheduled + self.period,
        };
        scheduled
    }

    /// Chooses what happens to missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// The current missed-tick behaviour.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.next = now() + self.period;
    }
}
