//! `cargo run --example hyper_users` — hyper 1.x, unmodified, serving and fetching the users API
//! on glassloop: the proof that a runtime-agnostic library needs nothing from tokio, only the
//! standard traits and a timer.
//!
//! ```python
//! # the same app behind another server, fetched by an off-the-shelf client
//! async with httpx.AsyncClient() as client:
//!     print((await client.get(f"{base}/users")).json())
//! ```
//!
//! It starts a hyper server on a free port of 127.0.0.1, makes a few requests with hyper's client,
//! prints the answers and their times, and exits. `--virtual` runs on virtual time.
//! The code is in [`demo.rs`](demo) and the glue in [`adapter.rs`](demo::adapter).

mod demo;

use std::process::ExitCode;

fn main() -> ExitCode {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    let runtime = match glassloop::Runtime::builder()
        .virtual_time(virtual_time)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("hyper_users: could not create the event loop: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(demo::demo(demo::DEMO_DB_DELAY)) {
        Ok(report) => {
            let one_by_one: std::time::Duration = report.sequential.iter().map(|r| r.3).sum();
            println!(
                "one after another: {:.3} s for {} requests; at once: {:.3} s for three",
                one_by_one.as_secs_f64(),
                report.sequential.len(),
                report.concurrent.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("hyper_users: {error}");
            ExitCode::FAILURE
        }
    }
}
