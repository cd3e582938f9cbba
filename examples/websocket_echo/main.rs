//! `cargo run --example websocket_echo` — a WebSocket echo server and client (async-tungstenite,
//! unmodified) on glassloop, the Python `websockets` library's first example.
//!
//! ```python
//! async def echo(websocket):
//!     async for message in websocket:
//!         await websocket.send(message)
//! ```
//!
//! It starts the server on a free port of 127.0.0.1, talks to it, prints the echoes, and exits.
//! The code is in [`demo.rs`](demo).

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
            eprintln!("websocket_echo: could not create the event loop: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(demo::demo()) {
        Ok(report) if report.concurrent_echoes == demo::DEMO_CLIENTS => {
            println!(
                "all {} echoes came back",
                report.echoes.len() + report.concurrent_echoes
            );
            ExitCode::SUCCESS
        }
        Ok(report) => {
            eprintln!(
                "websocket_echo: only {} of {} clients got their echo",
                report.concurrent_echoes,
                demo::DEMO_CLIENTS
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("websocket_echo: {error}");
            ExitCode::FAILURE
        }
    }
}
