//! `tea_and_toast` — day 1 of the tour: the cooking analogy, and the timeline.
//!
//! One cook, two jobs that are mostly waiting: the kettle boils on its own, the toaster toasts on
//! its own. Done one after the other they take the sum of their times; done together, the cook
//! starts both and is free while they wait, so they take as long as the longer one. One cook is
//! one thread; starting a job and turning to the next while it waits is `await`.
//!
//! ```python
//! import asyncio
//!
//! async def make_tea():
//!     await asyncio.sleep(2)        # the kettle boils
//!     await asyncio.sleep(1)        # the tea steeps
//!
//! async def make_toast():
//!     await asyncio.sleep(1.5)      # the bread toasts
//!     await asyncio.sleep(0.5)      # butter it
//!
//! async def main():
//!     await make_tea()                                 # one after the other: 5 s
//!     await make_toast()
//!     await asyncio.gather(make_tea(), make_toast())   # together: 3 s
//!
//! asyncio.run(main())
//! ```
//!
//! The same program runs on CPython's own loop: `python3 examples/python/tea_and_toast.py`, or narrated
//! beside this one: `cargo run --example side_by_side -- tea_and_toast`.
//!
//! Run it: `cargo run --example tea_and_toast` (8 s), or `-- --virtual` for virtual time. It
//! prints the timeline chart when the loop ends (it turns `Builder::timeline` on itself).
//! Read next: `docs/asyncio-to-glassloop.md`.

use std::time::{Duration, Instant};

/// One step of a job: say what starts, wait for it, and say it is done — with the loop's time.
async fn step(start: Instant, job: &str, doing: &str, takes: Duration) {
    let at = (glassloop::now() - start).as_secs_f64();
    println!(
        "    [{at:5.3} s] {job}: {doing} ({} s)",
        takes.as_secs_f64()
    );
    // The cook does not stand and watch: `.await` hands the loop to whatever else is ready.
    glassloop::sleep(takes).await;
}

/// Boil the kettle, then steep the tea: 3 s.
async fn make_tea(start: Instant) -> &'static str {
    step(start, "tea", "the kettle boils", Duration::from_secs(2)).await;
    step(start, "tea", "the tea steeps", Duration::from_secs(1)).await;
    "tea"
}

/// Toast the bread, then butter it: 2 s.
async fn make_toast(start: Instant) -> &'static str {
    step(
        start,
        "toast",
        "the bread toasts",
        Duration::from_millis(1500),
    )
    .await;
    step(start, "toast", "butter it", Duration::from_millis(500)).await;
    "toast"
}

/// What the demo measured, on the loop's clock.
#[allow(dead_code)] // `main` only prints; the tour and tests/demos.rs read the figures
pub struct Report {
    /// Tea, then toast.
    pub one_after_the_other: Duration,
    /// Tea and toast together.
    pub together: Duration,
}

/// The demo, on a loop built from `builder`; it adds the timeline.
pub fn demo(builder: glassloop::Builder) -> Report {
    let runtime = builder
        .timeline(true)
        .build()
        .expect("could not create the event loop");
    let report = runtime.block_on(async {
        println!("tea_and_toast: one cook, two jobs that are mostly waiting");
        let start = glassloop::now();

        // Each job runs as a named task only so that it gets its own row in the timeline
        // (`spawn` is day 3); awaiting the handle at once is the same as `await make_tea()`.
        println!("  one after the other:");
        let begun = glassloop::now();
        let tea = glassloop::spawn_named("tea, alone", make_tea(start)).await;
        let toast = glassloop::spawn_named("toast, alone", make_toast(start)).await;
        let one_after_the_other = glassloop::now() - begun;
        println!(
            "  {} and {} in {:.3} s: the sum of the two jobs",
            tea.expect("making tea does not fail"),
            toast.expect("making toast does not fail"),
            one_after_the_other.as_secs_f64()
        );

        println!("  together (gather):");
        let begun = glassloop::now();
        let (tea, toast) = glassloop::gather!(
            glassloop::spawn_named("tea, together", make_tea(start)),
            glassloop::spawn_named("toast, together", make_toast(start)),
        )
        .await;
        let together = glassloop::now() - begun;
        println!(
            "  {} and {} in {:.3} s: the longer job; the toast was made while the kettle boiled",
            tea.expect("making tea does not fail"),
            toast.expect("making toast does not fail"),
            together.as_secs_f64()
        );
        Report {
            one_after_the_other,
            together,
        }
    });
    // Dropping the runtime ends the loop, which draws the timeline.
    drop(runtime);
    report
}

fn main() {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    demo(glassloop::Runtime::builder().virtual_time(virtual_time));
}
