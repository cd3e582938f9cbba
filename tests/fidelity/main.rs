//! The fidelity suite: where the book says "this is asyncio's X" or "tokio's Y", glassloop behaves
//! as X or Y does. One file per primitive; each test names, in a comment, the behaviour it checks
//! and where the reference pins it down (a test of CPython's `Lib/test/test_asyncio/` or of
//! tokio's `tokio/tests/`). The tests are glassloop's own code. A behaviour glassloop deliberately
//! does not share is an `#[ignore]`d test whose reason names the documented difference.
//!
//! `cargo test --test fidelity` runs the suite alone.

#[path = "../support/mod.rs"]
mod support;

mod abort;
mod barrier;
mod budget;
mod condition;
mod event;
mod gather;
mod handle;
mod interval;
mod queue;
mod select;
mod semaphore;
mod tasks;
mod timeout;
