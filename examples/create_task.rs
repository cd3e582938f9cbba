//! `create_task` — day 3 of the tour: background tasks.
//!
//! `gather` runs futures together but waits for all of them right there. A *task* runs in the
//! background from the moment it is spawned: the caller goes on with its own work and collects the
//! result later — or cancels the task, or finds out that it failed. A task that panics does not
//! take the loop or the other tasks down with it.
//!
//! ```python
//! import asyncio
//!
//! async def brew_coffee():
//!     await asyncio.sleep(1)
//!     return "coffee"
//!
//! async def download_everything():
//!     await asyncio.sleep(3600)                       # far too long
//!
//! async def toast():
//!     await asyncio.sleep(0.1)
//!     raise RuntimeError("the toaster caught fire")
//!
//! async def boil_water():
//!     await asyncio.sleep(0.3)
//!     return "hot water"
//!
//! async def main():
//!     coffee = asyncio.create_task(brew_coffee())    # starts now, in the background
//!     await asyncio.sleep(0.5)                        # other work meanwhile
//!     print(await coffee)                             # 1 s in all, not 1.5
//!
//!     download = asyncio.create_task(download_everything())
//!     await asyncio.sleep(0.2)
//!     download.cancel()                               # awaiting it raises CancelledError
//!
//!     toaster = asyncio.create_task(toast())          # raises after 0.1 s
//!     kettle = asyncio.create_task(boil_water())      # fine after 0.3 s
//!     print(await asyncio.gather(toaster, kettle, return_exceptions=True))
//!
//! asyncio.run(main())
//! ```
//!
//! The same program runs on CPython's own loop: `python3 examples/python/create_task.py`, or
//! narrated beside this one: `cargo run --example side_by_side -- create_task`. Run this one:
//! `cargo run --example create_task`, or `-- --virtual`. The panic message Rust prints
//! on stderr is expected: that is the toaster. Read next: `docs/asyncio-to-glassloop.md`, the
//! sections on `create_task` and Task.

use std::time::Duration;

/// Brewing takes a second, and needs no attention meanwhile.
async fn brew_coffee() -> &'static str {
    glassloop::sleep(Duration::from_secs(1)).await;
    "coffee"
}

/// Something that would take far too long.
async fn download_everything() -> &'static str {
    glassloop::sleep(Duration::from_secs(3600)).await;
    "everything"
}

/// Fails after 0.1 s. A panic in a task is caught at the task's edge, like an exception that ends
/// an asyncio Task: it becomes the task's result.
async fn toast() -> &'static str {
    glassloop::sleep(Duration::from_millis(100)).await;
    panic!("the toaster caught fire");
}

/// Works, after 0.3 s.
async fn boil_water() -> &'static str {
    glassloop::sleep(Duration::from_millis(300)).await;
    "hot water"
}

/// What the demo saw.
#[allow(dead_code)] // `main` only prints; the tour and tests/demos.rs read the figures
pub struct Report {
    /// The background task's output, and when it arrived (after 0.5 s of other work).
    pub coffee: &'static str,
    pub coffee_after: Duration,
    /// The download was cancelled, after 0.2 s instead of an hour.
    pub download_cancelled: bool,
    pub cancelled_after: Duration,
    /// The toaster's panic message, and the kettle's output, which the panic did not stop.
    pub toaster_panic: Option<String>,
    pub kettle: Option<&'static str>,
}

/// The demo, on a loop built from `builder`.
pub fn demo(builder: glassloop::Builder) -> Report {
    let runtime = builder.build().expect("could not create the event loop");
    runtime.block_on(async {
        println!("create_task: tasks run in the background");

        // 1. Spawn, work, await later. The task starts at the loop's next turn, while we sleep.
        // (No name: the trace shows this line's file and number instead.)
        let start = glassloop::now();
        let coffee = glassloop::spawn(brew_coffee());
        glassloop::sleep(Duration::from_millis(500)).await; // answering e-mail meanwhile
        println!("  0.5 s of other work done; the coffee kept brewing in the background");
        let coffee = coffee.await.expect("brewing does not fail");
        let coffee_after = glassloop::now() - start;
        println!(
            "  awaited the task: {coffee} after {:.3} s in all, not 1.5 s",
            coffee_after.as_secs_f64()
        );

        // 2. Cancel. `abort` drops the task's future, and with it its timer.
        let start = glassloop::now();
        let download = glassloop::spawn_named("download", download_everything());
        glassloop::sleep(Duration::from_millis(200)).await;
        download.abort();
        let outcome = download.await;
        let cancelled_after = glassloop::now() - start;
        let download_cancelled = outcome.as_ref().is_err_and(|error| error.is_cancelled());
        match outcome {
            Ok(what) => println!("  the download finished?! ({what})"),
            Err(error) => println!(
                "  aborted after {:.3} s, not an hour: is_cancelled() = {}",
                cancelled_after.as_secs_f64(),
                error.is_cancelled()
            ),
        }

        // 3. A task that panics. Its JoinHandle yields the panic as an error; the kettle, the
        // loop and this function carry on.
        let toaster = glassloop::spawn_named("toaster", toast());
        let kettle = glassloop::spawn_named("kettle", boil_water());
        let (toaster, kettle) = glassloop::gather!(toaster, kettle).await;
        let toaster_panic = toaster
            .as_ref()
            .err()
            .and_then(|error| error.panic_message().map(str::to_owned));
        match &toaster {
            Ok(what) => println!("  the toaster made {what}"),
            Err(error) => println!(
                "  the toaster task failed: is_panic() = {}, message {:?}",
                error.is_panic(),
                error.panic_message().unwrap_or("")
            ),
        }
        let kettle = kettle.ok();
        println!(
            "  …and the kettle still gave {}: one task's panic stops only that task",
            kettle.unwrap_or("nothing")
        );
        Report {
            coffee,
            coffee_after,
            download_cancelled,
            cancelled_after,
            toaster_panic,
            kettle,
        }
    })
}

fn main() {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    demo(glassloop::Runtime::builder().virtual_time(virtual_time));
}
