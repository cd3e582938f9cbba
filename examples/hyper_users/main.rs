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
//!
//! `--serve [--port N] [--db PATH | --memory] [--db-delay-ms N]` serves instead, on one loop,
//! until Ctrl-C (which drops the open connections: `users_api` and `axum_users` show a graceful
//! stop) — the middle row of the HTTP chapter's comparison, between the hand-written server and
//! axum. The database is SQLite by default (a new file in the temporary directory, removed at
//! exit), as `users_api`'s.
//!
//! The code is in [`demo.rs`](demo) and the glue in [`adapter.rs`](demo::adapter).

mod demo;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use demo::app::db::Sqlite;
use demo::app::Db;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--serve") {
        return serve(&args);
    }
    let virtual_time = args.iter().any(|arg| arg == "--virtual");
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

const SERVE_USAGE: &str =
    "usage: hyper_users --serve [--port N] [--db PATH | --memory] [--db-delay-ms N]";

/// `--serve`: hyper's server on one loop until Ctrl-C.
fn serve(args: &[String]) -> ExitCode {
    let mut port = 8000u16;
    let mut db_path = Some(None);
    let mut delay = Duration::ZERO;
    let mut args = args.iter().filter(|arg| *arg != "--serve");
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(());
        let parsed: Result<(), ()> = match arg.as_str() {
            "--port" => value()
                .and_then(|v| v.parse().map_err(drop))
                .map(|v| port = v),
            "--db" => value().map(|v| db_path = Some(Some(PathBuf::from(v)))),
            "--memory" => {
                db_path = None;
                Ok(())
            }
            "--db-delay-ms" => value()
                .and_then(|v| v.parse().map_err(drop))
                .map(|v| delay = Duration::from_millis(v)),
            _ => Err(()),
        };
        if parsed.is_err() {
            eprintln!("hyper_users: bad argument {arg:?}\n{SERVE_USAGE}");
            return ExitCode::from(2);
        }
    }
    let mut temporary = None;
    let db = match db_path {
        None => Db::new(delay),
        Some(path) => {
            let path = path.unwrap_or_else(|| {
                let path = std::env::temp_dir().join(format!(
                    "glassloop-hyper_users-{}.sqlite3",
                    std::process::id()
                ));
                temporary = Some(path.clone());
                path
            });
            match Sqlite::open(&path) {
                Ok(sqlite) => Db::sqlite(sqlite, delay),
                Err(error) => {
                    eprintln!("hyper_users: cannot open {}: {error}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    let served = glassloop::run(async {
        let listener = glassloop::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let ctrl_c = glassloop::spawn(glassloop::signal::ctrl_c());
        glassloop::yield_now().await; // the handler is installed before we say we listen
        println!("listening on http://{}", listener.local_addr()?);
        let _ = std::io::stdout().flush();
        glassloop::race(
            async {
                demo::serve(listener, Rc::new(db), demo::HEADER_READ_TIMEOUT).await;
                Ok(())
            },
            async { ctrl_c.await.map_err(std::io::Error::other)? },
        )
        .await
    });
    if let Some(path) = temporary {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hyper_users: {error}");
            ExitCode::FAILURE
        }
    }
}
