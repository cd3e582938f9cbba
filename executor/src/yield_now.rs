//! `yield_now` — asyncio's `await asyncio.sleep(0)`.
//!
//! The future wakes its own task and returns `Pending` once. The task goes to the back of the ready
//! queue, so every task that was already ready runs before it is polled again.
//!
//! Read next: [`sync/`](crate::sync), tasks waiting for each other.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lets every other ready task run once — asyncio's `await asyncio.sleep(0)`.
///
/// ```
/// # use glassloop_executor as glassloop;
/// glassloop::run(async {
///     let other = glassloop::spawn(async { "ran" });
///     glassloop::yield_now().await; // the spawned task runs here
///     assert!(other.is_finished());
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`]. Dropping it has no effect. Polled again after it
/// completed, it is ready again (level-like: it has yielded once).
#[derive(Debug)]
#[must_use = "yield_now does nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Waking ourselves puts us at the back of the ready queue, behind everyone already there.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
