//! `sync_vs_async` — day 1 of the tour: why async at all.
//!
//! Two tasks each wait 2 s. If the wait *blocks* (Python's `time.sleep` inside an `async def`), the
//! loop can do nothing else meanwhile, so gathering them still takes 4 s. If the wait *awaits*
//! (`asyncio.sleep`), the task hands the loop back while it waits, so both wait together: 2 s.
//!
//! ```python
//! import asyncio, time
//!
//! async def blocking_task():
//!     time.sleep(2)             # holds the whole loop for 2 s
//!
//! async def async_task():
//!     await asyncio.sleep(2)    # gives the loop back for 2 s
//!
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     start = loop.time()
//!     await asyncio.gather(blocking_task(), blocking_task())
//!     print(f"blocking, gathered: {loop.time() - start:.3f} s")   # 4 s
//!     start = loop.time()
//!     await asyncio.gather(async_task(), async_task())
//!     print(f"awaiting, gathered: {loop.time() - start:.3f} s")   # 2 s
//!
//! asyncio.run(main())
//! ```
//!
//! The same program runs on CPython's own loop: `python3 examples/python/sync_vs_async.py`, or narrated
//! beside this one: `cargo run --example side_by_side -- sync_vs_async`.
//!
//! Run it: `cargo run --example sync_vs_async` (4 + 2 s), or `-- --virtual` for virtual time (the
//! same figures, at once). It ends with the timeline chart; `GLASSLOOP_TRACE=1` in front adds the
//! loop's own narration. Read next: `docs/asyncio-to-glassloop.md`.

use std::time::Duration;

/// How long each task waits.
const WAIT: Duration = Duration::from_secs(2);

/// Waits the wrong way: the thread sleeps, and with it the loop — `time.sleep(2)` in an
/// `async def`. On virtual time the loop's clock moves 2 s forward instead, with nothing run.
async fn blocking_task() {
    glassloop::blocking_sleep(WAIT);
}

/// Waits the async way: `await asyncio.sleep(2)`. The task returns `Pending` to the loop, which
/// is free to run the other task until the timer fires.
async fn async_task() {
    glassloop::sleep(WAIT).await;
}

/// What the demo measured, on the loop's clock.
#[allow(dead_code)] // `main` only prints; the tour and tests/demos.rs read the figures
pub struct Report {
    /// Two blocking tasks, gathered.
    pub blocking: Duration,
    /// Two awaiting tasks, gathered.
    pub gathered: Duration,
}

/// The demo, on a loop built from `builder`: the caller picks virtual time and where the trace
/// goes; the demo adds the timeline.
pub fn demo(builder: glassloop::Builder) -> Report {
    let runtime = builder
        .timeline(true)
        .build()
        .expect("could not create the event loop");
    let report = runtime.block_on(async {
        println!(
            "sync_vs_async: two tasks that each wait {} s",
            WAIT.as_secs()
        );

        // asyncio.gather wraps each coroutine in a Task; `spawn_named` is that step made
        // explicit, and the names label the timeline's rows.
        let start = glassloop::now();
        let tasks = [
            glassloop::spawn_named("blocking A", blocking_task()),
            glassloop::spawn_named("blocking B", blocking_task()),
        ];
        for finished in glassloop::gather(tasks).await {
            finished.expect("a blocking task does not fail");
        }
        let blocking = glassloop::now() - start;
        println!(
            "  blocking wait, gathered: {:.3} s — each wait held the loop, so B could not start \
             until A was done",
            blocking.as_secs_f64()
        );

        let start = glassloop::now();
        let tasks = [
            glassloop::spawn_named("async A", async_task()),
            glassloop::spawn_named("async B", async_task()),
        ];
        for finished in glassloop::gather(tasks).await {
            finished.expect("an async task does not fail");
        }
        let gathered = glassloop::now() - start;
        println!(
            "  awaited wait, gathered:  {:.3} s — each wait gave the loop back, so A and B waited \
             at the same time",
            gathered.as_secs_f64()
        );
        println!("  the timeline (drawn when the loop ends) shows the same thing as a picture:");
        Report { blocking, gathered }
    });
    // Dropping the runtime ends the loop, which draws the timeline.
    drop(runtime);
    report
}

fn main() {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    demo(glassloop::Runtime::builder().virtual_time(virtual_time));
}
