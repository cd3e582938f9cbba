//! # glassloop
//!
//! An async runtime written to be read: Python's asyncio ideas — `asyncio.run`, `sleep`, `gather`,
//! `create_task` — in Rust, without tokio, with a loop that can narrate every step it takes.
//!
//! | asyncio | glassloop |
//! |---|---|
//! | `asyncio.run(main())` | [`run`]`(main())` |
//! | `await asyncio.sleep(2)` | [`sleep`]`(Duration::from_secs(2)).await` |
//! | `await asyncio.gather(a, b)` | [`gather!`]`(a, b).await` |
//! | `asyncio.create_task(c)` | [`spawn`]`(c)` |
//! | `asyncio.wait_for(c, 1)` | [`timeout`]`(Duration::from_secs(1), c).await` |
//! | `await asyncio.sleep(0)` | [`yield_now`]`().await` |
//! | `loop.time()` | [`now`]`()` |
//!
//! ```
//! use std::time::Duration;
//!
//! async fn get_user(id: u32) -> String {
//!     glassloop::sleep(Duration::from_millis(50)).await; // a pretend database call
//!     format!("user {id}")
//! }
//!
//! let users = glassloop::run(async {
//!     glassloop::gather([get_user(1), get_user(2), get_user(3)]).await
//! });
//! assert_eq!(users, ["user 1", "user 2", "user 3"]);
//! ```
//!
//! This crate only re-exports; the loop lives in `glassloop-executor`, the timer wheel in
//! `glassloop-timer`. The book in `docs/` walks through both; start at `docs/README.md`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use glassloop_executor::*;

/// `#[glassloop::main]` and `#[glassloop::test]`: run an `async fn` on a loop.
pub use glassloop_macros::{main, test};

// The book's Rust samples are compiled and run as doc tests of this crate (they call
// `glassloop::...` as a reader would), so the chapters cannot drift from the code. Only under
// `cargo test`: the chapters are not part of the API docs.
#[cfg(doctest)]
#[doc = include_str!("../docs/asyncio-to-glassloop.md")]
mod asyncio_to_glassloop_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../docs/reading-the-trace.md")]
mod reading_the_trace_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../docs/event-loop.md")]
mod event_loop_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../docs/waiting-for-each-other.md")]
mod waiting_for_each_other_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../docs/what-can-go-wrong.md")]
mod what_can_go_wrong_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../docs/seeded-schedules.md")]
mod seeded_schedules_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../docs/futures.md")]
mod futures_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

// The book's chapters on the reactor and on HTTP are compiled and run as doc tests, so their code
// cannot drift from the runtime. (Only under `cargo test`: they are not part of the API docs.)
#[cfg(doctest)]
#[doc = include_str!("../docs/reactor.md")]
mod reactor_chapter {}

#[cfg(doctest)]
#[doc = include_str!("../docs/http.md")]
mod http_chapter {}
