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
//! client only ever holds up its own task. Each connection task loops: read a request head (the
//! `httparse` crate parses it), ask the [app](app) for the reply, write it, and go round again
//! for the next request on the same connection (keep-alive). Requests that arrive back to back in
//! one read (pipelining) are answered one after another, in order, from the buffer.
//!
//! Every way a client can misbehave ends in an answer or a close, never a crash or a hang:
//!
//! | the client | the server |
//! |---|---|
//! | sends something that is not HTTP/1.x | `400 Bad Request`, then closes |
//! | sends a head over [`Config::max_head_bytes`] (or too many headers) | `431 Request Header Fields Too Large`, closes |
//! | stops in the middle of a request for [`Config::read_timeout`] | `408 Request Timeout`, closes |
//! | stays idle between requests for [`Config::read_timeout`] | closes (a keep-alive timeout) |
//! | stops reading our answers for [`Config::read_timeout`] | closes |
//! | sends a body (this API takes none) | answers, then closes instead of parsing it |
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

use std::cell::Cell;
use std::future::Future;
use std::io::{self, Write as _};
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use glassloop::net::{TcpListener, TcpStream};
use glassloop::sync::Event;
use glassloop::JoinHandle;

use app::{Db, Reply};

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long every simulated database call takes.
    pub db_delay: Duration,
    /// How long a client may take to send a whole request head, may sit idle between requests,
    /// or may take to read our answer.
    pub read_timeout: Duration,
    /// The largest request head (request line and headers) accepted.
    pub max_head_bytes: usize,
    /// Print one line per request on stdout, as uvicorn's access log does.
    pub log_requests: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            db_delay: Duration::from_secs(1),
            read_timeout: Duration::from_secs(5),
            max_head_bytes: 8 * 1024,
            log_requests: false,
        }
    }
}

/// How many headers a request may have (more is a 431).
const MAX_HEADERS: usize = 32;
/// How much is read from a socket at a time.
const READ_CHUNK: usize = 4 * 1024;
/// How long a closing connection waits for the client to finish sending (see [`close_gracefully`]).
const LINGER: Duration = Duration::from_secs(1);

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
    /// Set when the server closes. A connection waiting for its next request closes when it sees
    /// it; one that is handling a request finishes it first (see [`handle_connection`]).
    closing: Event,
    /// Requests read and not yet answered, counted by [`InFlight`] guards.
    in_flight: Cell<usize>,
}

impl Server {
    /// A server for `listener`; nothing is accepted until [`serve_until`](Server::serve_until).
    pub fn new(listener: TcpListener, config: Config) -> Server {
        Server {
            listener,
            shared: Rc::new(Shared {
                db: Db::new(config.db_delay),
                config,
                closing: Event::new(),
                in_flight: Cell::new(0),
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
        shared.closing.set();
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
        self.shared.in_flight.get()
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
            Err(_elapsed) => shared.in_flight.get(),
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

/// A request, as far as this API needs one.
#[derive(Debug)]
struct Request {
    method: String,
    /// The request target: path and query, as sent.
    target: String,
    /// HTTP/1.0 or 1.1, for the log.
    version: &'static str,
    /// Whether the connection stays open after the answer.
    keep_alive: bool,
}

/// Why no request was read.
enum RequestError {
    /// The client closed, the connection broke, or it sat idle past the timeout between
    /// requests: there is nobody to answer.
    Gone,
    /// Answer with this, then close.
    Rejected(Reply),
}

/// One connection's task: requests in, answers out, until either side closes or the server does.
async fn handle_connection(mut stream: TcpStream, peer: SocketAddr, shared: Rc<Shared>) {
    let config = &shared.config;
    // Answers are written in one piece each; without this, the second of two pipelined answers
    // could sit in the kernel until the client's delayed ACK (Nagle's algorithm).
    let _ = stream.set_nodelay(true);
    // Bytes read but not yet used: the rest of a request head, or the next pipelined request.
    let mut buffer = Vec::new();
    loop {
        let request = match read_request(&mut stream, &mut buffer, &shared).await {
            Ok(request) => request,
            Err(RequestError::Gone) => return,
            Err(RequestError::Rejected(reply)) => {
                if config.log_requests {
                    println!("{peer} - bad request - {}", reply.status);
                }
                let answer = response_bytes(&reply, false, false);
                if write_with_timeout(&mut stream, &answer, config)
                    .await
                    .is_ok()
                {
                    close_gracefully(stream).await;
                }
                return;
            }
        };
        // From here until the answer is written this request is "in flight": a closing server
        // waits for it. The guard keeps the count right even if the task is cancelled.
        let in_flight = InFlight::start(&shared.in_flight);
        let reply = app::route(&shared.db, &request.method, &request.target).await;
        if config.log_requests {
            println!(
                "{peer} - \"{} {} {}\" {} {}",
                request.method,
                request.target,
                request.version,
                reply.status,
                reason(reply.status)
            );
        }
        // Decided now, not when the request arrived: if the server began closing while the
        // database was busy, this answer is the connection's last, and says so.
        let keep_alive = request.keep_alive && !shared.closing.is_set();
        let answer = response_bytes(&reply, keep_alive, request.method == "HEAD");
        let written = write_with_timeout(&mut stream, &answer, config).await;
        drop(in_flight);
        if written.is_err() {
            return; // the client went away or stopped reading
        }
        if !keep_alive {
            close_gracefully(stream).await;
            return;
        }
    }
}

/// Counts one request in flight for as long as it lives.
struct InFlight<'a>(&'a Cell<usize>);

impl<'a> InFlight<'a> {
    fn start(count: &'a Cell<usize>) -> InFlight<'a> {
        count.set(count.get() + 1);
        InFlight(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// Reads until `buffer` starts with a complete request head, and takes the head off the buffer.
/// Whatever follows it (a pipelined request) stays in `buffer` for the next call.
///
/// Once the server is closing, waiting for a request ends in [`RequestError::Gone`]: a request
/// not yet complete is not in flight, and is not waited for (uvicorn does the same).
async fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    shared: &Shared,
) -> Result<Request, RequestError> {
    let config = &shared.config;
    let started = glassloop::now();
    loop {
        if !buffer.is_empty() {
            if let Some((request, head_len)) = parse_request(buffer, config.max_head_bytes)? {
                buffer.drain(..head_len);
                return Ok(request);
            }
        }
        // The whole head must arrive within one read_timeout of when we started waiting for it,
        // however it is dribbled out: a client cannot keep a connection by sending a byte a second.
        let left = config
            .read_timeout
            .saturating_sub(glassloop::now() - started);
        let mut chunk = [0u8; READ_CHUNK];
        // A read that loses the race reads nothing, so no byte of the request is lost to it.
        let read = glassloop::select! {
            read = glassloop::timeout(left, stream.read(&mut chunk)) => read,
            () = shared.closing.wait() => return Err(RequestError::Gone),
        };
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => return Err(RequestError::Gone),
            Ok(Ok(n)) => buffer.extend_from_slice(&chunk[..n]),
            // Idle between requests: a keep-alive timeout, nothing to say.
            Err(_elapsed) if buffer.is_empty() => return Err(RequestError::Gone),
            Err(_elapsed) => return Err(rejected(408, "the request head took too long to arrive")),
        }
    }
}

/// Parses the head at the start of `buffer`: `Ok(None)` if it is not complete yet.
fn parse_request(
    buffer: &[u8],
    max_head_bytes: usize,
) -> Result<Option<(Request, usize)>, RequestError> {
    let too_large = || rejected(431, "the request head is too large");
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_len = match parsed.parse(buffer) {
        Ok(httparse::Status::Complete(len)) if len > max_head_bytes => return Err(too_large()),
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buffer.len() > max_head_bytes => return Err(too_large()),
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(too_large()),
        Err(error) => {
            return Err(RequestError::Rejected(Reply::error(
                400,
                &format!("malformed request: {error}"),
            )))
        }
    };
    let (Some(method), Some(target), Some(minor_version)) =
        (parsed.method, parsed.path, parsed.version)
    else {
        // httparse fills these in whenever it reports a complete head; never panic if not.
        return Err(rejected(400, "incomplete request line"));
    };
    let http_1_1 = minor_version == 1;
    if !target.starts_with('/') {
        // "*" (OPTIONS) and absolute URLs (proxies) are not for this server.
        return Err(rejected(400, "the request target must be a path"));
    }

    let mut hosts = 0;
    let mut close = false;
    let mut keep_alive_asked = false;
    let mut has_body = false;
    let mut content_length: Option<u64> = None;
    for header in parsed.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case("connection") {
            for token in String::from_utf8_lossy(header.value).split(',') {
                let token = token.trim();
                close |= token.eq_ignore_ascii_case("close");
                keep_alive_asked |= token.eq_ignore_ascii_case("keep-alive");
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            // Digits only, and every copy of the header must agree: disagreeing lengths are how
            // request smuggling starts.
            let length = std::str::from_utf8(header.value)
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| rejected(400, "bad Content-Length"))?;
            if content_length.is_some_and(|earlier| earlier != length) {
                return Err(rejected(400, "conflicting Content-Length headers"));
            }
            content_length = Some(length);
            has_body |= length > 0;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            has_body = true;
        }
    }
    // RFC 9112: an HTTP/1.1 request without exactly one Host header gets a 400.
    if http_1_1 && hosts != 1 {
        return Err(rejected(400, "an HTTP/1.1 request needs one Host header"));
    }
    // HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes unless told otherwise.
    // A request with a body closes it too: this API takes no bodies, so rather than parse and skip
    // one, it answers and closes.
    let keep_alive = !has_body && !close && (http_1_1 || keep_alive_asked);
    Ok(Some((
        Request {
            method: method.to_string(),
            target: target.to_string(),
            version: if http_1_1 { "HTTP/1.1" } else { "HTTP/1.0" },
            keep_alive,
        },
        head_len,
    )))
}

fn rejected(status: u16, detail: &str) -> RequestError {
    RequestError::Rejected(Reply::error(status, detail))
}

/// The bytes of an answer: status line, headers, and the JSON body (left out for `HEAD`, with
/// the `Content-Length` the body would have).
fn response_bytes(reply: &Reply, keep_alive: bool, head_only: bool) -> Vec<u8> {
    let body = reply.body.0.as_bytes();
    let mut out = Vec::with_capacity(160 + body.len());
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\nServer: glassloop-users-api\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n",
        reply.status,
        reason(reply.status),
        body.len()
    );
    if reply.status == 405 {
        out.extend_from_slice(b"Allow: GET, HEAD\r\n");
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// The reason phrase for the statuses this server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "",
    }
}

/// Writes `bytes`, giving up on a client that does not read them within `read_timeout`.
async fn write_with_timeout(
    stream: &mut TcpStream,
    bytes: &[u8],
    config: &Config,
) -> io::Result<()> {
    glassloop::timeout(config.read_timeout, stream.write_all(bytes)).await?
}

/// Closes after a last answer without destroying it. Closing a socket that still has unread
/// bytes in its receive buffer makes the kernel send a reset instead of a normal close, and a
/// reset can discard our answer before the client has read it — exactly in the cases that close
/// early (a 431 after an oversized head, a request with a body). So: half-close our side (the
/// client reads end-of-stream after the answer), then read and discard until the client closes,
/// for at most [`LINGER`].
async fn close_gracefully(mut stream: TcpStream) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let _ = glassloop::timeout(LINGER, async move {
        let mut sink = [0u8; READ_CHUNK];
        let mut discarded = 0;
        while discarded < 64 * 1024 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(n) => discarded += n,
            }
        }
    })
    .await;
}
