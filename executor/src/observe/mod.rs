//! The loop watching itself — asyncio's debug mode, `asyncio.all_tasks()` and a task's repr, made
//! into a layer of its own.
//!
//! The loop reports every step through one door, the [`Watch`]; what is behind it is this folder:
//!
//! - [`event.rs`](event) — the words: one [`Event`] per step, who caused a wake, and what a
//!   [`Watcher`](event::Watcher) is;
//! - [`labels.rs`](labels) — how a task is named;
//! - [`introspect.rs`](introspect) — what a task waits on ([`WaitingOn`]), and the records
//!   `all_tasks` returns;
//! - [`watch.rs`](watch) — the door: what the loop calls, and the watchers behind it;
//! - the watchers: [`trace.rs`](trace) (one line per event), [`dump.rs`](dump) (every task, when
//!   the loop is idle for long), [`chrome.rs`](chrome) (the run as a Chrome trace file, for
//!   Perfetto), [`html.rs`](html) (the timeline as a web page), [`timeline.rs`](timeline) (a chart when the loop ends) and, with the cargo
//!   feature `tracing`, `tracing.rs` (the events as `tracing` spans and events); and
//!   [`stepper.rs`](stepper), which pauses the loop after each event and shows its state.
//!
//! This layer knows only the task ids: it sits below the loop, which calls it, and it looks at the
//! loop only through the [`LoopView`] the loop hands its watchers.

mod chrome;
mod dump;
mod event;
mod html;
mod introspect;
mod labels;
mod stepper;
mod timeline;
mod trace;
#[cfg(feature = "tracing")]
mod tracing;
mod watch;

pub(crate) use event::{Event, LoopView, WakeCause};
pub(crate) use introspect::{Primitive, Waiting};
pub use introspect::{TaskInfo, TaskStatus, WaitingOn};
pub(crate) use labels::task_name;
pub(crate) use stepper::keys_from_terminal;
pub(crate) use watch::{Watch, WatchConfig};
