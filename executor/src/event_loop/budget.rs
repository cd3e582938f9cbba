//! The cooperative budget — how a task that is always ready is made to yield, as tokio's `coop`
//! does it.
//!
//! A loop can only switch tasks where a task returns `Pending`. A task that loops over something
//! always ready — a queue that is never empty, a socket that always has data, a `JoinHandle` of a
//! finished task — never does, and starves every other task, timer and socket, including the
//! `timeout` meant to stop it. asyncio has the same hazard (a coroutine that never awaits anything
//! pending blocks its loop) and leaves it to the programmer; tokio gives each poll of a task a
//! budget of operations, and so does glassloop.
//!
//! Each poll of a task starts with [`BUDGET`] operations. glassloop's own leaf futures — the sync
//! primitives, sockets, `JoinHandle`, `Sleep` — spend one each time they complete. Once the budget
//! is spent, the next leaf does not complete: it wakes its task and returns `Pending`, so the task
//! goes to the back of the ready queue, and the loop fires timers and polls I/O before it runs
//! again. The trace says so:
//! `task 3 (…) made to yield: its budget of 128 operations in one poll is spent`.
//!
//! The budget lives in a thread-local, set for the length of one task's poll: outside a
//! glassloop task (say, in a future polled by another executor) nothing is limited.
//!
//! Read next: [`context.rs`](super::context).

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may complete in one poll: tokio's number, large enough that a task doing
/// real work rarely meets it, small enough that a spinning one yields within microseconds.
pub(crate) const BUDGET: u32 = 128;

/// What "no limit" looks like: outside a task's poll the count starts here, and would take four
/// billion operations to run out. (One plain number instead of an `Option`: this is read on every
/// leaf poll, and is cheapest as one load and one compare.)
const UNLIMITED: u32 = u32::MAX;

thread_local! {
    /// Operations the task being polled may still complete.
    static LEFT: Cell<u32> = const { Cell::new(UNLIMITED) };
}

/// Runs one poll of a task with a fresh budget. (A poll that panics leaves the budget behind; the
/// next poll of any task starts afresh, and the one extra limit on code outside a task until then
/// is harmless.)
#[inline]
pub(crate) fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    LEFT.with(|left| left.set(BUDGET));
    let result = poll();
    LEFT.with(|left| left.set(UNLIMITED));
    result
}

/// Runs a leaf future's `poll` under the budget: if the budget is spent, the leaf wakes its task
/// and returns `Pending` without trying; otherwise it tries, and a `Ready` costs one operation.
#[inline]
pub(crate) fn spend<T>(
    cx: &mut Context<'_>,
    poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    let left = LEFT.with(Cell::get);
    if left == 0 {
        return made_to_yield(cx);
    }
    let result = poll(cx);
    if result.is_ready() {
        LEFT.with(|cell| cell.set(left - 1));
    }
    result
}

/// The budget is spent: wake the task (it goes to the back of the ready queue) and tell the trace.
#[cold]
#[inline(never)]
fn made_to_yield<T>(cx: &mut Context<'_>) -> Poll<T> {
    super::context::with_current(|core| core.note_budget_spent());
    cx.waker().wake_by_ref();
    Poll::Pending
}

/// Runs `poll` with no budget: for a `timeout`'s timer, which must be able to fire however much
/// the future it guards has spent (tokio's `coop::with_unconstrained`).
pub(crate) fn unconstrained<R>(poll: impl FnOnce() -> R) -> R {
    let left = LEFT.with(|cell| cell.replace(UNLIMITED));
    let result = poll();
    LEFT.with(|cell| cell.set(left));
    result
}
