//! What a waiting future asks of the loop — asyncio's `loop.call_at`, `TimerHandle.cancel`,
//! `loop.add_reader` / `add_writer`, and `loop.time()`.
//!
//! `sleep` and the sockets live above the loop (in `time/` and `io/`); the timer wheel and the
//! selector live below it (in `driver/`). They meet here: a future calls one of these methods on
//! the running loop, and the loop does the work and tells its watchers. No future touches the
//! loop's fields.
//!
//! Read next: [`introspect.rs`](super::introspect).

use std::io;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use glassloop_timer::TimerKey;

use super::waker::Shared;
use super::Core;
use crate::driver::reactor::{Direction, SourceKey};
use crate::ids::TaskId;
use crate::observe::{Event, Waiting};

impl Core {
    /// The loop's time.
    pub(crate) fn now(&self) -> Instant {
        self.timers.clock.now()
    }

    /// The time of the clock's latest reading: never later than now, and free (see
    /// [`Clock::last_read`](crate::driver::clock::Clock::last_read)).
    pub(crate) fn last_read(&self) -> Instant {
        self.timers.clock.last_read()
    }

    /// A blocking call is about to hold the loop for `duration` (`blocking_sleep`): say so, and
    /// under virtual time move the clock by as much, as the real call would. Returns whether the
    /// clock moved (then there is nothing to wait for in real time).
    pub(crate) fn block_for(&self, duration: Duration) -> bool {
        self.trace(|| Event::Blocked(duration));
        self.advance_clock(duration)
    }

    /// Moves virtual time forward by `duration`; false (and nothing moves) on a real clock.
    pub(crate) fn advance_clock(&self, duration: Duration) -> bool {
        let clock = &self.timers.clock;
        if clock.is_virtual() {
            clock.advance_to(crate::driver::clock::deadline_after(clock.now(), duration));
        }
        clock.is_virtual()
    }

    /// Arms a timer that wakes `waker` at `deadline` (asyncio's `call_at`).
    pub(crate) fn arm_timer(&self, deadline: Instant, waker: Waker) -> TimerKey {
        let key = self.timers.arm(deadline, waker);
        self.trace(|| Event::TimerArmed {
            deadline,
            position: self.timers.position(key),
            by: self.watch.cause(),
        });
        key
    }

    /// Moves an armed timer to `deadline`; `None` if it has fired or was cancelled.
    pub(crate) fn reset_timer(&self, key: TimerKey, deadline: Instant) -> Option<TimerKey> {
        self.timers.reset(key, deadline)
    }

    /// Makes an armed timer wake `waker`; false if it is no longer armed.
    pub(crate) fn refresh_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        match self.timers.refresh(key, waker) {
            Ok(replaced) => {
                drop(replaced); // after the wheel's borrow: dropping a waker can run code
                true
            }
            Err(()) => false,
        }
    }

    /// Takes a timer out of the wheel (asyncio's `TimerHandle.cancel`). A key whose timer already
    /// fired cancels nothing.
    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        let waker = self.timers.cancel(key);
        if waker.is_some() {
            // It was still waiting: this is a cancellation, not the tidy-up after firing.
            self.trace(|| Event::TimerCancelled(self.watch.cause()));
        }
        drop(waker);
    }

    /// Registers a socket with the selector (asyncio's `add_reader` and `add_writer` at once).
    pub(crate) fn register_source(
        &self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<SourceKey> {
        let key = self.reactor.borrow_mut().register(source)?;
        self.trace(|| Event::IoRegistered(key.number()));
        Ok(key)
    }

    /// `Ready` when the reactor believes the source is ready in `direction`; otherwise keeps the
    /// task's waker, notes what the task waits on, and returns `Pending`.
    pub(crate) fn source_ready(
        &self,
        key: SourceKey,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let (ready, replaced) = self.reactor.borrow_mut().poll_ready(key, direction, cx);
        drop(replaced); // outside the reactor borrow
        if ready.is_pending() {
            self.note_waiting(|| Waiting::Socket {
                socket: key.number(),
                writing: direction == Direction::Write,
            });
        }
        ready
    }

    /// Forgets readiness in `direction` (after `WouldBlock`, or a connect still in progress).
    pub(crate) fn clear_readiness(&self, key: SourceKey, direction: Direction) {
        self.reactor.borrow_mut().clear_readiness(key, direction);
    }

    /// Takes a socket out of the selector, before it is closed.
    pub(crate) fn deregister_source(&self, key: SourceKey, source: &mut impl mio::event::Source) {
        let wakers = self.reactor.borrow_mut().deregister(key, source);
        drop(wakers); // outside the reactor borrow
    }

    /// Notes what the task being polled now is waiting on (called by leaf futures as they return
    /// `Pending`). Outside a poll it does nothing.
    pub(crate) fn note_waiting(&self, waiting: impl FnOnce() -> Waiting) {
        match self.watch.running.get() {
            None => {}
            Some(TaskId::MAIN) => self.watch.main_waiting.set(Some(waiting())),
            Some(id) => {
                if let Some(slot) = self.tasks.borrow_mut().get_mut(id) {
                    slot.waiting = Some(waiting());
                }
            }
        }
    }

    /// The task being polled now has spent its budget and is made to yield: say so.
    pub(crate) fn note_budget_spent(&self) {
        if let Some(task) = self.watch.running.get() {
            let budget = super::budget::BUDGET;
            self.trace(|| Event::BudgetSpent { task, budget });
        }
    }

    /// The number of the task being polled now, if one is (the main future is 0).
    pub(crate) fn running_number(&self) -> Option<u64> {
        match self.watch.running.get()? {
            TaskId::MAIN => Some(crate::ids::MAIN_NUMBER),
            id => self.tasks.borrow().get(id).map(|slot| slot.number),
        }
    }

    /// The part of the loop other threads may use (to wake it, or send it work).
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}
