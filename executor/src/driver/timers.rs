//! The loop's timers — asyncio's `loop._scheduled` heap and `call_at`, as a timer wheel on the
//! loop's clock.
//!
//! The wheel itself is the `glassloop-timer` crate: a pure data structure counting in ticks.
//! [`Timers`] puts it together with the [`Clock`]: a deadline becomes a tick (rounded up, so
//! nothing fires early), the payload of each timer is the waker of whoever sleeps, and firing
//! collects the wakers of every timer that is due, for the loop to wake with no borrow held.
//! Timers due on the same tick fire in the order they were armed — or, with a seed, in a seeded
//! order ([`seed.rs`](super::seed)); a timer due on an earlier tick always fires first.
//!
//! Read next: [`reactor.rs`](super::reactor), the other thing the loop waits on.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Waker;
use std::time::Instant;

use glassloop_timer::{Position, TimerKey, TimerWheel};

use super::clock::Clock;
use super::seed::Seeded;
use crate::store_waker::refresh_waker;

/// The clock and the wheel of armed timers.
pub(crate) struct Timers {
    pub(crate) clock: Clock,
    /// Every armed timer; the payload is the waker to call when it fires.
    wheel: RefCell<TimerWheel<Waker>>,
    /// Reused buffer for the wakers of fired timers.
    fired: RefCell<Vec<Waker>>,
    /// With a seed: the generator that orders timers due on the same tick.
    seeded: Option<Rc<Seeded>>,
}

impl Timers {
    pub(crate) fn new(virtual_time: bool, seeded: Option<Rc<Seeded>>) -> Timers {
        Timers {
            clock: Clock::new(virtual_time),
            wheel: RefCell::new(TimerWheel::new()),
            fired: RefCell::new(Vec::new()),
            seeded,
        }
    }

    /// Arms a timer that wakes `waker` at `deadline`.
    pub(crate) fn arm(&self, deadline: Instant, waker: Waker) -> TimerKey {
        let tick = self.clock.deadline_tick(deadline);
        self.wheel.borrow_mut().insert(tick, waker)
    }

    /// Where in the wheel an armed timer is (for the trace).
    pub(crate) fn position(&self, key: TimerKey) -> Option<Position> {
        self.wheel.borrow().position(key)
    }

    /// Moves an armed timer to `deadline`, keeping its waker. `None` if it is no longer armed.
    pub(crate) fn reset(&self, key: TimerKey, deadline: Instant) -> Option<TimerKey> {
        let tick = self.clock.deadline_tick(deadline);
        let mut wheel = self.wheel.borrow_mut();
        let waker = wheel.cancel(key)?;
        Some(wheel.insert(tick, waker))
    }

    /// Takes a timer out of the wheel; its waker comes back if it was still armed (for the caller
    /// to drop with no borrow held). A stale key cancels nothing: the wheel checks generations.
    pub(crate) fn cancel(&self, key: TimerKey) -> Option<Waker> {
        self.wheel.borrow_mut().cancel(key)
    }

    /// Makes an armed timer wake `waker`. `Err` if the timer is no longer armed; `Ok` with the
    /// waker it replaced, if any.
    pub(crate) fn refresh(&self, key: TimerKey, waker: &Waker) -> Result<Option<Waker>, ()> {
        let mut wheel = self.wheel.borrow_mut();
        let stored = wheel.get_mut(key).ok_or(())?;
        Ok(refresh_waker(stored, waker))
    }

    /// The wakers of every timer due now, or `None` if no slot of the wheel came due (then the
    /// clock is not even read when no timer is armed). Give the buffer back with
    /// [`give_back`](Self::give_back). An empty list means a coarse slot came due whose timers
    /// are not due yet: they moved down to a finer level.
    pub(crate) fn take_due(&self) -> Option<Vec<Waker>> {
        if self.wheel.borrow().is_empty() {
            return None;
        }
        let now_tick = self.clock.current_tick(self.clock.now());
        let mut wheel = self.wheel.borrow_mut();
        if wheel.next_expiration().is_none_or(|due| due > now_tick) {
            return None;
        }
        let mut fired = std::mem::take(&mut *self.fired.borrow_mut());
        match &self.seeded {
            None => wheel.advance_to(now_tick, &mut fired),
            Some(seeded) => {
                // One tick at a time, so that only timers due on the *same* tick are shuffled:
                // an earlier deadline still fires first.
                let mut batch = Vec::new();
                while let Some(tick) = wheel.next_expiration().filter(|&tick| tick <= now_tick) {
                    wheel.advance_to(tick, &mut batch);
                    let mut numbered: Vec<(u64, Waker)> = (0..).zip(batch.drain(..)).collect();
                    seeded.shuffle(&mut numbered, |(number, _)| *number);
                    fired.extend(numbered.into_iter().map(|(_, waker)| waker));
                }
                wheel.advance_to(now_tick, &mut fired);
            }
        }
        Some(fired)
    }

    /// Returns the (emptied) buffer of fired wakers, for the next turn.
    pub(crate) fn give_back(&self, fired: Vec<Waker>) {
        *self.fired.borrow_mut() = fired;
    }

    /// When the next slot of the wheel comes due (a lower bound on the next timer's deadline).
    pub(crate) fn next_due(&self) -> Option<Instant> {
        let tick = self.wheel.borrow().next_expiration()?;
        Some(self.clock.tick_instant(tick))
    }

    /// Every occupied slot of the wheel and how many timers it holds (for the stepper's picture).
    pub(crate) fn occupancy(&self) -> Vec<(Position, usize)> {
        self.wheel.borrow().occupancy()
    }

    /// How many timers are armed.
    pub(crate) fn armed(&self) -> usize {
        self.wheel.borrow().len()
    }

    /// Empties the wheel (at shutdown), handing back its wakers to drop with no borrow held.
    pub(crate) fn take_all(&self) -> TimerWheel<Waker> {
        std::mem::take(&mut *self.wheel.borrow_mut())
    }
}
