//! `async_await` — day 2 of the tour: `async fn`, `.await` and `run`.
//!
//! Calling an `async fn` runs none of its body: it returns a future (Python: a coroutine object)
//! that does nothing until something awaits it. `.await` runs it, and the caller waits for it to
//! finish — so two awaits in a row take the sum of their times. `run` (here `block_on`) starts the
//! loop that does the running.
//!
//! ```python
//! import asyncio
//!
//! async def brew_coffee():
//!     print("brewing")
//!     await asyncio.sleep(1)
//!     return "coffee"
//!
//! async def main():
//!     coro = brew_coffee()     # nothing printed: the body has not started
//!     cup = await coro         # now it runs: "brewing", 1 s, "coffee"
//!     await brew_coffee()      # awaits run one after the other: 2 s for two
//!     await brew_coffee()
//!
//! asyncio.run(main())
//! ```
//!
//! The same program runs on CPython's own loop: `python3 examples/python/async_await.py`, or narrated
//! beside this one: `cargo run --example side_by_side -- async_await`.
//!
//! Run it: `cargo run --example async_await` (3 s), or `-- --virtual`.
//! Read next: `docs/asyncio-to-glassloop.md`, the sections on `async`, `await` and the event loop.

use std::cell::Cell;
use std::time::Duration;

/// A coroutine: counts how often its body started, then waits 1 s for the coffee.
async fn brew_coffee(brews_started: &Cell<u32>) -> &'static str {
    brews_started.set(brews_started.get() + 1);
    println!("    (brewing…)");
    glassloop::sleep(Duration::from_secs(1)).await;
    "coffee"
}

/// What the demo measured.
#[allow(dead_code)] // `main` only prints; the tour and tests/demos.rs read the figures
pub struct Report {
    /// Whether the body of `brew_coffee` had started before anything awaited it (it should not).
    pub ran_before_await: bool,
    /// One brew, awaited.
    pub one: Duration,
    /// Two brews, awaited one after the other.
    pub two_in_a_row: Duration,
}

/// The demo, on a loop built from `builder`.
pub fn demo(builder: glassloop::Builder) -> Report {
    let runtime = builder.build().expect("could not create the event loop");
    // `glassloop::run(main())` is `asyncio.run(main())`: it builds a fresh loop and runs `main` on
    // it. The demo builds the loop itself (so the caller can choose virtual time) and calls
    // `block_on`, which is what `run` does inside.
    runtime.block_on(async {
        println!("async_await: what `async fn` and `.await` do");
        let brews_started = Cell::new(0);

        let coffee = brew_coffee(&brews_started);
        let ran_before_await = brews_started.get() > 0;
        println!(
            "  called brew_coffee(): body started {} time(s) — a future does nothing until awaited",
            brews_started.get()
        );

        let start = glassloop::now();
        let cup = coffee.await;
        let one = glassloop::now() - start;
        println!("  awaited it: got {cup} after {:.3} s", one.as_secs_f64());

        let start = glassloop::now();
        brew_coffee(&brews_started).await;
        brew_coffee(&brews_started).await;
        let two_in_a_row = glassloop::now() - start;
        println!(
            "  two awaits in a row: {:.3} s — `.await` waits for one to finish before the next \
             starts; day 3 runs them together",
            two_in_a_row.as_secs_f64()
        );
        Report {
            ran_before_await,
            one,
            two_in_a_row,
        }
    })
}

fn main() {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    demo(glassloop::Runtime::builder().virtual_time(virtual_time));
}
