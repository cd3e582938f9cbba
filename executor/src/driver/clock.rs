//! The loop's clock — asyncio's `loop.time()`, with an optional virtual mode.
//!
//! Real mode reads `Instant::now()`. Virtual mode keeps its own `Instant` that moves only when the loop
//! has nothing to do but wait for a timer: then it jumps straight to that timer's deadline. A demo
//! that sleeps for minutes runs in microseconds and still reports its times exactly.
//!
//! The clock also converts between instants and the timer wheel's ticks (1 ms each, counted from the
//! loop's start). Deadlines are rounded **up** to a tick and the current time **down**, so a timer can
//! fire late by less than a millisecond but never early.
//!
//! This file depends on nothing.
//!
//! Read next: [`timers.rs`](super::timers), the wheel that counts in these ticks.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One tick of the timer wheel.
pub(crate) const TICK: Duration = Duration::from_millis(1);

/// The loop's clock.
pub(crate) struct Clock {
    /// Tick 0 of the timer wheel.
    origin: Instant,
    /// `Some` under virtual time: the loop's notion of now.
    virtual_now: Option<Cell<Instant>>,
    /// The latest time read, real or virtual. A lower bound on now that costs nothing to ask.
    last_read: Cell<Instant>,
}

impl Clock {
    /// A clock that starts now; virtual if asked.
    pub(crate) fn new(virtual_time: bool) -> Clock {
        let origin = Instant::now();
        Clock {
            origin,
            virtual_now: virtual_time.then(|| Cell::new(origin)),
            last_read: Cell::new(origin),
        }
    }

    /// Whether this clock is virtual.
    pub(crate) fn is_virtual(&self) -> bool {
        self.virtual_now.is_some()
    }

    /// The loop's time.
    pub(crate) fn now(&self) -> Instant {
        let now = match &self.virtual_now {
            Some(now) => now.get(),
            None => Instant::now(),
        };
        self.last_read.set(now);
        now
    }

    /// The time of the latest [`now`](Self::now) — never later than the real now, and free.
    ///
    /// A `Sleep` checks this before arming its timer: if the deadline has passed even by this
    /// older reading, it is done; if not, it arms the timer without reading the clock again (the
    /// `sleep` call that made it read the clock a moment ago). The wheel then fires it when it is
    /// really due — so the shortcut can make a sleep at most a turn late, never early.
    pub(crate) fn last_read(&self) -> Instant {
        match &self.virtual_now {
            Some(now) => now.get(),
            None => self.last_read.get(),
        }
    }

    /// When the loop started (tick 0).
    pub(crate) fn origin(&self) -> Instant {
        self.origin
    }

    /// Moves virtual time forward to `to` (never backward). Does nothing on a real clock.
    pub(crate) fn advance_to(&self, to: Instant) {
        if let Some(now) = &self.virtual_now {
            if to > now.get() {
                now.set(to);
            }
        }
    }

    /// The tick a deadline falls in, rounded up so that the timer cannot fire before `deadline`.
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.origin);
        // A deadline that is not on a tick boundary belongs to the next tick.
        let partial_tick = since.subsec_nanos() % 1_000_000 != 0;
        millis(since).saturating_add(u64::from(partial_tick))
    }

    /// The tick `now` falls in, rounded down.
    pub(crate) fn current_tick(&self, now: Instant) -> u64 {
        millis(now.saturating_duration_since(self.origin))
    }

    /// The instant a tick starts.
    pub(crate) fn tick_instant(&self, tick: u64) -> Instant {
        let after = Duration::from_secs(tick / 1000) + Duration::from_millis(tick % 1000);
        self.origin.checked_add(after).unwrap_or(self.origin)
    }
}

/// An `Instant` in 8 bytes instead of 16: nanoseconds since a time base the process takes once.
///
/// A `Sleep` keeps its deadline in one of these, and a sleeping task carries its `Sleep` in the
/// box of its future: eight bytes less there moves the box to a smaller malloc size class, which
/// with a million sleeping tasks is 16 MB. The base is a year before the first one is made, so an
/// instant is exact to the nanosecond from then until 584 years later; earlier instants count as
/// the base (a deadline that long past is past all the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PackedInstant(u64);

impl PackedInstant {
    pub(crate) fn new(at: Instant) -> PackedInstant {
        // Whole seconds and nanoseconds in plain u64 arithmetic: `as_nanos` would go through u128.
        let since = at.saturating_duration_since(time_base());
        let nanos = since.as_secs().saturating_mul(1_000_000_000);
        PackedInstant(nanos.saturating_add(u64::from(since.subsec_nanos())))
    }

    pub(crate) fn get(self) -> Instant {
        let base = time_base();
        base.checked_add(Duration::from_nanos(self.0))
            .unwrap_or(base)
    }
}

/// The instant packed instants count from: a year before the first one was made (or then, where
/// the platform's clock cannot go back that far).
fn time_base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(|| {
        let now = Instant::now();
        now.checked_sub(Duration::from_secs(365 * 24 * 3600))
            .unwrap_or(now)
    })
}

/// Whole milliseconds in `d`, rounded down.
fn millis(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(d.subsec_millis()))
}

/// `now + duration`, clamped to a far-but-representable instant instead of overflowing
/// (`sleep(Duration::MAX)` is a valid way to say "forever").
pub(crate) fn deadline_after(now: Instant, duration: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    now.checked_add(duration.min(FAR))
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let clock = Clock::new(true);
        let origin = clock.origin();
        assert_eq!(
            clock.deadline_tick(origin + Duration::from_millis(2000)),
            2000
        );
        assert_eq!(
            clock.deadline_tick(origin + Duration::from_micros(2_000_001)),
            2001
        );
        assert_eq!(
            clock.current_tick(origin + Duration::from_micros(2_000_999)),
            2000
        );
        assert_eq!(clock.deadline_tick(origin), 0);
        assert_eq!(
            clock.tick_instant(2500),
            origin + Duration::from_millis(2500)
        );
    }

    #[test]
    fn virtual_clock_only_moves_forward() {
        let clock = Clock::new(true);
        let start = clock.now();
        clock.advance_to(start + Duration::from_secs(2));
        clock.advance_to(start + Duration::from_secs(1));
        assert_eq!(clock.now() - start, Duration::from_secs(2));
    }

    #[test]
    fn packed_instants_come_back_exactly() {
        let now = Instant::now();
        for at in [
            now,
            now + Duration::from_nanos(1),
            now + Duration::from_secs(100 * 365 * 24 * 3600),
            now - Duration::from_millis(1500),
            now - Duration::from_secs(300 * 24 * 3600),
        ] {
            assert_eq!(PackedInstant::new(at).get(), at);
        }
        assert!(PackedInstant::new(now) < PackedInstant::new(now + Duration::from_nanos(1)));
    }

    #[test]
    fn huge_durations_are_clamped() {
        let now = Instant::now();
        assert!(deadline_after(now, Duration::MAX) > now + Duration::from_secs(3600 * 24 * 365));
    }
}
