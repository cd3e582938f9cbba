//! `cargo run --example http_get [-- --virtual] [URL ...]` — concurrent HTTP GETs, the httpx /
//! aiohttp idea: the total is the slowest request, not the sum.
//!
//! ```python
//! async with httpx.AsyncClient() as client:
//!     responses = await asyncio.gather(*(client.get(url) for url in urls))
//! ```
//!
//! With no URLs it starts a local server (on a free port) whose answers take different simulated
//! delays, and fetches five of them at once. Given `http://` URLs, it fetches those instead.
//! `--virtual` runs on virtual time: the same printed times, almost no waiting (the loop only jumps
//! its clock when no socket has anything to say, so real I/O still works).
//!
//! The code is in [`demo.rs`](demo) (the demo and its local server) and [`client.rs`](demo::client)
//! (the HTTP/1.1 client).

mod demo;

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut virtual_time = false;
    let mut urls = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--virtual" => virtual_time = true,
            "-h" | "--help" => {
                println!("usage: http_get [--virtual] [http://URL ...]");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("http_get: unknown option {flag:?}\nusage: http_get [--virtual] [http://URL ...]");
                return ExitCode::from(2);
            }
            _ => urls.push(arg),
        }
    }
    let runtime = match glassloop::Runtime::builder()
        .virtual_time(virtual_time)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("http_get: could not create the event loop: {error}");
            return ExitCode::FAILURE;
        }
    };
    let wall = Instant::now();
    let report = runtime.block_on(async {
        if urls.is_empty() {
            demo::demo().await
        } else {
            Ok(demo::fetch_all(urls).await)
        }
    });
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("http_get: could not start the local server: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "wall time: {:.3} s{}",
        wall.elapsed().as_secs_f64(),
        if virtual_time { " (virtual time)" } else { "" }
    );
    let failed: Vec<&str> = report
        .fetched
        .iter()
        .filter(|f| f.result.is_err())
        .map(|f| f.url.as_str())
        .collect();
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "http_get: {} request(s) failed: {}",
            failed.len(),
            failed.join(", ")
        );
        ExitCode::FAILURE
    }
}
