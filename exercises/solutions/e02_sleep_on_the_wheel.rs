//! Exercise 2, a solution. Two details: the waker is woken only after the `RefCell` borrow is
//! released (waking runs code, and that code may arm another timer); and `armed` keeps a sleep
//! polled twice from filing two timers.

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
        self.now = tick;
        let mut fired = Vec::new();
        self.wheel.advance_to(tick, &mut fired);
        for waker in fired {
            waker.wake();
        }
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

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.timers.borrow().now >= self.deadline {
            return Poll::Ready(());
        }
        if !self.armed {
            self.armed = true;
            let deadline = self.deadline;
            self.timers
                .borrow_mut()
                .wheel
                .insert(deadline, cx.waker().clone());
        }
        Poll::Pending
    }
}
