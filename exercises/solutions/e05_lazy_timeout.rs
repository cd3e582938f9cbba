//! Exercise 5, a solution — a `timeout` that arms its timer only when it needs one — asyncio's
//! `asyncio.wait_for(aw, timeout)`.
//!
//! Most timeouts are met, and many are met at once (the answer was already there). Arming a timer
//! costs, and so does cancelling it; a timeout whose future is ready on the first poll should do
//! neither. Write `Timeout::poll`: poll the inner future first — ready: `Ok(output)`, no timer;
//! otherwise, past the deadline: `Err(Elapsed)`; otherwise arm the timer (once) and wait.
//!
//! [`Clock`] (done for you) is a clock moved by hand that counts the timers armed.
//!
//! Read first: docs/timer-wheel.md. The tests: tests/e05_lazy_timeout.rs. (glassloop's own:
//! executor/src/time/timeout.rs.)

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A clock moved by hand, its armed timers, and how many were ever armed.
#[derive(Default)]
pub struct Clock {
    /// Now, in ticks.
    pub now: Cell<u64>,
    timers: RefCell<Vec<(u64, Waker)>>,
    /// Timers armed so far.
    pub armed: Cell<usize>,
}

impl Clock {
    /// Wakes `waker` at tick `deadline`.
    pub fn arm(&self, deadline: u64, waker: Waker) {
        self.armed.set(self.armed.get() + 1);
        self.timers.borrow_mut().push((deadline, waker));
    }

    /// Moves the clock to `tick`, waking the timers due.
    pub fn advance_to(&self, tick: u64) {
        self.now.set(tick);
        let due: Vec<Waker> = {
            let mut timers = self.timers.borrow_mut();
            let (due, later): (Vec<_>, Vec<_>) = timers.drain(..).partition(|(d, _)| *d <= tick);
            *timers = later;
            due.into_iter().map(|(_, waker)| waker).collect()
        };
        due.into_iter().for_each(Waker::wake);
    }
}

/// The deadline passed first.
#[derive(Debug, PartialEq, Eq)]
pub struct Elapsed;

/// `inner`, unless tick `deadline` comes first.
pub struct Timeout<'a, F> {
    /// Whose clock.
    pub clock: &'a Clock,
    /// The future given more time.
    pub inner: Pin<Box<F>>,
    /// When it runs out.
    pub deadline: u64,
    /// Whether the timer was armed.
    pub armed: bool,
}

/// `asyncio.wait_for(inner, timeout)`, with the deadline as a tick of `clock`.
pub fn timeout<F: Future>(clock: &Clock, deadline: u64, inner: F) -> Timeout<'_, F> {
    Timeout {
        clock,
        inner: Box::pin(inner),
        deadline,
        armed: false,
    }
}

impl<F: Future> Future for Timeout<'_, F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The inner future first: a timeout that is met needs no timer at all.
        if let Poll::Ready(output) = this.inner.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if this.clock.now.get() >= this.deadline {
            return Poll::Ready(Err(Elapsed));
        }
        if !this.armed {
            this.armed = true;
            this.clock.arm(this.deadline, cx.waker().clone());
        }
        Poll::Pending
    }
}
