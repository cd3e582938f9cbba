//! Keeping a waker for later — the one line of bookkeeping every waiting future does, asyncio's
//! `fut.add_done_callback(task.__wakeup)`.
//!
//! A future that returns `Pending` must make sure *someone* wakes the task that polled it. It
//! keeps the waker from the `Context` it was polled with, in a timer entry, a socket's slot, a
//! wait list or a task's slot, and whoever makes progress possible wakes it. This file is that
//! one step, written once; the timer wheel, the reactor, the sync primitives, `gather`,
//! `TaskGroup`, `JoinHandle`s and `to_thread` all call it.
//!
//! This file depends on nothing.
//!
//! Read next: [`task/`](crate::task), the task and its table.

use std::task::Waker;

/// Keeps `waker` in `slot`, to be woken when the future can make progress. Returns the waker it
/// replaced, for the caller to drop once it has released its own borrows (dropping a waker can
/// run code).
///
/// Why not simply overwrite: a future is usually polled by the same task again and again, and
/// cloning a waker costs a reference-count increment (an atomic operation). `will_wake` says
/// whether the stored waker already wakes the same task, and then nothing changes.
///
/// Why not keep the first waker forever: the waker may change between polls. `gather` gives each
/// child a waker of its own, a future can move from one task to another, and hyper polls the same
/// future from different places. Only the latest waker is sure to wake whoever waits now.
pub(crate) fn store_waker(slot: &mut Option<Waker>, waker: &Waker) -> Option<Waker> {
    match slot {
        Some(stored) => refresh_waker(stored, waker),
        None => slot.replace(waker.clone()),
    }
}

/// [`store_waker`], for a place that always holds a waker (an armed timer): replaces `stored`
/// with `waker` unless it already wakes the same task, and returns the one it replaced.
pub(crate) fn refresh_waker(stored: &mut Waker, waker: &Waker) -> Option<Waker> {
    if stored.will_wake(waker) {
        return None;
    }
    Some(std::mem::replace(stored, waker.clone()))
}
