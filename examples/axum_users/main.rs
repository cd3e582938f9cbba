//! `cargo run --release --example axum_users [-- --port N] [--workers N] [--db PATH | --memory]
//! [--db-delay-ms N]` — the users API written with axum, the web framework a Rust programmer
//! picks as FastAPI's twin, served by hyper on glassloop: no tokio runtime anywhere in the
//! process.
//!
//! ```python
//! # main.py: the FastAPI app;  then
//! # uvicorn main:app --port 8000 --workers 2
//! ```
//!
//! The same API as `examples/users_api` — the same routes, the same answers, the same SQLite
//! database — so the two can be compared request for request and in requests per second (the
//! HTTP chapter does). The options are `users_api`'s:
//! - `--port N` — the port on 127.0.0.1 (default 8000; 0 picks a free one);
//! - `--workers N` — how many loops share the port (default: the number of cores), one thread
//!   each, through [`glassloop::run_workers`] and `SO_REUSEPORT`;
//! - `--db PATH` — the SQLite file (created and seeded if new; default: a new file in the
//!   temporary directory, removed at exit); `--memory` — a table in memory per worker instead;
//! - `--db-delay-ms N` — a wait before every database call (default 0);
//! - `--grace-ms N` — on Ctrl-C, how long requests in flight may take to finish (default 5000).
//!
//! It prints where the users are, then `listening on http://127.0.0.1:PORT` once every worker
//! listens, and serves until Ctrl-C; then it finishes the requests in flight and exits 0.
//!
//! Why no tokio: axum 0.8 with its default features off (`json`, `query` on) depends on no
//! runtime at all — its `serve` is the part that needs tokio, and [`serve.rs`](serve) replaces it;
//! hyper's `http1` needs only tokio's `sync` (channels, no runtime). `tests/axum_users.rs` checks
//! that the example's dependencies hold no more of tokio than that.
//!
//! Read next: [`serve.rs`](serve), then [`routes.rs`](serve::routes).

mod serve;

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Barrier, Condvar, Mutex, PoisonError};
use std::time::Duration;

use glassloop::net::TcpListener;
use serve::routes::app::db::{Db, Sqlite};

const USAGE: &str = "usage: axum_users [--port N] [--workers N] [--db PATH | --memory] \
                     [--db-delay-ms N] [--grace-ms N]";

/// What the command line asks for.
struct Options {
    port: u16,
    workers: usize,
    /// `None`: a memory table per worker; `Some(None)`: SQLite in a new temporary file.
    db: Option<Option<PathBuf>>,
    db_delay: Duration,
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
            eprintln!("axum_users: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Opened once, before any worker starts: every worker shares the one pool of connections.
    let mut temporary = None;
    let sqlite = match &options.db {
        None => None,
        Some(path) => {
            let path = path.clone().unwrap_or_else(|| {
                let path = std::env::temp_dir().join(format!(
                    "glassloop-axum_users-{}.sqlite3",
                    std::process::id()
                ));
                temporary = Some(path.clone());
                path
            });
            match Sqlite::open(&path) {
                Ok(sqlite) => Some(sqlite),
                Err(error) => {
                    eprintln!(
                        "axum_users: cannot open the database {}: {error}",
                        path.display()
                    );
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    let where_users_are = match &sqlite {
        None => "in memory (one table per worker)".to_string(),
        Some(sqlite) if temporary.is_some() => {
            format!("SQLite, {} (removed at exit)", sqlite.path().display())
        }
        Some(sqlite) => format!("SQLite, {}", sqlite.path().display()),
    };
    println!(
        "users: {where_users_are}; {} worker{}",
        options.workers,
        plural(options.workers)
    );

    let meeting = Meeting::new(options.workers);
    let ended = glassloop::run_workers(options.workers, |index| {
        let db = match &sqlite {
            Some(sqlite) => Db::sqlite(sqlite.clone(), options.db_delay),
            None => Db::new(options.db_delay),
        };
        worker(index, &options, Arc::new(db), &meeting)
    });
    let code = match ended.into_iter().collect::<Option<Vec<_>>>() {
        None => ExitCode::FAILURE,
        Some(stopped) => {
            let connections: usize = stopped.iter().map(|s| s.connections).sum();
            let cancelled: usize = stopped.iter().map(|s| s.cancelled).sum();
            println!(
                "shut down: {connections} connection{} served, {cancelled} cancelled at the end \
                 of the grace period",
                plural(connections)
            );
            ExitCode::SUCCESS
        }
    };
    // The pool first, then the file and SQLite's two companions.
    drop(sqlite);
    if let Some(path) = temporary {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
    code
}

/// One worker: listens on the shared port and serves the router until Ctrl-C. `None`: it could
/// not listen.
async fn worker(
    index: usize,
    options: &Options,
    db: Arc<Db>,
    meeting: &Meeting,
) -> Option<serve::Stopped> {
    // Worker 0 binds first, so that with `--port 0` the others bind the port the kernel chose.
    let port = match index {
        0 => options.port,
        _ => meeting.port()?,
    };
    let bound = if options.workers == 1 {
        TcpListener::bind(("127.0.0.1", port)).await
    } else {
        TcpListener::bind_reuse_port(("127.0.0.1", port)).await
    };
    let listener = match bound.and_then(|listener| Ok((listener.local_addr()?, listener))) {
        Ok((addr, listener)) => {
            if index == 0 {
                meeting.set_port(Some(addr.port()));
            }
            listener
        }
        Err(error) => {
            eprintln!("axum_users: cannot listen on 127.0.0.1:{port}: {error}");
            if index == 0 {
                meeting.set_port(None);
            }
            if options.workers > 1 {
                // The others would wait for this one for ever: end the program, as uvicorn
                // does when a worker cannot start.
                std::process::exit(1);
            }
            return None;
        }
    };
    // Listening for Ctrl-C before saying we are ready: whoever started us may send it at once.
    let ctrl_c = listen_for_ctrl_c().await;
    // Everyone listens before anyone says so: a client connecting on the first line must find
    // every worker's socket, or the kernel would give its connection to the ones there already.
    if meeting.ready.wait().is_leader() {
        println!("listening on http://127.0.0.1:{}", meeting.port()?);
        println!("press Ctrl-C to stop; requests in flight finish first");
        let _ = std::io::stdout().flush();
    }
    let router = serve::routes::router(db);
    Some(serve::serve_until(listener, router, ctrl_c, options.grace).await)
}

/// Where the workers meet: worker 0's port, and a barrier for "all are listening". (Blocking
/// calls, on purpose: they happen before a worker's loop has anything else to do.)
struct Meeting {
    /// `None` until worker 0 has bound; `Some(None)` if it could not.
    port: Mutex<Option<Option<u16>>>,
    bound: Condvar,
    ready: Barrier,
}

impl Meeting {
    fn new(workers: usize) -> Meeting {
        Meeting {
            port: Mutex::new(None),
            bound: Condvar::new(),
            ready: Barrier::new(workers),
        }
    }

    fn set_port(&self, port: Option<u16>) {
        *self.port.lock().unwrap_or_else(PoisonError::into_inner) = Some(port);
        self.bound.notify_all();
    }

    /// Worker 0's port, once it has bound; `None` if it could not.
    fn port(&self) -> Option<u16> {
        let mut port = self.port.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(port) = *port {
                return port;
            }
            port = self
                .bound
                .wait(port)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A future that completes on Ctrl-C, with the handler installed by the time this returns (see
/// `users_api`'s twin of this function for why the spawn and the yield).
async fn listen_for_ctrl_c() -> impl Future<Output = ()> {
    let listening = glassloop::spawn(glassloop::signal::ctrl_c());
    glassloop::yield_now().await;
    async move {
        if let Ok(Err(error)) = listening.await {
            eprintln!("axum_users: cannot listen for Ctrl-C ({error}); stop me with `kill -TERM`");
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
    let mut options = Options {
        port: 8000,
        workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
        db: Some(None),
        db_delay: Duration::ZERO,
        grace: Duration::from_secs(5),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let text = value("--port")?;
                options.port = text
                    .parse()
                    .map_err(|_| format!("--port: {text:?} is not a port number (0-65535)"))?;
            }
            "--workers" => {
                let text = value("--workers")?;
                options.workers = match text.parse() {
                    Ok(n) if (1..=1024).contains(&n) => n,
                    _ => {
                        return Err(format!(
                            "--workers: {text:?} is not a number from 1 to 1024"
                        ))
                    }
                };
            }
            "--db" => options.db = Some(Some(PathBuf::from(value("--db")?))),
            "--memory" => options.db = None,
            "--db-delay-ms" => {
                options.db_delay = millis("--db-delay-ms", &value("--db-delay-ms")?)?
            }
            "--grace-ms" => options.grace = millis("--grace-ms", &value("--grace-ms")?)?,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(options))
}

fn millis(name: &str, text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_millis)
        .map_err(|_| format!("{name}: {text:?} is not a number of milliseconds"))
}
