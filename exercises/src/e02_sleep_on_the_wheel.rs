//! Exercise 2: a `Sleep` on the timer wheel — asyncio's `call_at` and the `TimerHandle` it pushes
//! onto `_scheduled`, here on `glassloop_timer::TimerWheel` with a clock you move by hand.
//!
//! Write two things:
//! - `Sleep::poll`: ready once the clock has reached the deadline; otherwise arm a timer with the
//!   task's waker — *once*, however often it is polled — and return `Pending`;
//! - `Timers::advance_to`: move the clock to `tick` and wake every timer that is due (the wheel's
//!   `advance_to` hands their wakers over). Never early: a timer due at 10 fires at 10.
//!
//! Read first: docs/timer-wheel.md. The tests: tests/e02_sleep_on_the_wheel.rs. (glassloop's own:
//! `Sleep` in executor/src/time/mod.rs and `Timers::take_due` in executor/src/driver/timers.rs.)

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use glassloop_timer::TimerWheel;

/// The armed timers and a clock counted in ticks, moved by `advance_to`.
#[derive(Default)]
pub struct Timers {
    /// Armed timers; each holds the waker of the task that sleeps.
    pub wheel: TimerWheel<Waker>,
    /// The current tick.
    pub now: u64,
}

impl Timers {
    /// Moves the clock to `tick` and wakes every timer due by then.
    pub fn advance_to(&mut self, tick: u64) {
        let _ = tick;
        todo!("exercise 2: advance the wheel, then wake what fired")
    }
}

/// Sleeps until tick `deadline` of `timers`.
pub struct Sleep<'a> {
    /// Whose clock.
    pub timers: &'a RefCell<Timers>,
    /// When to wake.
    pub deadline: u64,
    /// Whether a timer was armed.
    pub armed: bool,
}

/// `asyncio.sleep`, on `timers`'s clock: until tick `deadline`.
pub fn sleep_until(timers: &RefCell<Timers>, deadline: u64) -> Sleep<'_> {
    Sleep {
        timers,
        deadline,
        armed: false,
    }
}

impl Future for Sleep<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _ = (self, cx);
        todo!("exercise 2: ready at the deadline, else arm once and wait")
    }
}
