//! The users API's HTTP/1.1 server, written by hand on glassloop's sockets — the part uvicorn plays
//! for a FastAPI app.
//!
//! ```python
//! # what `uvicorn main:app` does, in outline
//! async def handle(reader, writer):            # one task per connection
//!     while (request := await read_request(reader)) is not None:
//!         response = await app(request)          # the endpoint, which awaits the database
//!         writer.write(response); await writer.drain()
//! server = await asyncio.start_server(handle, "127.0.0.1", 8000)
//! await server.serve_forever()
//! ```
//!
//! [`serve`] accepts connections and spawns **one task per connection**, so a slow or broken
//! client only ever holds up its own task. Each connection task hands its socket to the shared
//! HTTP/1.1 layer, [`http1`] (`examples/http1/server.rs`, the part h11 plays inside uvicorn): it
//! reads a request (head through the `httparse` crate, then its body), asks the [app](app) for
//! the reply, writes it, and goes round again for the next request on the same connection
//! (keep-alive). Requests that arrive back to back (pipelining) are answered one after another,
//! in order. Every way a client can misbehave — a malformed or oversized head, a slow one, a body
//! framed two ways, an HTTP version it does not speak — ends in the answer RFC 9110 and RFC 9112
//! prescribe, or a close, never a crash or a hang: the table is in [`http1`]'s opening comment.
//!
//! **Stopping** comes in two strengths, as in asyncio. Dropping (or aborting) the future of
//! [`serve`] or [`Server::serve_until`] closes everything at once. [`Server::close`] followed by
//! [`Closing::wait_closed`] is the graceful way — asyncio's `server.close()` then
//! `await server.wait_closed()`, uvicorn's behaviour on Ctrl-C: stop accepting, close the
//! connections that are between requests, let the requests already read finish and be answered
//! (with `Connection: close`), and cancel whatever is still running when a grace period is over.
//!
//! Read next: [`app.rs`](app), the endpoints; `examples/users_api/main.rs`, the command line.

#[path = "app.rs"]
pub mod app;

#[path = "../http1/server.rs"]
#[allow(dead_code)] // the users API reads no header fields; the layer offers them
pub mod http1;

#[allow(unused_imports)] // for the tests, which name statuses by their reason
pub use http1::reason;

use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use glassloop::net::{TcpListener, TcpStream};
use glassloop::JoinHandle;

use app::db::Sqlite;
use app::{Db, Reply};

/// Where the users are kept.
#[derive(Debug, Clone, Default)]
pub enum Database {
    /// A table in memory, five users to start with (each server has its own).
    #[default]
    Memory,
    /// A SQLite file, opened beforehand ([`Sqlite::open`]); servers given the same one share it.
    Sqlite(Sqlite),
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the users are kept. The default is the memory table; the `users_api` program's
    /// default is SQLite.
    pub database: Database,
    /// How long every database call waits before it is made — the round trip to a database
    /// server, which SQLite in the same process does not have (zero: no wait).
    pub db_delay: Duration,
    /// How long a client may take to send a whole request head, may sit idle between requests,
    /// or may take to read our answer.
    pub read_timeout: Duration,
    /// The largest request head (request line and headers) accepted.
    pub max_head_bytes: usize,
    /// The largest request body accepted (a larger one is answered `413`).
    pub max_body_bytes: usize,
    /// Print one line per request on stdout, as uvicorn's access log does.
    pub log_requests: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            database: Database::Memory,
            db_delay: Duration::from_secs(1),
            read_timeout: Duration::from_secs(5),
            max_head_bytes: 8 * 1024,
            max_body_bytes: 1024 * 1024,
            log_requests: false,
        }
    }
}

/// Serves the users API on `listener` until the future is dropped — `asyncio.start_server(...)`
/// plus `serve_forever()`. Spawn it, and abort its task to stop the server: the listener closes,
/// and so does every connection (the task owns them). For a graceful stop, use [`Server`].
///
/// Must run on a glassloop loop; the connection tasks are spawned on the same loop.
#[allow(dead_code)] // the users_api program stops gracefully instead; the demo and tests use this
pub async fn serve(listener: TcpListener, config: Config) {
    Server::new(listener, config)
        .serve_until(std::future::pending())
        .await;
}

/// A users API server that can be stopped gracefully: [`serve_until`](Server::serve_until) a
/// signal, then [`close`](Server::close) and [`wait_closed`](Closing::wait_closed).
///
/// Dropping it (or a future that owns it) cancels every connection at once.
pub struct Server {
    listener: TcpListener,
    shared: Rc<Shared>,
    connections: Connections,
}

/// What the connection tasks share with the server and with each other.
struct Shared {
    db: Db,
    config: Config,
    /// Whether the server is closing, and the requests being answered (see [`http1::Serving`]).
    serving: http1::Serving,
}

impl Server {
    /// A server for `listener`; nothing is accepted until [`serve_until`](Server::serve_until).
    pub fn new(listener: TcpListener, config: Config) -> Server {
        Server {
            listener,
            shared: Rc::new(Shared {
                db: match &config.database {
                    Database::Memory => Db::new(config.db_delay),
                    Database::Sqlite(sqlite) => Db::sqlite(sqlite.clone(), config.db_delay),
                },
                config,
                serving: http1::Serving::default(),
            }),
            connections: Connections::default(),
        }
    }

    /// Accepts connections, a task each, until `stop` completes (Ctrl-C, say). The connections
    /// go on being served after it returns; [`close`](Server::close) them, or drop the server.
    pub async fn serve_until(&mut self, stop: impl Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        loop {
            // A losing `accept` accepts nothing (the connection waits in the kernel's backlog),
            // so racing it against `stop` loses no client that was already accepted.
            let accepted = glassloop::select! {
                accepted = self.listener.accept() => accepted,
                () = stop.as_mut() => return,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let task = handle_connection(stream, peer, self.shared.clone());
                    self.connections.add(glassloop::spawn(task));
                }
                Err(error) => {
                    // Running out of file descriptors is retried inside `accept`; anything else
                    // is reported and retried after a pause, as asyncio's server does.
                    eprintln!("users_api: accept failed: {error}");
                    glassloop::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// Stops accepting — the listening socket is closed, so a new client's `connect` is refused
    /// from this moment — and tells every connection the server is closing: one waiting for a
    /// request closes now; one handling a request answers it (with `Connection: close`) and then
    /// closes. asyncio's `server.close()`. Wait for them with [`Closing::wait_closed`].
    pub fn close(self) -> Closing {
        let Server {
            listener,
            shared,
            connections,
        } = self;
        drop(listener);
        shared.serving.closing.set();
        Closing {
            open: connections.still_open(),
            shared,
            connections,
        }
    }
}

/// A server that has stopped accepting, with the connections still finishing — see
/// [`Server::close`]. Dropping it cancels them.
pub struct Closing {
    shared: Rc<Shared>,
    connections: Connections,
    /// Connections open when the server closed.
    open: usize,
}

/// How a graceful shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    /// Connections that were still open when the server closed.
    pub connections: usize,
    /// Requests that were still running when the grace period ended, and were cancelled (their
    /// clients see the connection close without an answer).
    pub cancelled_requests: usize,
}

impl Closing {
    /// Requests read and not yet answered, right now.
    pub fn in_flight(&self) -> usize {
        self.shared.serving.in_flight.get()
    }

    /// Waits until every connection has closed, for at most `grace`; then cancels the ones still
    /// open — asyncio's `await server.wait_closed()` with a timeout around it.
    ///
    /// **Cancellation:** dropping the future cancels every connection still open at once.
    pub async fn wait_closed(self, grace: Duration) -> Closed {
        let Closing {
            shared,
            mut connections,
            open,
        } = self;
        let all_closed = glassloop::timeout(grace, connections.wait_all()).await;
        let cancelled_requests = match all_closed {
            Ok(()) => 0,
            Err(_elapsed) => shared.serving.in_flight.get(),
        };
        // Dropping the list aborts whatever is left (nothing, if all closed in time).
        drop(connections);
        Closed {
            connections: open,
            cancelled_requests,
        }
    }
}

/// The server's connection tasks. Dropping a `JoinHandle` only detaches its task, so this aborts
/// them all when it is dropped — that is, when the server's task ends or is aborted.
#[derive(Default)]
struct Connections(Vec<JoinHandle<()>>);

impl Connections {
    fn add(&mut self, connection: JoinHandle<()>) {
        // Forget finished connections as we go, so the list stays as long as the live ones.
        self.0.retain(|c| !c.is_finished());
        self.0.push(connection);
    }

    fn still_open(&self) -> usize {
        self.0.iter().filter(|c| !c.is_finished()).count()
    }

    /// Waits for every connection task to end. One at a time is as fast as all at once: the
    /// wait lasts as long as the slowest.
    async fn wait_all(&mut self) {
        for connection in &mut self.0 {
            // Awaiting the handle takes the task's outcome, so the loop will not report a panic
            // for us: say it here.
            if let Err(error) = connection.await {
                if error.is_panic() {
                    eprintln!("users_api: a connection task failed: {error}");
                }
            }
        }
    }
}

impl Drop for Connections {
    fn drop(&mut self) {
        for connection in &self.0 {
            connection.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One connection
// ---------------------------------------------------------------------------------------------

/// One connection's task: the shared HTTP/1.1 layer reads the requests and writes the answers;
/// the app gives each answer.
async fn handle_connection(stream: TcpStream, peer: SocketAddr, shared: Rc<Shared>) {
    let options = http1::Options {
        limits: http1::Limits {
            read_timeout: shared.config.read_timeout,
            max_head_bytes: shared.config.max_head_bytes,
            max_body_bytes: shared.config.max_body_bytes,
            ..http1::Limits::default()
        },
        name: "glassloop-users-api",
        allow: app::ALL_METHODS,
        log_requests: shared.config.log_requests,
        // FastAPI's style, `{"detail": "..."}`, for the layer's refusals too.
        refusal: |status, detail| response(Reply::error(status, detail), app::ALL_METHODS),
    };
    let db = &shared.db;
    http1::serve_connection(
        stream,
        peer,
        &options,
        &shared.serving,
        |request| async move {
            let reply = app::route(db, &request.method, &request.target, &request.body).await;
            let allow = app::allowed_methods(&request.target).unwrap_or(app::ALL_METHODS);
            response(reply, allow)
        },
    )
    .await;
}

/// The app's reply as an HTTP answer: JSON, with `Allow` (the methods of the path asked for) on
/// a 405, which RFC 9110 §15.5.6 says it must have.
fn response(reply: Reply, allow: &str) -> http1::Response {
    let mut headers = Vec::new();
    if reply.status == 405 {
        headers.push(("Allow", allow.to_string()));
    }
    http1::Response {
        status: reply.status,
        content_type: "application/json",
        headers,
        body: reply.body.0.into_bytes(),
    }
}
