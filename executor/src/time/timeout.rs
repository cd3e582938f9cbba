//! `timeout` — asyncio's `asyncio.wait_for(aw, timeout)` and `async with asyncio.timeout(...)`.
//!
//! A timeout races a future against a [`Sleep`](crate::Sleep). Most timeouts never fire (a request
//! that answers in time), so this one is built to cost almost nothing in that case: the inner future
//! is polled first, and the timer is armed only if the inner future is still pending.
//!
//! Read next: [`interval.rs`](mod@super::interval), ticks on a schedule.

use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use super::{now, sleep_until};
use crate::driver::clock::deadline_after;
use crate::event_loop::budget;

/// Runs `future` for at most `duration` — asyncio's `asyncio.wait_for`.
///
/// Yields `Ok(output)` if the future finishes first, or `Err(Elapsed)` if the time runs out.
/// The deadline is fixed when `timeout` is called. The future it returns is one-shot: polling
/// it again after it completed panics.
///
/// **Cancellation:** on expiry the inner future is dropped — that is how Rust cancels, where asyncio
/// throws `CancelledError` into the coroutine. Whatever it was waiting for (a timer, a socket read)
/// is released by its destructor. Dropping the whole timeout future drops both the inner future and
/// the timer.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let slow = glassloop::sleep(Duration::from_secs(3600));
///     let result = glassloop::timeout(Duration::from_millis(10), slow).await;
///     assert!(result.is_err());
///
///     let quick = async { 7 };
///     assert_eq!(glassloop::timeout(Duration::from_secs(1), quick).await, Ok(7));
/// });
/// ```
pub fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    let deadline = deadline_after(now(), duration);
    // An `async` block does the pinning for us, without `unsafe`: `future` lives inside the block's
    // own (pinned) state.
    async move {
        let mut future = pin!(future);
        let mut timer = sleep_until(deadline);
        poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            // Only now, with the inner future pending, is the timer armed. It is polled outside
            // the task's budget: a future that spent it (being always ready) is exactly the one
            // whose timeout must be able to fire.
            match budget::unconstrained(|| Pin::new(&mut timer).poll(cx)) {
                Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}

/// The error of a [`timeout`] that ran out — asyncio's `TimeoutError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, "deadline has elapsed")
    }
}
