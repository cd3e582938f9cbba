//! glassloop's event loop: tasks and wakers, the run queue, the loop, the mio reactor, timers,
//! gather, spawn and the trace.
//!
//! This crate is re-exported by the `glassloop` facade; use that. The source is laid out in
//! layers, and every import points down a layer (or stays inside the loop's own folder):
//!
//! ```text
//!   the API you call    runtime.rs  workers.rs  spawn.rs  handle.rs  gather.rs  select.rs
//!                       explore.rs  task_group.rs  yield_now.rs  sync/          (asyncio's names)
//!   waiting, above      time/   (sleep, timeout, interval)     io/   (sockets, signals, to_thread, files)
//!   the loop            event_loop/   (the turn, spawning and joining, shutdown, wakers, context)
//!   below the loop      task/  (a task and its table)   observe/  (the trace, the timeline, the dump)
//!                       driver/  (the clock and timers, the selector)
//!   the words           ids.rs  error.rs  store_waker.rs                         (depend on nothing)
//! ```
//!
//! Read it from the bottom up — each file opens with what it is, its asyncio twin, and what to
//! read next — or start with one turn of the loop:
//!
//! 1. [`ids.rs`](ids), [`error.rs`](error), [`store_waker.rs`](store_waker) — the words every
//!    layer shares;
//! 2. [`task/`](task) — a task's states, its slot, the table;
//! 3. [`observe/`](observe) — how the loop is watched: events, the trace, the timeline, the dump,
//!    the HTML page, the Chrome trace, the stepper;
//! 4. [`driver/`](driver) — the clock, the timer wheel, the selector;
//! 5. [`event_loop/`](event_loop) — **one turn of the loop**, in `event_loop/mod.rs`; then
//!    spawning and joining, what waiting futures ask of the loop, shutdown, and the wakers;
//! 6. [`time/`](time) and [`io/`](io) — the futures that wait on timers and sockets;
//! 7. the API: [`runtime.rs`](runtime) (`run`, `Runtime`), [`spawn.rs`](mod@spawn) (`spawn`,
//!    `JoinHandle`), [`handle.rs`](handle), [`gather.rs`](mod@gather), [`select.rs`](mod@select),
//!    [`explore.rs`](explore) (seeded schedules), [`task_group.rs`](task_group), [`yield_now.rs`](mod@yield_now), [`sync/`](sync).

//!
//! # Polling a future again after it completed
//!
//! One rule, as in tokio: a future that hands over a *result* is **one-shot** — polled again
//! after it returned `Ready`, it panics with a message saying so, rather than return an empty or
//! a second result. These are [`JoinHandle`], [`RemoteJoinHandle`], [`Gather`], [`TryGather`],
//! [`timeout`], [`race`], [`select!`], `Queue::put`, `Queue::get` and
//! `Semaphore::acquire` (and `Lock::lock`, `TaskGroup::join` and every `async fn` here, which Rust
//! makes one-shot). A future that only says a *state was reached* is **level-like** — polled
//! again, it is ready again: [`Sleep`] (the deadline has passed), `Event::wait` (the event is
//! set), `Queue::join` (nothing unfinished), [`YieldNow`], and [`AsCompleted`] (`None` once
//! exhausted). Each type's documentation says which it is.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The docs point readers into the private modules on purpose: this crate is meant to be read
// inside out. Build them with `cargo doc --document-private-items --open` and every link resolves.
#![allow(rustdoc::private_intra_doc_links)]

// The words.
mod error;
mod ids;
mod store_waker;

// Below the loop.
mod driver;
mod observe;
mod task;

// The loop.
mod event_loop;

// Waiting, above the loop.
mod io;
pub mod time;

// The API.
mod explore;
mod gather;
mod handle;
mod runtime;
mod select;
mod spawn;
pub mod sync;
mod task_group;
mod workers;
mod yield_now;

pub use error::JoinError;
pub use event_loop::{all_tasks, current_task, Stats};
pub use explore::{explore_seeds, Exploration};
pub use gather::{gather, try_gather, Gather, TryGather};
pub use handle::{Handle, RemoteJoinHandle};
pub use io::blocking::to_thread;
pub use io::{fs, net, signal};
pub use observe::{TaskInfo, TaskStatus, WaitingOn};
pub use runtime::{run, Builder, Runtime};
pub use select::{as_completed, race, AsCompleted};
pub use spawn::{shield, spawn, spawn_named, AbortHandle, JoinHandle};
pub use task_group::{TaskGroup, TaskGroupError};
pub use time::{blocking_sleep, now, sleep, sleep_until, timeout, Elapsed, Sleep};
pub use workers::run_workers;
pub use yield_now::{yield_now, YieldNow};
// What a sleeping task costs, byte by byte (docs/performance.md adds it up). These sizes are
// what bring a million sleeping tasks under smol's memory; a change that grows one fails here.
#[cfg(test)]
mod sizes {
    use std::mem::size_of;
    use std::sync::Arc;

    use crate::{event_loop, observe, task, JoinHandle, Sleep};

    #[test]
    fn the_parts_of_a_task_keep_their_size() {
        type Slot = task::TaskSlot<Arc<event_loop::waker::TaskWaker>>;
        assert_eq!(size_of::<Slot>(), 88, "a task's slot");
        assert_eq!(
            size_of::<Option<observe::Waiting>>(),
            16,
            "what a task waits on"
        );
        // 24 bytes: with its reference counts, 40 — malloc's 48-byte size class.
        assert_eq!(
            size_of::<event_loop::waker::TaskWaker>(),
            24,
            "a task's waker"
        );
        assert_eq!(size_of::<JoinHandle<()>>(), 16, "a JoinHandle");
        assert_eq!(size_of::<Sleep>(), 24, "a Sleep");
    }
}
