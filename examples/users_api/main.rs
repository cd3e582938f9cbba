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
//! - `--grace-ms N` — on Ctrl-C, how long requests in flight may take to finish (default 5000);
//! - `--quiet` — no access log.
//!
//! When it is ready it prints `listening on http://127.0.0.1:PORT` (the real port) and serves
//! until Ctrl-C (SIGINT). Try `curl -i http://127.0.0.1:8000/users/1`.
//!
//! **Ctrl-C shuts it down gracefully**, as uvicorn does: it stops accepting, closes the idle
//! connections, lets the requests in flight finish (for at most the grace period), prints what it
//! did and exits with status 0. A second Ctrl-C stops waiting. In asyncio:
//!
//! ```python
//! loop.add_signal_handler(signal.SIGINT, stop.set)
//! await stop.wait()
//! server.close()
//! await asyncio.wait_for(server.wait_closed(), timeout=5)
//! ```
//!
//! The server is [`server.rs`](server) and the endpoints [`app.rs`](server::app).

mod server;

use std::future::Future;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: users_api [--port N] [--db-delay-ms N] [--read-timeout-ms N] \
                     [--grace-ms N] [--quiet]";

/// What the command line asks for.
struct Options {
    port: u16,
    config: server::Config,
    /// How long a graceful shutdown waits for requests in flight.
    grace: Duration,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("users_api: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let port = options.port;
    match glassloop::run(serve_until_ctrl_c(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("users_api: cannot listen on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Listens, serves until Ctrl-C, then shuts down gracefully, saying what it does.
async fn serve_until_ctrl_c(options: Options) -> std::io::Result<()> {
    let listener = glassloop::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let port = listener.local_addr()?.port();
    let mut server = server::Server::new(listener, options.config);
    // Listen for Ctrl-C *before* saying we are ready: whoever started us may send it right after.
    let ctrl_c = listen_for_ctrl_c().await;
    println!("listening on http://127.0.0.1:{port}");
    println!("press Ctrl-C to stop; requests in flight finish first");
    // Whoever started us (a test, a script) waits for the first line: make sure it is out.
    std::io::stdout().flush()?;

    server.serve_until(ctrl_c).await;

    // From here on a new client is refused; the connections still open are told to finish.
    let closing = server.close();
    // (Listening again before saying so, for the same reason as above.)
    let again = listen_for_ctrl_c().await;
    let in_flight = closing.in_flight();
    println!(
        "shutting down: stopped accepting; waiting for {in_flight} in-flight request{} \
         (at most {:.1} s; Ctrl-C again to stop now)…",
        plural(in_flight),
        options.grace.as_secs_f64()
    );
    let waited = glassloop::race(
        async { Some(closing.wait_closed(options.grace).await) },
        async {
            again.await;
            None
        },
    )
    .await;
    match waited {
        Some(closed) if closed.cancelled_requests == 0 => println!(
            "shut down: every request in flight finished; {} connection{} closed",
            closed.connections,
            plural(closed.connections)
        ),
        Some(closed) => println!(
            "shut down: the grace period ended; {} request{} cancelled",
            closed.cancelled_requests,
            plural(closed.cancelled_requests)
        ),
        // The losing `wait_closed` was dropped, and with it every connection still open.
        None => println!("shut down: Ctrl-C again; the connections still open were cancelled"),
    }
    Ok(())
}

/// A future that completes on Ctrl-C, with the signal handler already installed when this
/// returns. (`signal::ctrl_c()` installs it on its first poll, so it is polled here, in a task
/// that runs during the `yield_now`.) If Ctrl-C cannot be listened for, the future never
/// completes: the server runs until killed, as it did before it knew about signals.
async fn listen_for_ctrl_c() -> impl Future<Output = ()> {
    let listening = glassloop::spawn(glassloop::signal::ctrl_c());
    glassloop::yield_now().await;
    async move {
        if let Ok(Err(error)) = listening.await {
            eprintln!("users_api: cannot listen for Ctrl-C ({error}); stop me with `kill -TERM`");
            std::future::pending::<()>().await;
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The options, `None` for `--help`, or what is wrong.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut port = 8000u16;
    let mut grace = Duration::from_secs(5);
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
            "--grace-ms" => grace = millis("--grace-ms", &value("--grace-ms")?)?,
            "--quiet" => config.log_requests = false,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(Options {
        port,
        config,
        grace,
    }))
}

fn millis(name: &str, text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_millis)
        .map_err(|_| format!("{name}: {text:?} is not a number of milliseconds"))
}
