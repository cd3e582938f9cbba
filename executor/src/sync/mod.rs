//! Waiting for each other — asyncio's `Queue`, `Event`, `Lock` and `Semaphore`.
//!
//! These are *single-loop* types, like asyncio's: they are shared between the tasks of one loop
//! (clone a handle to share it; the clones point at the same state) and need no atomics or locks,
//! because only one task runs at a time. What they teach is the waker bookkeeping every async
//! primitive does:
//!
//! - a task that must wait puts a *waiter* (its waker, and a "notified" mark) at the back of a
//!   first-come-first-served list, and returns `Pending`;
//! - whoever makes progress possible (a `put`, a `release`, a `set`) marks the first waiter notified
//!   and wakes it — handing it the item or permit directly, so nobody can barge in between;
//! - a waiter that is dropped (cancelled: a `timeout` ran out, a `select!` picked another branch)
//!   leaves the list, and if it had already been notified it **passes the notification on** to the
//!   next waiter, so a cancellation never swallows a wake meant for someone else.
//!
//! The shared list is in [`wait_list.rs`](wait_list).
//!
//! Besides asyncio's four there are [`Condition`] and [`Barrier`], and the `BoundedSemaphore`.
//!
//! Read next: [`wait_list.rs`](wait_list), the list every primitive here is built on.

mod barrier;
mod condition;
mod event;
mod lock;
mod queue;
mod semaphore;
mod wait_list;

pub use barrier::{Barrier, BrokenBarrier};
pub use condition::{Condition, ConditionGuard};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use queue::{Queue, QueueEmpty, QueueFull, QueueShutDown};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphorePermit, TooManyPermits};
