//! Exercise 1: `yield_now` — asyncio's `await asyncio.sleep(0)`: give the loop back once, so the
//! other ready tasks run, then carry on.
//!
//! Write `poll`: the first time it is called, ask to be polled again (wake the task — the waker
//! is in `cx`) and return `Pending`; the second time, return `Ready(())`.
//!
//! Read first: docs/futures.md ("Poll, Context and Waker"). The tests: tests/e01_yield_now.rs.
//! (glassloop's own is executor/src/yield_now.rs — read it after.)

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future `yield_now()` returns.
pub struct YieldNow {
    /// Whether it has already given the loop back once.
    pub yielded: bool,
}

/// Gives the loop back once.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _ = (self, cx);
        todo!("exercise 1: wake the task and return Pending once, then Ready")
    }
}
