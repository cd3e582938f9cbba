//! Exercises for "build the loop yourself" (docs/exercises.md lists them, in order, with what each
//! teaches and the chapter to read first). Each `src/eNN_*.rs` states the exercise and holds a
//! stub to fill in; `tests/eNN_*.rs` fail until the stub is right.
//!
//! ```python
//! # the asyncio you already know, taken apart: asyncio.sleep(0), a TimerHandle, gather, a lost
//! # wake-up, wait_for, the loop's debug log, a Future, asyncio.wait(FIRST_COMPLETED)
//! ```
//!
//! ```sh
//! cargo test -p glassloop-exercises                          # your answers (fail until done)
//! cargo test -p glassloop-exercises --test e01_yield_now     # one exercise
//! cargo test -p glassloop-exercises --features solutions     # the reference solutions
//! ```
//!
//! The solutions are in `solutions/`, one file per exercise; `--features solutions` builds them
//! in place of the stubs. Read one only after trying.

#![forbid(unsafe_code)]

#[cfg_attr(feature = "solutions", path = "../solutions/e01_yield_now.rs")]
pub mod e01_yield_now;
#[cfg_attr(feature = "solutions", path = "../solutions/e02_sleep_on_the_wheel.rs")]
pub mod e02_sleep_on_the_wheel;
#[cfg_attr(feature = "solutions", path = "../solutions/e03_gather_in_o_n.rs")]
pub mod e03_gather_in_o_n;
#[cfg_attr(feature = "solutions", path = "../solutions/e04_the_lost_wake.rs")]
pub mod e04_the_lost_wake;
#[cfg_attr(feature = "solutions", path = "../solutions/e05_lazy_timeout.rs")]
pub mod e05_lazy_timeout;
#[cfg_attr(feature = "solutions", path = "../solutions/e06_a_trace_line.rs")]
pub mod e06_a_trace_line;
#[cfg_attr(feature = "solutions", path = "../solutions/e07_oneshot.rs")]
pub mod e07_oneshot;
#[cfg_attr(feature = "solutions", path = "../solutions/e08_race.rs")]
pub mod e08_race;
