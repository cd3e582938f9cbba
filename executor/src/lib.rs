//! glassloop's event loop: tasks and wakers, the run queue, the loop, the mio reactor, timers,
//! gather, spawn and the trace.
//!
//! This crate is re-exported by the `glassloop` facade; use that. The files are written to be read,
//! in this order:
//!
//! 1. [`runtime.rs`](runtime) — `run`, `Runtime`, `spawn`: what a user calls;
//! 2. [`event_loop.rs`](event_loop) — one turn of the loop;
//! 3. [`task.rs`](task) — a task's states;
//! 4. [`waker.rs`](waker) — how a wake gets back to the loop, from this thread or another;
//! 5. [`time.rs`](time), [`timeout.rs`](timeout), [`yield_now.rs`](yield_now) — waiting;
//! 6. [`gather.rs`](mod@gather) — waiting for many;
//! 7. [`reactor.rs`](reactor) — the selector; [`io_source.rs`](io_source) and [`net.rs`](net) —
//!    sockets on it; [`blocking.rs`](blocking) — `to_thread`; [`fs.rs`](fs) — files;
//! 8. [`trace.rs`](trace) and [`timeline.rs`](timeline) — the loop narrating itself.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The docs point readers into the private modules on purpose: this crate is meant to be read
// inside out. Build them with `cargo doc --document-private-items --open` and every link resolves.
#![allow(rustdoc::private_intra_doc_links)]

mod blocking;
mod clock;
mod context;
mod event_loop;
pub mod fs;
mod gather;
mod handle;
mod introspect;
mod io_source;
mod join;
pub mod net;
mod outputs;
mod reactor;
mod runtime;
mod select;
pub mod signal;
pub mod sync;
mod task;
mod task_group;
pub mod time;
mod timeline;
mod timeout;
mod trace;
mod waker;
mod yield_now;

pub use blocking::to_thread;
pub use event_loop::Stats;
pub use gather::{gather, try_gather, Gather, TryGather};
pub use handle::{Handle, RemoteJoinHandle};
pub use introspect::{all_tasks, TaskInfo, TaskStatus, WaitingOn};
pub use join::{AbortHandle, JoinError, JoinHandle};
pub use runtime::{run, spawn, spawn_named, Builder, Runtime};
pub use select::{as_completed, race, AsCompleted};
pub use task_group::{TaskGroup, TaskGroupError};
pub use time::{blocking_sleep, now, sleep, sleep_until, Sleep};
pub use timeout::{timeout, Elapsed};
pub use yield_now::{yield_now, YieldNow};
