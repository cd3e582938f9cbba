//! `cargo run --example users_api [-- --port N] [--workers N] [--db PATH | --memory]
//! [--db-delay-ms N]` — the FastAPI idea: an async HTTP/1.1 backend whose endpoints await a
//! database — SQLite, queried on helper threads — serving many clients at once on each core.
//!
//! ```python
//! @app.get("/users/{user_id}")
//! async def get_user(user_id: int):
//!     async with aiosqlite.connect("users.db") as db:     # the database call
//!         ...
//! # uvicorn main:app --port 8000 --workers 2
//! ```
//!
//! The same API without FastAPI, on Python's standard library alone (asyncio streams), is
//! `examples/python/users_api.py`; it answers every request as this server does.
//!
//! Options:
//! - `--port N` — the port on 127.0.0.1 (default 8000; 0 picks a free one);
//! - `--workers N` — how many loops, each on a thread of its own, share the port (default: the
//!   number of cores), as `uvicorn --workers N` runs N processes;
//! - `--db PATH` — the SQLite file (created and seeded with five users if it does not exist;
//!   default: a new file in the temporary directory, removed when the server exits);
//! - `--memory` — the users in a table in memory instead (one table per worker, as a uvicorn
//!   worker's in-process state is its own);
//! - `--db-delay-ms N` — a wait before every database call, standing for the network round trip
//!   to a database server (default 0; the tour uses 1000, the tutorial's `await asyncio.sleep(1)`);
//! - `--read-timeout-ms N` — how long a client may take to send a request (default 5000);
//! - `--grace-ms N` — on Ctrl-C, how long requests in flight may take to finish (default 5000);
//! - `--quiet` — no access log.
//!
//! It prints where the users are and how many workers serve, then `listening on
//! http://127.0.0.1:PORT` (the real port) when every worker is ready, and serves until Ctrl-C
//! (SIGINT). Try `curl -i http://127.0.0.1:8000/users/1`, or
//! `curl -i -d '{"name":"Alan Turing","email":"alan@example.com"}' http://127.0.0.1:8000/users`.
//!
//! **Ctrl-C shuts it down gracefully**, and so does SIGTERM (what systemd, `docker stop` and
//! `kill` send), as uvicorn does: every worker stops accepting, closes its
//! idle connections, lets the requests in flight finish (for at most the grace period); then the
//! program prints what they did, together, and exits with status 0. A second Ctrl-C stops waiting.
//! In asyncio:
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
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use glassloop::net::TcpListener;
use server::app::db::Sqlite;
use server::Database;

const USAGE: &str = "usage: users_api [--port N] [--workers N] [--db PATH | --memory] \
                     [--db-delay-ms N] [--read-timeout-ms N] [--grace-ms N] [--quiet]";

/// What the command line asks for.
struct Options {
    port: u16,
    workers: usize,
    /// `None`: the memory table; `Some(None)`: SQLite in a new temporary file.
    db: Option<Option<PathBuf>>,
    config: server::Config,
    /// How long a graceful shutdown waits for requests in flight.
    grace: Duration,
}

fn main() -> ExitCode {
    let mut options = match parse_args(std::env::args().skip(1)) {
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
    // The database is opened (created and seeded if new) once, before any worker starts: a bad
    // path is reported now, and every worker shares the one pool of connections.
    let mut temporary = None;
    if let Some(path) = options.db.clone() {
        let path = path.unwrap_or_else(|| {
            let path = std::env::temp_dir().join(format!(
                "glassloop-users_api-{}.sqlite3",
                std::process::id()
            ));
            temporary = Some(path.clone());
            path
        });
        match Sqlite::open(&path) {
            Ok(sqlite) => options.config.database = Database::Sqlite(sqlite),
            Err(error) => {
                eprintln!(
                    "users_api: cannot open the database {}: {error}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let where_users_are = match &options.config.database {
        Database::Memory => "in memory (one table per worker)".to_string(),
        Database::Sqlite(sqlite) if temporary.is_some() => {
            format!("SQLite, {} (removed at exit)", sqlite.path().display())
        }
        Database::Sqlite(sqlite) => format!("SQLite, {}", sqlite.path().display()),
    };
    println!(
        "users: {where_users_are}; {} worker{}",
        options.workers,
        plural(options.workers)
    );

    let board = Board::new(options.workers);
    let ended = glassloop::run_workers(options.workers, |index| {
        serve_until_ctrl_c(index, &options, &board)
    });
    let code = summarise(ended, options.port);
    // Closing the pool first, then the file and SQLite's two companions.
    drop(options);
    if let Some(path) = temporary {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
    code
}

/// How one worker's run ended.
enum WorkerEnd {
    /// It could not listen (the error is on stderr already).
    NotListening,
    /// Its connections closed (or were cancelled at the end of the grace period).
    Closed(server::Closed),
    /// A second Ctrl-C came while it waited: its connections still open were cancelled.
    CtrlCAgain,
}

/// One worker: listens on the shared port, serves until Ctrl-C, then shuts down gracefully. The
/// [`Board`] is how the workers speak as one program: which port, when all are ready, how many
/// requests are in flight across them.
async fn serve_until_ctrl_c(index: usize, options: &Options, board: &Board) -> WorkerEnd {
    // Worker 0 binds first: with `--port 0` the kernel picks the port, and the others must bind
    // that one. (Waiting for it blocks this worker's thread, whose loop has nothing to do yet.)
    let port = match index {
        0 => options.port,
        _ => match board.port() {
            Some(port) => port,
            None => return WorkerEnd::NotListening,
        },
    };
    let bound = if options.workers == 1 {
        TcpListener::bind(("127.0.0.1", port)).await
    } else {
        // SO_REUSEPORT: every worker listens on the port, and the kernel spreads connections.
        TcpListener::bind_reuse_port(("127.0.0.1", port)).await
    };
    let (port, listener) = match bound.and_then(|listener| Ok((listener.local_addr()?, listener))) {
        Ok((addr, listener)) => {
            if index == 0 {
                board.set_port(Some(addr.port()));
            }
            (addr.port(), listener)
        }
        Err(error) => {
            eprintln!("users_api: cannot listen on 127.0.0.1:{port}: {error}");
            if index == 0 {
                board.set_port(None);
            }
            // Without every worker, no one says it is ready: stop the whole program.
            board.failed();
            return WorkerEnd::NotListening;
        }
    };
    let mut server = server::Server::new(listener, options.config.clone());
    // Listen for Ctrl-C *before* saying we are ready: whoever started us may send it right after.
    let ctrl_c = listen_for_ctrl_c().await;
    board.arrive(Step::Ready, 0, |_| {
        println!("listening on http://127.0.0.1:{port}");
        println!("press Ctrl-C to stop; requests in flight finish first");
        // Whoever started us (a test, a script) waits for the first line: make sure it is out.
        let _ = std::io::stdout().flush();
    });

    server.serve_until(ctrl_c).await;

    // From here on a new client is refused; the connections still open are told to finish.
    let closing = server.close();
    // (Listening again before saying so, for the same reason as above.)
    let again = listen_for_ctrl_c().await;
    let grace = options.grace;
    board.arrive(Step::Closed, closing.in_flight(), |in_flight| {
        println!(
            "shutting down: stopped accepting; waiting for {in_flight} in-flight request{} \
             (at most {:.1} s; Ctrl-C again to stop now)…",
            plural(in_flight),
            grace.as_secs_f64()
        );
    });
    let waited = glassloop::race(async { Some(closing.wait_closed(grace).await) }, async {
        again.await;
        None
    })
    .await;
    match waited {
        Some(closed) => WorkerEnd::Closed(closed),
        // The losing `wait_closed` was dropped, and with it every connection still open.
        None => WorkerEnd::CtrlCAgain,
    }
}

/// What the workers tell the program, put together once all have ended.
fn summarise(ended: Vec<WorkerEnd>, port: u16) -> ExitCode {
    let mut connections = 0;
    let mut cancelled = 0;
    let mut again = false;
    for end in ended {
        match end {
            WorkerEnd::NotListening => {
                eprintln!("users_api: stopped: a worker could not listen on 127.0.0.1:{port}");
                return ExitCode::FAILURE;
            }
            WorkerEnd::Closed(closed) => {
                connections += closed.connections;
                cancelled += closed.cancelled_requests;
            }
            WorkerEnd::CtrlCAgain => again = true,
        }
    }
    if again {
        println!("shut down: Ctrl-C again; the connections still open were cancelled");
    } else if cancelled == 0 {
        println!(
            "shut down: every request in flight finished; {connections} connection{} closed",
            plural(connections)
        );
    } else {
        println!(
            "shut down: the grace period ended; {cancelled} request{} cancelled",
            plural(cancelled)
        );
    }
    ExitCode::SUCCESS
}

/// The steps at which the workers wait for each other's word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Ready,
    Closed,
}

/// Where the workers meet (a mutex and a condition variable: they are on different threads).
struct Board {
    workers: usize,
    state: Mutex<BoardState>,
    changed: Condvar,
}

#[derive(Default)]
struct BoardState {
    /// Worker 0's port once it is bound (`Some(None)`: it could not bind).
    port: Option<Option<u16>>,
    /// How many workers have reached the step, and what they counted.
    ready: usize,
    closed: usize,
    in_flight: usize,
}

impl Board {
    fn new(workers: usize) -> Board {
        Board {
            workers,
            state: Mutex::new(BoardState::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoardState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_port(&self, port: Option<u16>) {
        self.lock().port = Some(port);
        self.changed.notify_all();
    }

    /// Worker 0's port, once it has one; `None` if it could not bind.
    fn port(&self) -> Option<u16> {
        let mut state = self.lock();
        loop {
            if let Some(port) = state.port {
                return port;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// A worker could not listen. The others are (or will be) serving and nobody will say
    /// "listening": end the program now, as uvicorn does when a worker cannot start.
    fn failed(&self) {
        if self.workers > 1 {
            std::process::exit(1);
        }
    }

    /// This worker reached `step`, with `count` to add; the last one to arrive runs `say` with
    /// the total, so the program prints one line for all its workers.
    fn arrive(&self, step: Step, count: usize, say: impl FnOnce(usize)) {
        let mut state = self.lock();
        let arrived = match step {
            Step::Ready => {
                state.ready += 1;
                state.ready
            }
            Step::Closed => {
                state.in_flight += count;
                state.closed += 1;
                state.closed
            }
        };
        if arrived == self.workers {
            say(state.in_flight);
        }
    }
}

/// A future that completes on Ctrl-C or on SIGTERM (what systemd, `docker stop` and `kill` send:
/// uvicorn stops gracefully on either), with both handlers installed when this returns.
/// (`signal::ctrl_c()` installs its handler on its first poll, so it is polled here, in a task
/// that runs during the `yield_now`; `signal::unix` installs SIGTERM's at once.) If a signal cannot
/// be listened for, the other still works; if neither can, the server runs until killed.
async fn listen_for_ctrl_c() -> impl Future<Output = ()> {
    let listening = glassloop::spawn(glassloop::signal::ctrl_c());
    let terminate = glassloop::signal::unix(glassloop::signal::SignalKind::terminate());
    glassloop::yield_now().await;
    async move {
        let ctrl_c = async {
            if let Ok(Err(error)) = listening.await {
                eprintln!("users_api: cannot listen for Ctrl-C ({error})");
                std::future::pending::<()>().await;
            }
        };
        match terminate {
            Ok(mut terminate) => {
                glassloop::race(ctrl_c, async move {
                    terminate.recv().await;
                })
                .await
            }
            Err(error) => {
                eprintln!("users_api: cannot listen for SIGTERM ({error})");
                ctrl_c.await
            }
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
    let mut workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut db = Some(None);
    let mut config = server::Config {
        log_requests: true,
        db_delay: Duration::ZERO,
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
            "--workers" => {
                let text = value("--workers")?;
                workers = match text.parse() {
                    Ok(n) if (1..=1024).contains(&n) => n,
                    _ => {
                        return Err(format!(
                            "--workers: {text:?} is not a number from 1 to 1024"
                        ))
                    }
                };
            }
            "--db" => db = Some(Some(PathBuf::from(value("--db")?))),
            "--memory" => db = None,
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
        workers,
        db,
        config,
        grace,
    }))
}

fn millis(name: &str, text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_millis)
        .map_err(|_| format!("{name}: {text:?} is not a number of milliseconds"))
}
