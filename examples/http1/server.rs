//! The HTTP/1.1 server layer the examples share — the part of a FastAPI app's stack a learner
//! never sees: h11 (HTTP/1.1 as RFC 9112 frames it) inside uvicorn.
//!
//! `users_api` and `http_get`'s delay server both serve their connections through
//! [`serve_connection`]: it reads each request (head through `httparse`, then its body), hands it
//! to the app, writes the answer, and keeps the connection for the next request — or closes it —
//! as RFC 9110 (HTTP semantics) and RFC 9112 (HTTP/1.1's message syntax) say. The app sees a
//! [`Request`] and returns a [`Response`]; everything below is the layer's:
//!
//! | the client sends | the server | why (RFC) |
//! |---|---|---|
//! | a target in absolute form, `GET http://host/users/1` | serves `/users/1` | a server MUST accept it (RFC 9112 §3.2.2) |
//! | `OPTIONS *` | `200` with `Allow` | the asterisk form asks about the server itself (§3.2.4) |
//! | a target longer than [`Limits::max_target_bytes`] | `414 URI Too Long` | §3, RFC 9110 §15.5.15 |
//! | a head over [`Limits::max_head_bytes`], or too many headers | `431` | RFC 6585 §5 |
//! | `HTTP/2.0` (or any version but 1.0 and 1.1) on the request line | `505` | RFC 9110 §15.6.6 |
//! | HTTP/1.1 without exactly one `Host` | `400` | RFC 9112 §3.2 |
//! | both `Transfer-Encoding` and `Content-Length`, or `Transfer-Encoding` in HTTP/1.0, or chunked not last | `400`, then closes | the framing is in doubt: the way to request smuggling (§6.1, §6.3) |
//! | a transfer coding other than `chunked` | `501` | §6.1 |
//! | two `Content-Length`s that disagree, or one that is not digits | `400` | §6.3 |
//! | a line folded onto the next (obs-fold), a space before a colon | `400` | §5.1, §5.2 |
//! | a body over [`Limits::max_body_bytes`] | `413 Content Too Large`, closes | RFC 9110 §15.5.14 |
//! | `Expect: 100-continue` with a body | `100 Continue` first, then reads the body | RFC 9110 §10.1.1 (curl waits a second for it otherwise) |
//! | another `Expect` | `417` | RFC 9110 §10.1.1 |
//! | a body on a `GET` | reads and discards it, keeps the connection | RFC 9110 §9.3.1: allowed, if meaningless |
//! | HTTP/1.0 with `Connection: keep-alive` | answers with `Connection: keep-alive` and keeps it | a 1.0 client only knows the answer ended if it is told (RFC 9112 §9.3, appendix C.2.2) |
//! | HTTP/1.0 without it, or `Connection: close` | answers with `Connection: close`, closes | §9.3, §9.6 |
//! | a head or a body that stops arriving for [`Limits::read_timeout`] | `408`, closes | RFC 9110 §15.5.9 |
//! | nothing, between requests, for [`Limits::read_timeout`] | closes quietly (the keep-alive timeout) | §9.8 |
//! | several requests at once (pipelining) | answers them in order | §9.3.2 |
//!
//! Every answer carries `Date` (RFC 9110 §6.6.1: an origin server with a clock sends one; it is
//! formatted once a second), `Server`, `Content-Length` (a `HEAD` answer gives the length the body
//! would have, without the body), and `Connection: close` when it is the connection's last.
//!
//! Read next: `examples/users_api/server.rs`, which serves the users API through this.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io::{self, Write as _};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use glassloop::net::TcpStream;
use glassloop::sync::Event;

/// What a connection may send before the server gives up on it.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a client may take to send a whole request head or body, may sit idle between
    /// requests, or may take to read an answer.
    pub read_timeout: Duration,
    /// The largest request head (request line and headers).
    pub max_head_bytes: usize,
    /// The longest request target.
    pub max_target_bytes: usize,
    /// The largest request body.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            read_timeout: Duration::from_secs(5),
            max_head_bytes: 8 * 1024,
            max_target_bytes: 4 * 1024,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// How a server built on this layer presents itself.
#[derive(Debug, Clone)]
pub struct Options {
    pub limits: Limits,
    /// The `Server` header.
    pub name: &'static str,
    /// The methods the app answers, for `OPTIONS *` and `405`s (`Allow`).
    pub allow: &'static str,
    /// Print one line per request on stdout, as uvicorn's access log does.
    pub log_requests: bool,
    /// How the server words a refusal (a 400, 408, 413 …) in the app's own style: the status and
    /// a sentence saying what was wrong. [`Response::text`] is plain text; an API answers JSON.
    pub refusal: fn(u16, &str) -> Response,
}

/// What a server's connections share: whether it is closing, and how many requests are being
/// answered right now (a closing server waits for those).
#[derive(Default)]
pub struct Serving {
    /// Set when the server closes. A connection waiting for its next request closes when it sees
    /// it; one that is handling a request finishes it, and says it is the last.
    pub closing: Event,
    /// Requests read and not yet answered.
    pub in_flight: Cell<usize>,
}

/// The HTTP version of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// One request, as the app sees it.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path and query (`/users/3?x=1`), also when the client sent the absolute form.
    pub target: String,
    pub version: Version,
    /// The header fields, in order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, whole (empty when there is none).
    pub body: Vec<u8>,
}

impl Request {
    /// The value of the first header called `name` (names compare without case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }
}

/// One answer, as the app returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    /// More header fields (`Allow`, `Location` …); the layer adds `Date`, `Server`,
    /// `Content-Type`, `Content-Length` and `Connection`.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A plain-text answer (a line of it, when it is a refusal).
    pub fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }
}

/// How many headers a request may have (more is a 431).
const MAX_HEADERS: usize = 32;
/// How much is read from a socket at a time.
const READ_CHUNK: usize = 4 * 1024;
/// How long a closing connection waits for the client to finish sending (see [`close_gracefully`]).
const LINGER: Duration = Duration::from_secs(1);

/// Serves one connection: requests in, answers out, until either side closes or the server does
/// (`serving.closing`). `app` answers each request.
pub async fn serve_connection<App, Answer>(
    mut stream: TcpStream,
    peer: SocketAddr,
    options: &Options,
    serving: &Serving,
    mut app: App,
) where
    App: FnMut(Request) -> Answer,
    Answer: Future<Output = Response>,
{
    let limits = &options.limits;
    // Answers are written in one piece each; without this, the second of two pipelined answers
    // could sit in the kernel until the client's delayed ACK (Nagle's algorithm).
    let _ = stream.set_nodelay(true);
    // Bytes read but not yet used: the rest of a request, or the next pipelined one.
    let mut buffer = Vec::new();
    // One wait for the server's closing, for the connection's whole life, raced against every
    // read of a head. A wait made afresh for each read would, on losing, take itself out of the
    // Event's list of waiters — a search through every other connection's waiter, each request.
    let mut closing = std::pin::pin!(serving.closing.wait());
    loop {
        let outcome = match read_head(&mut stream, &mut buffer, limits, closing.as_mut()).await {
            Ok(head) => read_body(&mut stream, &mut buffer, head, limits).await,
            Err(failure) => Err(failure),
        };
        let (request, keep_alive) = match outcome {
            Ok(read) => read,
            Err(Failure::Gone) => return,
            Err(Failure::Reject(status, detail)) => {
                let response = (options.refusal)(status, &detail);
                if options.log_requests {
                    println!("{peer} - bad request - {}", response.status);
                }
                let answer = response_bytes(&response, options, Version::Http11, false, false);
                if write_with_timeout(&mut stream, &answer, limits)
                    .await
                    .is_ok()
                {
                    close_gracefully(stream).await;
                }
                return;
            }
        };
        let version = request.version;
        let head_only = request.method == "HEAD";
        // The access log needs the request line after the app has taken the request; copy it
        // only when there is a log to write.
        let logged = options
            .log_requests
            .then(|| format!("{} {} {}", request.method, request.target, version.as_str()));
        // From here until the answer is written this request is "in flight": a closing server
        // waits for it. The guard keeps the count right even if the task is cancelled.
        let in_flight = InFlight::start(&serving.in_flight);
        let response = if request.method == "OPTIONS" && request.target == "*" {
            // About the server itself, not a resource of the app (RFC 9110 §9.3.7).
            let mut response = Response::text(200, "");
            response.headers.push(("Allow", options.allow.to_string()));
            response
        } else {
            app(request).await
        };
        if let Some(line) = logged {
            println!(
                "{peer} - \"{line}\" {} {}",
                response.status,
                reason(response.status)
            );
        }
        // Decided now, not when the request arrived: if the server began closing while the app
        // was busy, this answer is the connection's last, and says so.
        let keep_alive = keep_alive && !serving.closing.is_set();
        let answer = response_bytes(&response, options, version, keep_alive, head_only);
        let written = write_with_timeout(&mut stream, &answer, limits).await;
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

/// Why no request was read.
enum Failure {
    /// The client closed, the connection broke, or it sat idle past the timeout between
    /// requests, or the server is closing: there is nobody to answer.
    Gone,
    /// Answer with this status and detail (worded by [`Options::refusal`]), then close.
    Reject(u16, String),
}

fn reject(status: u16, detail: &str) -> Failure {
    Failure::Reject(status, detail.to_string())
}

/// A request head, parsed and checked, with what the layer needs to read its body.
struct Head {
    request: Request,
    body: Framing,
    /// The client waits for `100 Continue` before it sends the body.
    expects_continue: bool,
    /// Whether the connection stays open after the answer.
    keep_alive: bool,
}

/// How the body of a request is delimited (RFC 9112 §6.3).
enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// Reads until `buffer` starts with a complete request head, and takes the head off the buffer.
///
/// Once the server is closing, waiting for a request ends in [`Failure::Gone`]: a request not yet
/// complete is not in flight, and is not waited for (uvicorn does the same).
async fn read_head(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    limits: &Limits,
    mut closing: Pin<&mut impl Future<Output = ()>>,
) -> Result<Head, Failure> {
    let started = glassloop::now();
    loop {
        if !buffer.is_empty() {
            if let Some((head, head_len)) = parse_head(buffer, limits)? {
                buffer.drain(..head_len);
                return Ok(head);
            }
        }
        // The whole head must arrive within one read_timeout of when we started waiting for it,
        // however it is dribbled out: a client cannot keep a connection by sending a byte a second.
        let left = limits
            .read_timeout
            .saturating_sub(glassloop::now() - started);
        let mut chunk = [0u8; READ_CHUNK];
        // A read that loses the race reads nothing, so no byte of the request is lost to it.
        let read = glassloop::select! {
            read = glassloop::timeout(left, stream.read(&mut chunk)) => read,
            () = closing.as_mut() => return Err(Failure::Gone),
        };
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => return Err(Failure::Gone),
            Ok(Ok(n)) => buffer.extend_from_slice(&chunk[..n]),
            // Idle between requests: a keep-alive timeout, nothing to say.
            Err(_elapsed) if buffer.is_empty() => return Err(Failure::Gone),
            Err(_elapsed) => return Err(reject(408, "the request head took too long to arrive")),
        }
    }
}

/// Parses and checks the head at the start of `buffer`: `Ok(None)` if it is not complete yet.
fn parse_head(buffer: &[u8], limits: &Limits) -> Result<Option<(Head, usize)>, Failure> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_len = match parsed.parse(buffer) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buffer.len() > limits.max_head_bytes => {
            return Err(oversized_head(buffer, limits));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(reject(431, "the request has too many header fields"))
        }
        Err(httparse::Error::Version) => {
            return match version_named(buffer) {
                Some(true) => Err(reject(505, "only HTTP/1.0 and HTTP/1.1 are spoken here")),
                Some(false) => Err(reject(400, "malformed request: invalid HTTP version")),
                None => Ok(None), // `HTTP/2` so far: wait for the rest of the line
            };
        }
        Err(error) => return Err(reject(400, &format!("malformed request: {error}"))),
    };
    let (Some(method), Some(target), Some(minor_version)) =
        (parsed.method, parsed.path, parsed.version)
    else {
        // httparse fills these in whenever it reports a complete head; never panic if not.
        return Err(reject(400, "incomplete request line"));
    };
    let version = if minor_version == 1 {
        Version::Http11
    } else {
        Version::Http10
    };
    // A long target is the URI's fault (414), whatever else is large (431).
    if target.len() > limits.max_target_bytes {
        return Err(reject(414, "the request target is too long"));
    }
    if head_len > limits.max_head_bytes {
        return Err(reject(431, "the request head is too large"));
    }
    let target = origin_form(method, target)?;

    let mut hosts = 0;
    let (mut close, mut keep_alive_asked) = (false, false);
    let mut content_length: Option<u64> = None;
    let mut transfer_codings: Vec<String> = Vec::new();
    let mut expect: Option<String> = None;
    for header in parsed.headers.iter() {
        let name = header.name;
        let value = String::from_utf8_lossy(header.value);
        if name.eq_ignore_ascii_case("host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                close |= token.eq_ignore_ascii_case("close");
                keep_alive_asked |= token.eq_ignore_ascii_case("keep-alive");
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            // Digits only, and every copy of the header must agree: disagreeing lengths are how
            // request smuggling starts.
            let length = Some(value.as_ref())
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| reject(400, "bad Content-Length"))?;
            if content_length.is_some_and(|earlier| earlier != length) {
                return Err(reject(400, "conflicting Content-Length headers"));
            }
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_codings.extend(
                value
                    .split(',')
                    .map(|coding| coding.trim().to_ascii_lowercase())
                    .filter(|coding| !coding.is_empty()),
            );
        } else if name.eq_ignore_ascii_case("expect") {
            expect = Some(value.trim().to_ascii_lowercase());
        }
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host header gets a 400.
    if version == Version::Http11 && hosts != 1 {
        return Err(reject(400, "an HTTP/1.1 request needs one Host header"));
    }
    let body = match (transfer_codings.last(), content_length) {
        (None, None | Some(0)) => Framing::None,
        (None, Some(length)) => Framing::Length(length),
        // Two framings for one body: a front end and this server could read it differently.
        (Some(_), Some(_)) => {
            return Err(reject(400, "both Transfer-Encoding and Content-Length"));
        }
        (Some(_), None) if version == Version::Http10 => {
            return Err(reject(400, "Transfer-Encoding in an HTTP/1.0 request"));
        }
        (Some(last), None) if last != "chunked" => {
            return Err(reject(400, "chunked must be the final transfer coding"));
        }
        (Some(_), None) if transfer_codings.len() > 1 => {
            return Err(reject(501, "no transfer coding but chunked is understood"));
        }
        (Some(_), None) => Framing::Chunked,
    };
    if let Framing::Length(length) = body {
        if length > limits.max_body_bytes as u64 {
            return Err(reject(413, "the request body is too large"));
        }
    }
    // RFC 9110 §10.1.1: 100-continue is the only expectation; an HTTP/1.0 client cannot have
    // meant it, and a request with no body has nothing to continue with.
    let expects_continue = match expect.as_deref() {
        None => false,
        Some("100-continue") => version == Version::Http11 && !matches!(body, Framing::None),
        Some(_) => {
            return Err(reject(
                417,
                "the only expectation understood is 100-continue",
            ))
        }
    };
    // HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes unless told otherwise.
    let keep_alive = !close && (version == Version::Http11 || keep_alive_asked);
    let request = Request {
        method: method.to_string(),
        target,
        version,
        headers: parsed
            .headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
        body: Vec::new(),
    };
    Ok(Some((
        Head {
            request,
            body,
            expects_continue,
            keep_alive,
        },
        head_len,
    )))
}

/// Whether the request line ends in a well-formed version, `HTTP/` digit `.` digit (RFC 9112
/// §2.3): `HTTP/2.0` is a version this server does not speak (505), `not http` is not a version
/// at all (400). `None` while the line has not ended and its end could still become one.
fn version_named(buffer: &[u8]) -> Option<bool> {
    const SHAPE: &[u8] = b"HTTP/0.0"; // where a 0 stands, any digit
    let fits = |word: &[u8]| {
        word.len() <= SHAPE.len()
            && word.iter().zip(SHAPE).all(|(&b, &shape)| match shape {
                b'0' => b.is_ascii_digit(),
                _ => b == shape,
            })
    };
    let line_end = buffer.iter().position(|&b| b == b'\n');
    let line = &buffer[..line_end.unwrap_or(buffer.len())];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let last_word = line.rsplit(|&b| b == b' ').next().unwrap_or_default();
    match line_end {
        Some(_) => Some(fits(last_word) && last_word.len() == SHAPE.len()),
        None if fits(last_word) => None,
        None => Some(false),
    }
}

/// The refusal for a head that is still incomplete past [`Limits::max_head_bytes`]: whose fault
/// is it? A target longer than any we take is a 414 (RFC 9112 §3), a method longer than any we
/// know a 501 (§3), and anything else — many or long header fields — a 431.
fn oversized_head(buffer: &[u8], limits: &Limits) -> Failure {
    let line_end = buffer.iter().position(|&b| b == b'\n');
    let line = &buffer[..line_end.unwrap_or(buffer.len())];
    let mut words = line.split(|&b| b == b' ');
    let method = words.next().unwrap_or_default();
    match words.next() {
        None => reject(501, "the method is longer than any this server knows"),
        Some(target) if target.len() > limits.max_target_bytes || line_end.is_none() => {
            reject(414, "the request target is too long")
        }
        Some(_) if method.len() > limits.max_target_bytes => {
            reject(501, "the method is longer than any this server knows")
        }
        Some(_) => reject(431, "the request head is too large"),
    }
}

/// The path and query of a request target: the origin form (`/users/1`) as it is, the absolute
/// form (`http://host/users/1`, which a server must accept: RFC 9112 §3.2.2) reduced to it, and
/// `*` kept for `OPTIONS`.
fn origin_form(method: &str, target: &str) -> Result<String, Failure> {
    if target.starts_with('/') {
        return Ok(target.to_string());
    }
    if target == "*" {
        return match method {
            "OPTIONS" => Ok(target.to_string()),
            _ => Err(reject(400, "the asterisk form is for OPTIONS only")),
        };
    }
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let after_scheme = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return Err(reject(
            400,
            "the request target must be a path or an absolute URL",
        ));
    };
    let path_at = after_scheme.find(['/', '?']).unwrap_or(after_scheme.len());
    Ok(match &after_scheme[path_at..] {
        "" => "/".to_string(),
        query if query.starts_with('?') => format!("/{query}"),
        path => path.to_string(),
    })
}

/// Reads the body the head announced (after saying `100 Continue` if the client waits for it),
/// within the read timeout and the size limit. Returns the request, whole, and whether the
/// connection stays open.
async fn read_body(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    head: Head,
    limits: &Limits,
) -> Result<(Request, bool), Failure> {
    let Head {
        mut request,
        body,
        expects_continue,
        keep_alive,
    } = head;
    if matches!(body, Framing::None) {
        return Ok((request, keep_alive));
    }
    // The client is waiting to be told to go on, unless it sent (some of) the body anyway.
    if expects_continue && buffer.is_empty() {
        write_with_timeout(stream, b"HTTP/1.1 100 Continue\r\n\r\n", limits)
            .await
            .map_err(|_| Failure::Gone)?;
    }
    let started = glassloop::now();
    let mut reader = BodyReader {
        stream,
        buffer,
        limits,
        started,
    };
    request.body = match body {
        Framing::None => Vec::new(),
        Framing::Length(length) => reader.take(length as usize).await?,
        Framing::Chunked => reader.chunked().await?,
    };
    Ok((request, keep_alive))
}

/// Takes body bytes from what was already read and from the socket.
struct BodyReader<'a> {
    stream: &'a mut TcpStream,
    buffer: &'a mut Vec<u8>,
    limits: &'a Limits,
    started: std::time::Instant,
}

impl BodyReader<'_> {
    /// Reads more from the socket onto the buffer: the whole body must arrive within one read
    /// timeout.
    async fn fill(&mut self) -> Result<(), Failure> {
        let left = self
            .limits
            .read_timeout
            .saturating_sub(glassloop::now() - self.started);
        let mut chunk = [0u8; READ_CHUNK];
        match glassloop::timeout(left, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => Err(Failure::Gone),
            Ok(Ok(n)) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(_elapsed) => Err(reject(408, "the request body took too long to arrive")),
        }
    }

    /// The next `length` bytes.
    async fn take(&mut self, length: usize) -> Result<Vec<u8>, Failure> {
        while self.buffer.len() < length {
            self.fill().await?;
        }
        Ok(self.buffer.drain(..length).collect())
    }

    /// The next line, without its line ending (a bare LF ends a line too: RFC 9112 §2.2).
    async fn line(&mut self) -> Result<Vec<u8>, Failure> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buffer.len() > self.limits.max_head_bytes {
                return Err(reject(400, "a chunk's size line is too long"));
            }
            self.fill().await?;
        }
    }

    /// A chunked body (RFC 9112 §7.1): chunks of `size-in-hex [;extensions] CRLF data CRLF`,
    /// ended by a chunk of size 0 and the trailer fields, which are read and dropped.
    async fn chunked(&mut self) -> Result<Vec<u8>, Failure> {
        let mut body = Vec::new();
        loop {
            let line = self.line().await?;
            let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(size_text)
                .ok()
                .map(str::trim)
                .filter(|hex| !hex.is_empty() && hex.len() <= 16)
                .and_then(|hex| usize::from_str_radix(hex, 16).ok())
                .ok_or_else(|| reject(400, "a bad chunk size"))?;
            if size == 0 {
                // Trailer fields, up to the empty line.
                while !self.line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > self.limits.max_body_bytes {
                return Err(reject(413, "the request body is too large"));
            }
            body.extend(self.take(size).await?);
            if !self.line().await?.is_empty() {
                return Err(reject(400, "a chunk did not end where its size said"));
            }
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

/// The bytes of an answer: status line, headers, and the body (left out for `HEAD`, with the
/// `Content-Length` the body would have).
fn response_bytes(
    response: &Response,
    options: &Options,
    version: Version,
    keep_alive: bool,
    head_only: bool,
) -> Vec<u8> {
    let body = &response.body;
    let mut out = Vec::with_capacity(200 + body.len());
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\nDate: ",
        response.status,
        reason(response.status)
    );
    with_date(|date| out.extend_from_slice(date.as_bytes()));
    let _ = write!(out, "\r\nServer: {}\r\n", options.name);
    // A 204 has no content, and RFC 9110 §8.6 forbids a Content-Length on it (as on a 304).
    let no_content = matches!(response.status, 204 | 304);
    if !no_content {
        let _ = write!(
            out,
            "Content-Type: {}\r\nContent-Length: {}\r\n",
            response.content_type,
            body.len()
        );
    }
    for (name, value) in &response.headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    match (keep_alive, version) {
        (false, _) => out.extend_from_slice(b"Connection: close\r\n"),
        // An HTTP/1.0 client keeps the connection only if the answer says so.
        (true, Version::Http10) => out.extend_from_slice(b"Connection: keep-alive\r\n"),
        (true, Version::Http11) => {}
    }
    out.extend_from_slice(b"\r\n");
    if !head_only && !no_content {
        out.extend_from_slice(body);
    }
    out
}

/// The reason phrase for the statuses these servers send.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

thread_local! {
    /// The `Date` header's value, and the second it is for: formatted once a second, as servers
    /// do, not once an answer.
    static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Runs `f` with the current time as an HTTP date (`Thu, 03 Dec 2026 14:40:00 GMT`).
fn with_date(f: impl FnOnce(&str)) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    DATE.with(|date| {
        let mut date = date.borrow_mut();
        if date.0 != now {
            *date = (now, http_date(now));
        }
        f(&date.1)
    });
}

/// The IMF-fixdate of RFC 9110 §5.6.7 for `unix` seconds since 1970: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(unix: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, second_of_day) = (unix / 86_400, unix % 86_400);
    // The civil date of a day count, counting in 400-year eras that start on 1 March (so that
    // February, with its leap day, comes last in the year).
    let shifted = days as i64 + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        second_of_day / 3_600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Writes `bytes`, giving up on a client that does not read them within `read_timeout`.
async fn write_with_timeout(
    stream: &mut TcpStream,
    bytes: &[u8],
    limits: &Limits,
) -> io::Result<()> {
    glassloop::timeout(limits.read_timeout, stream.write_all(bytes)).await?
}

/// Closes after a last answer without destroying it. Closing a socket that still has unread
/// bytes in its receive buffer makes the kernel send a reset instead of a normal close, and a
/// reset can discard our answer before the client has read it — exactly in the cases that close
/// early (a 431 after an oversized head, a 413 before the body). So: half-close our side (the
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
