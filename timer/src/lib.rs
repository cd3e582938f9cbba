//! glassloop's timer wheel: where `sleep` and `timeout` wait for their deadline.
//!
//! asyncio keeps its timers in a heap, `loop._scheduled`: `loop.call_at` pushes a `TimerHandle`
//! onto it in O(log n), and cancelling only marks the handle, which stays in the heap until it
//! surfaces. This crate is glassloop's replacement for that heap: a *hierarchical timer wheel*
//! in which inserting and cancelling a timer are both O(1), and a cancelled timer is gone at once.
//!
//! It is a pure data structure. It has no clock and no dependencies: time is a tick count that
//! the caller passes to [`TimerWheel::advance_to`], and each timer carries a payload of the
//! caller's choice (glassloop's executor stores the `Waker` of the task that is sleeping).
//!
//! ```
//! use glassloop_timer::TimerWheel;
//!
//! let mut wheel = TimerWheel::new();
//! let request_timeout = wheel.insert(30_000, "request timed out");
//! wheel.insert(2_000, "sleep(2) is over");
//!
//! // The response came back in time: cancel the timeout. O(1), and nothing is left behind.
//! wheel.cancel(request_timeout);
//!
//! // The loop asks how long it may park, then moves time forward and wakes whoever is due.
//! assert_eq!(wheel.next_expiration(), Some(1_984)); // a lower bound; see `next_expiration`
//! let mut fired = Vec::new();
//! wheel.advance_to(2_000, &mut fired);
//! assert_eq!(fired, ["sleep(2) is over"]);
//! assert!(wheel.is_empty());
//! ```
//!
//! # Where to read
//!
//! The book chapter `docs/timer-wheel.md` tells the whole story with pictures. In the source, each
//! file uses only the files before it, so read them in this order, from the one that depends on
//! nothing to the one that puts everything together:
//!
//! 1. `src/geometry.rs` — the wheel's shape ([`LEVELS`], [`SLOTS_PER_LEVEL`], [`Position`]) and
//!    the arithmetic that picks the level and slot a deadline belongs in;
//! 2. `src/entries.rs` — the slab of entries, its free list, and the generations that make a
//!    [`TimerKey`] go stale;
//! 3. `src/list.rs` — each slot as a doubly linked list, linked by index instead of pointer;
//! 4. `src/level.rs` — one level: 64 such lists and the bitmap of which are occupied;
//! 5. `src/wheel.rs` — [`TimerWheel`]: the levels drawn out, `insert`, `cancel`, and `advance_to`
//!    with the trap it avoids.
//!
//! Then `src/wheel/tests.rs`, which checks each promise of the wheel on hand-picked cases.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod entries;
mod geometry;
mod level;
mod list;
mod wheel;

pub use entries::TimerKey;
pub use geometry::{Position, LEVELS, SLOTS_PER_LEVEL};
pub use wheel::TimerWheel;

// The book chapter's code samples are compiled and run as doc tests, so the chapter cannot drift
// from the code. (Only under `cargo test`: the chapter is not part of the API docs.)
#[cfg(doctest)]
#[doc = include_str!("../../docs/timer-wheel.md")]
mod timer_wheel_chapter {}
