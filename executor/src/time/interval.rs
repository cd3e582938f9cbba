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
use crate::driver::clock::deadline_after;

/// How late a tick may be and still count as on time (see [`Interval::tick`]).
const LATE: Duration = Duration::from_millis(5);

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
        // A tick a few microseconds late is on time: the loop woke from the selector a little
        // after the deadline, as it always does. Only a tick more than `LATE` behind counts as
        // missed (tokio's rule, for the same reason), so `Delay` does not drift on an idle loop.
        let missed = now.saturating_duration_since(scheduled) > LATE;
        self.next = match self.missed {
            MissedTickBehavior::Delay if missed => deadline_after(now, self.period),
            MissedTickBehavior::Skip if missed => {
                // The next tick on the original schedule after now.
                let behind = now.saturating_duration_since(scheduled).as_nanos();
                let into_period = behind % self.period.as_nanos();
                let until_next = self.period - Duration::from_nanos(into_period as u64);
                deadline_after(now, until_next)
            }
            _ => deadline_after(scheduled, self.period),
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
        self.next = deadline_after(now(), self.period);
    }
}
