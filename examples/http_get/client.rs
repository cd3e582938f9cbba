//! A minimal HTTP/1.1 client on glassloop's `TcpStream` — what `httpx.AsyncClient().get(url)` or
//! aiohttp's `session.get(url)` does underneath.
//!
//! ```python
//! async with httpx.AsyncClient() as client:
//!     response = await client.get("http://127.0.0.1:8000/users/1")
//!     print(response.status_code, response.text)
//! ```
//!
//! Here that is `client::get("http://127.0.0.1:8000/users/1").await?`. A GET is four steps, and every
//! step that waits is an `.await`, so while one request waits for its answer the loop runs the others:
//!
//! 1. resolve the host name — on a helper thread (`to_thread`), as asyncio's `loop.getaddrinfo` runs
//!    `socket.getaddrinfo` in the default executor: name resolution is a blocking call;
//! 2. connect (`TcpStream::connect`);
//! 3. write the request: a few lines of text ending in an empty line;
//! 4. read the answer: bytes until the head is complete (the `httparse` crate parses it), then the
//!    body, framed by `Content-Length`, by `Transfer-Encoding: chunked`, or by the server closing.
//!
//! [`read_response`] works on an open connection with a buffer of bytes already read, so the same
//! code reads several answers from one keep-alive connection, or two pipelined answers that arrived
//! in one read. Bad input (a response that is not HTTP, a head or body over the limits, a connection
//! cut short) is an `io::Error` with a message, never a panic.
//!
//! Used by `examples/http_get` (the demo), by `examples/users_api/demo.rs`, and by the tests.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use glassloop::net::TcpStream;

/// The longest response head accepted (status line plus headers).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The largest body accepted; a bigger one is an error rather than unbounded memory.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// How many headers a response may have.
const MAX_HEADERS: usize = 64;
/// How much is read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// An HTTP response: status, headers, and the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code: 200, 404, …
    pub status: u16,
    /// The reason phrase the server sent ("OK", "Not Found", …).
    pub reason: String,
    /// The headers, in the order they came, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (compared without case, as HTTP says).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 shown as U+FFFD) — httpx's `response.text`.
    #[allow(dead_code)] // for the users_api demo and the tests, which include this file too
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The parts of an `http://` URL a GET needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// Host name or IP address (IPv6 without the brackets).
    pub host: String,
    /// The port; 80 when the URL gives none.
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Parses `http://host[:port][/path]`. Anything else (https, a missing host, a bad port) is an
    /// `InvalidInput` error saying what is wrong.
    pub fn parse(url: &str) -> io::Result<Url> {
        let invalid = |why: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot GET {url:?}: {why}"),
            )
        };
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(invalid(&format!(
                    "only http:// URLs are supported (this small client has no TLS for {scheme}://)"
                )))
            }
            None => return Err(invalid("expected a URL like http://127.0.0.1:8000/users")),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        // Drop a fragment: it is never sent to the server.
        let path = path.split('#').next().unwrap_or("/").to_string();
        if authority.contains('@') {
            return Err(invalid(
                "user names and passwords in URLs are not supported",
            ));
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            // [::1]:8080
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| invalid("unclosed '[' in the host"))?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return Err(invalid("unexpected text after the IPv6 address")),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(invalid("the URL has no host"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(port) => port
                .parse::<u16>()
                .map_err(|_| invalid(&format!("{port:?} is not a port number")))?,
        };
        if path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid("the path contains spaces or control characters"));
        }
        Ok(Url {
            host: host.to_string(),
            port,
            path,
        })
    }

    /// The value of the `Host` header: the host, with the port when it is not 80.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host) // an IPv6 address
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// `GET url` on a fresh connection, closed afterwards — httpx's `await client.get(url)`.
///
/// **Cancellation:** dropping the future closes the connection; nothing else is left behind.
pub async fn get(url: &str) -> io::Result<Response> {
    let url = Url::parse(url)?;
    let mut stream = connect(&url.host, url.port).await?;
    stream
        .write_all(&get_request(&url.host_header(), &url.path, false))
        .await?;
    let mut buffer = Vec::new();
    read_response(&mut stream, &mut buffer).await
}

/// Opens a connection to `host:port`. A name (not an IP address) is resolved on a helper thread,
/// because resolving is a blocking call that would otherwise stop the whole loop.
pub async fn connect(host: &str, port: u16) -> io::Result<TcpStream> {
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            let name = host.to_string();
            glassloop::to_thread(move || (name.as_str(), port).to_socket_addrs())
                .await
                .map_err(io::Error::other)??
                .collect()
        }
    };
    let stream = TcpStream::connect(&addresses[..]).await?;
    // Requests are written in one piece; do not let Nagle's algorithm hold a small one back.
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The bytes of a `GET` request. `keep_alive: false` asks the server to close after answering.
pub fn get_request(host: &str, path: &str, keep_alive: bool) -> Vec<u8> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: glassloop-http-get\r\n\
         Accept: */*\r\nConnection: {connection}\r\n\r\n"
    )
    .into_bytes()
}

/// Reads one response from `stream`. `buffer` holds bytes read earlier and not used yet, and on
/// return holds whatever came after this response (the start of the next one, on a keep-alive or
/// pipelined connection) — so pass the same buffer for every response on a connection.
///
/// **Cancellation:** if dropped midway, the bytes read so far stay in `buffer`, but the connection
/// is then in the middle of a response: close it.
pub async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Response> {
    loop {
        let (response, framing, head_len) = loop {
            if let Some(parsed) = parse_head(buffer)? {
                break parsed;
            }
            if buffer.len() > MAX_HEAD_BYTES {
                return Err(invalid_data(format!(
                    "the response head is longer than {MAX_HEAD_BYTES} bytes"
                )));
            }
            if fill(stream, buffer).await? == 0 {
                return Err(cut_short("before the response head was complete"));
            }
        };
        buffer.drain(..head_len);
        // "100 Continue" and friends are interim answers: the real one follows.
        if (100..200).contains(&response.status) && response.status != 101 {
            continue;
        }
        let body = match framing {
            Framing::Empty => Vec::new(),
            Framing::Length(length) => read_exact_body(stream, buffer, length).await?,
            Framing::Chunked => read_chunked_body(stream, buffer).await?,
            Framing::UntilClose => read_until_close(stream, buffer).await?,
        };
        return Ok(Response { body, ..response });
    }
}

/// How the body of a response is delimited.
enum Framing {
    Empty,
    Length(usize),
    Chunked,
    UntilClose,
}

/// Parses a complete head at the start of `buffer`; `None` if more bytes are needed.
fn parse_head(buffer: &[u8]) -> io::Result<Option<(Response, Framing, usize)>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut headers);
    let head_len = match parsed.parse(buffer) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => {
            return Err(invalid_data(format!(
                "the server's answer is not valid HTTP/1.x: {error}"
            )))
        }
    };
    let status = parsed.code.unwrap_or(0);
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let response = Response {
        status,
        reason: parsed.reason.unwrap_or("").to_string(),
        headers,
        body: Vec::new(),
    };
    let framing = if status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::Empty
    } else if response
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        Framing::Chunked
    } else if let Some(length) = response.header("content-length") {
        let length: usize = length
            .trim()
            .parse()
            .map_err(|_| invalid_data(format!("bad Content-Length {length:?}")))?;
        if length > MAX_BODY_BYTES {
            return Err(too_big());
        }
        Framing::Length(length)
    } else {
        Framing::UntilClose
    };
    Ok(Some((response, framing, head_len)))
}

/// Reads more bytes from `stream` onto the end of `buffer`; returns how many (0: the peer closed).
async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; READ_CHUNK];
    let n = stream.read(&mut chunk).await?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n)
}

async fn read_exact_body(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    length: usize,
) -> io::Result<Vec<u8>> {
    while buffer.len() < length {
        if fill(stream, buffer).await? == 0 {
            return Err(cut_short("in the middle of the body"));
        }
    }
    Ok(buffer.drain(..length).collect())
}

/// `Transfer-Encoding: chunked`: each chunk is `<size in hex>\r\n<bytes>\r\n`; a size of 0 ends the
/// body, after optional trailer lines and an empty line.
async fn read_chunked_body(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let (size_line_len, size) = loop {
            match httparse::parse_chunk_size(buffer) {
                Ok(httparse::Status::Complete(parsed)) => break parsed,
                Ok(httparse::Status::Partial) if buffer.len() > MAX_HEAD_BYTES => {
                    return Err(invalid_data("a chunk-size line is too long".into()))
                }
                Ok(httparse::Status::Partial) => {
                    if fill(stream, buffer).await? == 0 {
                        return Err(cut_short("in the middle of a chunked body"));
                    }
                }
                Err(_) => return Err(invalid_data("a bad chunk size in a chunked body".into())),
            }
        };
        buffer.drain(..size_line_len);
        if size == 0 {
            // Skip trailers: lines up to and including an empty one.
            loop {
                if let Some(end) = find(buffer, b"\r\n") {
                    buffer.drain(..end + 2);
                    if end == 0 {
                        return Ok(body);
                    }
                } else if fill(stream, buffer).await? == 0 {
                    return Err(cut_short("in the trailers of a chunked body"));
                }
            }
        }
        let size = usize::try_from(size)
            .ok()
            .filter(|size| body.len() + size <= MAX_BODY_BYTES)
            .ok_or_else(too_big)?;
        while buffer.len() < size + 2 {
            if fill(stream, buffer).await? == 0 {
                return Err(cut_short("in the middle of a chunk"));
            }
        }
        if &buffer[size..size + 2] != b"\r\n" {
            return Err(invalid_data("a chunk is not followed by CRLF".into()));
        }
        body.extend(buffer.drain(..size));
        buffer.drain(..2);
    }
}

async fn read_until_close(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    while fill(stream, buffer).await? > 0 {
        if buffer.len() > MAX_BODY_BYTES {
            return Err(too_big());
        }
    }
    Ok(std::mem::take(buffer))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid_data(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn too_big() -> io::Error {
    invalid_data(format!(
        "the response body is larger than {MAX_BODY_BYTES} bytes"
    ))
}

fn cut_short(when: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the server closed the connection {when}"),
    )
}
