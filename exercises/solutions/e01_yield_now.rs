//! Exercise 1, a solution: wake the task *before* returning `Pending` — the loop puts it at the
//! back of the ready queue, so every task ready now runs first.

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

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
