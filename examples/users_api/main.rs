//! `cargo run --example users_api [-- --port N] [--db-delay-ms N]` — the FastAPI idea: an async
//! HTTP/1.1 backend whose endpoints await a (simulated) database call, serving many clients at once
//! on one thread.
//!
//! ```python
//! @app.get("/users")
//! async def get_users():
//!     await asyncio.sleep(1)          # the database call
//!     return users
//! # uvicorn main:app --port 8000
//! ```
//!
//! Options:
//! - `--port N` — the port on 127.0.0.1 (default 8000; 0 picks a free one);
//! - `--db-delay-ms N` — how long each database call takes (default 1000);
//! - `--read-timeout-ms N` — how long a client may take to send a request (default 5000);
//! - `--quiet` — no access log.
//!
//! When it is ready it prints `listening on http://127.0.0.1:PORT` (the real port) and serves until
//! killed. Try `curl -i http://127.0.0.1:8000/users/1`.
//!
//! The server is [`server.rs`](server) and the endpoints [`app.rs`](server::app).

mod server;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: users_api [--port N] [--db-delay-ms N] [--read-timeout-ms N] [--quiet]";

fn main() -> ExitCode {
    let (port, config) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("users_api: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = glassloop::run(async move {
        let listener = glassloop::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        println!("listening on http://127.0.0.1:{port}");
        // Whoever started us (a test, a script) waits for this line: make sure it is out.
        std::io::stdout().flush()?;
        server::serve(listener, config).await;
        Ok::<(), std::io::Error>(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("users_api: cannot listen on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The port and the server's configuration, `None` for `--help`, or what is wrong.
fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<Option<(u16, server::Config)>, String> {
    let mut port = 8000u16;
    let mut config = server::Config {
        log_requests: true,
        ..server::Config::default()
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let text = value("--port")?;
                port = text
                    .parse()
                    .map_err(|_| format!("--port: {text:?} is not a port number (0-65535)"))?;
            }
            "--db-delay-ms" => config.db_delay = millis("--db-delay-ms", &value("--db-delay-ms")?)?,
            "--read-timeout-ms" => {
                config.read_timeout = millis("--read-timeout-ms", &value("--read-timeout-ms")?)?
            }
            "--quiet" => config.log_requests = false,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some((port, config)))
}

fn millis(name: &str, text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_millis)
        .map_err(|_| format!("{name}: {text:?} is not a number of milliseconds"))
}
