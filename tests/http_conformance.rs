//! The HTTP/1.1 server layer the examples share (`examples/http1/server.rs`, served here through
//! `users_api`), held to RFC 9110 (HTTP semantics) and RFC 9112 (HTTP/1.1's message syntax): one
//! test per rule, each naming its section, on raw sockets — the exact status, and the fate of the
//! connection (kept: a next request on it is answered; closed: the server ends the stream, and a
//! request pipelined after the refused one is never answered). Then real clients: hyper's client
//! for keep-alive and bodies, and curl for `Expect: 100-continue`, chunked uploads and HTTP/1.0
//! keep-alive.
//!
//! Every read is bounded by a timeout, so a server that forgets to answer fails a test instead of
//! hanging it.

// users_api and hyper's adapter are separate examples, each including what it needs.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)] // the tests use only part of the example's modules
#[path = "../examples/users_api/demo.rs"]
mod users_api;

#[allow(dead_code)]
#[path = "../examples/hyper_users/adapter.rs"]
mod adapter;

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use glassloop::net::TcpStream;
use users_api::server::{self, http1};

mod support;

/// How long any one read in these tests may wait before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

const USER_1: &str = r#"{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}"#;
const USER_2: &str = r#"{"id":2,"name":"Grace Hopper","email":"grace@example.com"}"#;

fn config() -> server::Config {
    server::Config {
        db_delay: Duration::ZERO,
        ..server::Config::default()
    }
}

/// Runs `test` on a fresh loop against a users API server started with `config`.
fn with_server<F: std::future::Future<Output = ()>>(
    config: server::Config,
    test: impl FnOnce(SocketAddr) -> F,
) {
    glassloop::run(async {
        let (addr, server) = users_api::start_on_free_port(config).await.unwrap();
        test(addr).await;
        server.abort();
    });
}

/// One answer, as read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A raw client connection: bytes out as given, answers parsed as they come.
struct Conn {
    stream: TcpStream,
    /// Bytes read and not yet parsed.
    buffer: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Conn {
        Conn {
            stream: TcpStream::connect(addr).await.unwrap(),
            buffer: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// Reads more; false at the end of the stream (or a reset).
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match glassloop::timeout(PATIENCE, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => false,
            Ok(Ok(n)) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                true
            }
            Err(_) => panic!("no answer within {PATIENCE:?}"),
        }
    }

    /// The next answer; its body framed by `Content-Length` (every answer of this server has one).
    async fn answer(&mut self) -> Answer {
        self.read_answer(false).await
    }

    /// The next answer, to a `HEAD`: a `Content-Length`, and no body.
    async fn head_answer(&mut self) -> Answer {
        self.read_answer(true).await
    }

    async fn read_answer(&mut self, head_only: bool) -> Answer {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut parsed = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head_len) = parsed.parse(&self.buffer).unwrap() {
                let mut answer = Answer {
                    status: parsed.code.unwrap(),
                    reason: parsed.reason.unwrap().to_string(),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| {
                            let value = String::from_utf8(h.value.to_vec()).unwrap();
                            (h.name.to_string(), value)
                        })
                        .collect(),
                    body: Vec::new(),
                };
                let length: usize = match answer.status {
                    // No body, and no Content-Length to say so (RFC 9110 §8.6).
                    100..=199 | 204 | 304 => 0,
                    _ if head_only => 0,
                    _ => answer
                        .header("content-length")
                        .expect("every answer has a Content-Length")
                        .parse()
                        .unwrap(),
                };
                while self.buffer.len() < head_len + length {
                    assert!(self.fill().await, "the body was cut short: {answer:?}");
                }
                self.buffer.drain(..head_len);
                answer.body = self.buffer.drain(..length).collect();
                return answer;
            }
            assert!(
                self.fill().await,
                "the server closed without (another) answer; got {:?}",
                String::from_utf8_lossy(&self.buffer)
            );
        }
    }

    /// Asserts the server closes the connection with nothing more to say.
    async fn assert_closed(&mut self) {
        while self.fill().await {}
        assert!(
            self.buffer.is_empty(),
            "the server sent more before closing: {:?}",
            String::from_utf8_lossy(&self.buffer)
        );
    }

    /// Asserts the connection was kept: a next request on it is answered.
    async fn assert_kept(&mut self) {
        self.send(b"GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let answer = self.answer().await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.text(), USER_2);
    }
}

/// Sends `request` on a new connection, and expects one answer with `status`, then the close —
/// with anything sent after the request (a pipelined `GET`) left unanswered.
async fn refused(addr: SocketAddr, request: &[u8], status: u16) -> Answer {
    let mut conn = Conn::open(addr).await;
    conn.send(request).await;
    conn.send(b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let answer = conn.answer().await;
    assert_eq!(
        answer.status,
        status,
        "{:?} -> {answer:?}",
        String::from_utf8_lossy(request)
    );
    assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
    assert_eq!(answer.reason, server::reason(status));
    conn.assert_closed().await;
    answer
}

/// Sends `request` on a new connection, expects `status`, and that the connection is kept.
async fn served(addr: SocketAddr, request: &[u8], status: u16) -> Answer {
    let mut conn = Conn::open(addr).await;
    conn.send(request).await;
    let answer = conn.answer().await;
    assert_eq!(
        answer.status,
        status,
        "{:?} -> {answer:?}",
        String::from_utf8_lossy(request)
    );
    assert_eq!(answer.header("connection"), None, "{answer:?}");
    conn.assert_kept().await;
    answer
}

// ---------------------------------------------------------------------------------------------
// Connections: keep-alive, close, pipelining
// ---------------------------------------------------------------------------------------------

/// RFC 9112 §9.3 and appendix C.2.2: an HTTP/1.0 client asks to keep the connection with
/// `Connection: keep-alive`, and knows the answer ended (and it may send the next) only if the
/// answer says `Connection: keep-alive` back. (Before: no header, and the connection held open —
/// ApacheBench's `ab -k` waited for the 5 s idle close after every answer.)
#[test]
fn http_1_0_keep_alive_is_echoed_and_honoured() {
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        for _ in 0..3 {
            conn.send(b"GET /users/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                .await;
            let answer = conn.answer().await;
            assert_eq!(answer.status, 200);
            assert_eq!(answer.header("connection"), Some("keep-alive"));
            assert_eq!(answer.text(), USER_1);
        }
        // The same client, not asking: the 1.0 default, close (next test).
        conn.send(b"GET /users/1 HTTP/1.0\r\n\r\n").await;
        assert_eq!(conn.answer().await.header("connection"), Some("close"));
        conn.assert_closed().await;
    });
}

/// RFC 9112 §9.3: HTTP/1.0 closes after each answer unless asked otherwise; HTTP/1.1 keeps the
/// connection unless told otherwise. An HTTP/1.0 request needs no Host (§3.2 asks it of 1.1).
#[test]
fn http_1_0_closes_by_default_and_http_1_1_keeps() {
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(b"GET /users/1 HTTP/1.0\r\n\r\nGET /users/2 HTTP/1.0\r\n\r\n")
            .await;
        let answer = conn.answer().await;
        assert_eq!((answer.status, answer.text().as_str()), (200, USER_1));
        assert_eq!(answer.header("connection"), Some("close"));
        conn.assert_closed().await;

        served(addr, b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n", 200).await;
    });
}

/// RFC 9112 §9.6: `Connection: close` from the client — the answer says `close` too, the server
/// closes after it, and a request pipelined after it is not answered. Any case, in a list.
#[test]
fn connection_close_from_the_client_is_honoured() {
    with_server(config(), |addr| async move {
        for header in ["Connection: close", "connection: Keep-Alive, CLOSE"] {
            let request = format!("GET /users/1 HTTP/1.1\r\nHost: x\r\n{header}\r\n\r\n");
            let mut conn = Conn::open(addr).await;
            conn.send(request.as_bytes()).await;
            conn.send(b"GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n").await;
            let answer = conn.answer().await;
            assert_eq!((answer.status, answer.text().as_str()), (200, USER_1));
            assert_eq!(answer.header("connection"), Some("close"), "{header}");
            conn.assert_closed().await;
        }
    });
}

/// RFC 9112 §9.6: when the server ends a connection (here: it is shutting down while a request
/// is in flight), its last answer says `Connection: close`, and then it closes.
#[test]
fn connection_close_from_the_server_is_announced() {
    glassloop::run(async {
        let listener = glassloop::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let config = server::Config {
            db_delay: Duration::from_millis(300),
            ..server::Config::default()
        };
        let mut server = server::Server::new(listener, config);
        let client = glassloop::spawn(async move {
            let mut conn = Conn::open(addr).await;
            conn.send(b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n").await;
            let answer = conn.answer().await;
            conn.assert_closed().await;
            answer
        });
        server
            .serve_until(glassloop::sleep(Duration::from_millis(100)))
            .await;
        let closed = server.close().wait_closed(Duration::from_secs(5)).await;
        let answer = client.await.unwrap();
        assert_eq!((answer.status, answer.text().as_str()), (200, USER_1));
        assert_eq!(answer.header("connection"), Some("close"));
        assert_eq!(closed.cancelled_requests, 0);
    });
}

/// RFC 9112 §9.3.2: requests sent back to back on one connection (pipelining) are answered in
/// the order they came, whatever each costs.
#[test]
fn pipelined_requests_are_answered_in_order() {
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(
            b"GET /users/3 HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /users HTTP/1.1\r\nHost: x\r\n\r\n\
              HEAD /users/1 HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /users/42 HTTP/1.1\r\nHost: x\r\n\r\n\
              DELETE /users/1 HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        let first = conn.answer().await;
        assert!(first.text().starts_with(r#"{"id":3,"#));
        assert!(conn.answer().await.text().starts_with('['));
        assert_eq!(conn.head_answer().await.status, 200);
        assert_eq!(conn.answer().await.status, 404);
        // The DELETE is done before the GET after it is read: in order, or the GET would find 1.
        assert_eq!(conn.answer().await.status, 204);
        let after = conn.answer().await;
        assert_eq!(after.status, 404);
        assert_eq!(after.text(), r#"{"detail":"User not found"}"#);
        conn.assert_kept().await;
    });
}

/// RFC 9110 §9.3.2: the answer to `HEAD` is the answer to `GET` without the body — the same
/// status and `Content-Length` — so the next answer starts right after its head.
#[test]
fn head_answers_carry_the_length_and_no_body() {
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(
            b"HEAD /users/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        let head = conn.head_answer().await;
        let get = conn.answer().await;
        assert_eq!((head.status, get.status), (200, 200));
        assert_eq!(get.text(), USER_1);
        assert_eq!(
            head.header("content-length"),
            Some(USER_1.len().to_string().as_str())
        );
        assert_eq!(head.header("content-type"), get.header("content-type"));
    });
}

/// RFC 9112 §9.8: a connection idle between requests for the read timeout is closed quietly —
/// no 408, nobody asked anything.
#[test]
fn an_idle_connection_is_closed_without_an_answer() {
    let config = server::Config {
        read_timeout: Duration::from_millis(200),
        ..config()
    };
    with_server(config, |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(conn.answer().await.status, 200);
        let idle = Instant::now();
        conn.assert_closed().await;
        assert!(idle.elapsed() >= Duration::from_millis(150));
    });
}

// ---------------------------------------------------------------------------------------------
// Every answer
// ---------------------------------------------------------------------------------------------

/// RFC 9110 §6.6.1: an origin server with a clock sends `Date` on every answer (refusals too),
/// as an IMF-fixdate (§5.6.7), the time the answer was made.
#[test]
fn every_answer_has_a_date() {
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    with_server(config(), |addr| async move {
        let before = now();
        let ok = served(addr, b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n", 200).await;
        let refusal = refused(addr, b"GET /users/1 HTTP/1.1\r\n\r\n", 400).await;
        let after = now();
        for answer in [ok, refusal] {
            let date = answer.header("date").expect("a Date header");
            assert!(
                (before..=after).any(|second| http1::http_date(second) == date),
                "{date:?} is not a time between the request and the answer"
            );
        }
    });
}

/// docs/http.md quotes one exchange byte for byte (as lines, `>` sent and `<` received); the
/// server must answer it exactly so, but for the `Date`, which is masked on both sides.
#[test]
fn the_book_quotes_an_exchange() {
    let quoted = support::book_quote(
        "docs/http.md",
        "tests/http_conformance.rs the_book_quotes_an_exchange",
    );
    let as_sent = |prefix: &str| -> Vec<String> {
        quoted
            .iter()
            .filter_map(|line| line.strip_prefix(prefix))
            .map(|line| line.trim_start().to_string())
            .collect()
    };
    let request = as_sent(">").join("\r\n") + "\r\n";
    let mask = |line: &str| match line.strip_prefix("< Date: ") {
        Some(_) => "< Date: (masked)".to_string(),
        None => line.to_string(),
    };
    let expected: Vec<String> = quoted.iter().map(|line| mask(line)).collect();
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(request.as_bytes()).await;
        let answer = conn.answer().await;
        let mut lines: Vec<String> = request
            .split_terminator("\r\n")
            .map(|line| format!("> {line}").trim_end().to_string())
            .collect();
        lines.push(format!("< HTTP/1.1 {} {}", answer.status, answer.reason));
        lines.extend(
            answer
                .headers
                .iter()
                .map(|(name, value)| format!("< {name}: {value}")),
        );
        lines.push("<".to_string());
        lines.push(format!("< {}", answer.text()));
        let printed: Vec<String> = lines.iter().map(|line| mask(line)).collect();
        assert_eq!(
            expected, printed,
            "docs/http.md's exchange (left) is not what the server answers (right)"
        );
        conn.assert_kept().await;
    });
}

/// The IMF-fixdate of RFC 9110 §5.6.7, computed from the clock without a date library: the
/// RFC's own example, the epoch, a leap day, a day this file was written.
#[test]
fn http_dates_are_imf_fixdates() {
    assert_eq!(
        http1::http_date(784_111_777),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(http1::http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(
        http1::http_date(951_782_400),
        "Tue, 29 Feb 2000 00:00:00 GMT"
    );
    assert_eq!(
        http1::http_date(4_107_542_400),
        "Mon, 01 Mar 2100 00:00:00 GMT"
    );
    assert_eq!(
        http1::http_date(1_796_300_000),
        "Thu, 03 Dec 2026 12:13:20 GMT"
    );
}

// ---------------------------------------------------------------------------------------------
// The request line
// ---------------------------------------------------------------------------------------------

/// RFC 9112 §3.2.2: a server MUST accept the absolute form (`http://host/path`), which clients
/// send to proxies and may send to anyone; it is served as its path. (Before: 400.)
#[test]
fn the_absolute_form_is_served_as_its_path() {
    with_server(config(), |addr| async move {
        for target in [
            "http://127.0.0.1/users/1",
            "HTTP://example.com:8000/users/1",
            "https://example.com/users/1?page=2",
        ] {
            let request = format!("GET {target} HTTP/1.1\r\nHost: example.com\r\n\r\n");
            let answer = served(addr, request.as_bytes(), 200).await;
            assert_eq!(answer.text(), USER_1, "{target}");
        }
        let request = b"GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n";
        assert_eq!(served(addr, request, 404).await.status, 404); // "/" is not a route
        refused(
            addr,
            b"GET ftp://example.com/users/1 HTTP/1.1\r\nHost: x\r\n\r\n",
            400,
        )
        .await;
    });
}

/// RFC 9112 §3.2.4 and RFC 9110 §9.3.7: `OPTIONS *` asks about the server itself; it is answered
/// with the methods it allows. The asterisk with another method is a bad request. (Before: 400.)
#[test]
fn options_asterisk_is_answered_with_allow() {
    with_server(config(), |addr| async move {
        let answer = served(addr, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 200).await;
        assert_eq!(answer.header("allow"), Some("GET, HEAD, POST, DELETE"));
        assert_eq!(answer.header("content-length"), Some("0"));
        refused(addr, b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400).await;
    });
}

/// RFC 9112 §3 and RFC 9110 §15.5.15: a target longer than the server takes is `414 URI Too
/// Long` — whether it comes in one piece or dribbles in; `431` (RFC 6585 §5) is for header
/// fields. (Before: a long request line got 431.)
#[test]
fn a_long_target_is_414_and_long_header_fields_431() {
    with_server(config(), |addr| async move {
        let long_path = format!("/users/{}", "1".repeat(10_000));
        let whole = format!("GET {long_path} HTTP/1.1\r\nHost: x\r\n\r\n");
        refused(addr, whole.as_bytes(), 414).await;

        // The line still arriving when the limit is passed.
        let mut conn = Conn::open(addr).await;
        conn.send(format!("GET {long_path}").as_bytes()).await;
        assert_eq!(conn.answer().await.status, 414);
        conn.assert_closed().await;

        // Short of the head limit but past the target limit (4 KiB) is still the target's fault.
        let request = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(5_000));
        refused(addr, request.as_bytes(), 414).await;

        let padding = format!("X-Padding: {}\r\n", "a".repeat(10_000));
        let request = format!("GET /users/1 HTTP/1.1\r\nHost: x\r\n{padding}\r\n");
        refused(addr, request.as_bytes(), 431).await;
        let many: String = (0..40).map(|i| format!("X-{i}: y\r\n")).collect();
        let request = format!("GET /users/1 HTTP/1.1\r\nHost: x\r\n{many}\r\n");
        refused(addr, request.as_bytes(), 431).await;
    });
}

/// RFC 9110 §15.6.6 and RFC 9112 §2.3: a well-formed version other than 1.0 and 1.1 is `505 HTTP
/// Version Not Supported` (HTTP/2's preface included); a version that is not one is a 400.
#[test]
fn other_versions_are_505_and_junk_400() {
    with_server(config(), |addr| async move {
        refused(addr, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505).await;
        refused(addr, b"GET /users/1 HTTP/2.0\r\nHost: x\r\n\r\n", 505).await;
        refused(addr, b"GET /users/1 HTTP/3.0\r\nHost: x\r\n\r\n", 505).await;
        refused(addr, b"GET /users/1 HTTP/1\r\nHost: x\r\n\r\n", 400).await;
        refused(addr, b"GET /users/1 FTP/1.1\r\nHost: x\r\n\r\n", 400).await;
        refused(addr, b"this is not http\r\n\r\n", 400).await;
    });
}

/// RFC 9112 §3.2: an HTTP/1.1 request must carry exactly one `Host`; none, or two, is a 400.
#[test]
fn http_1_1_needs_exactly_one_host() {
    with_server(config(), |addr| async move {
        refused(addr, b"GET /users/1 HTTP/1.1\r\n\r\n", 400).await;
        refused(
            addr,
            b"GET /users/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            400,
        )
        .await;
        served(addr, b"GET /users/1 HTTP/1.1\r\nHost: \r\n\r\n", 200).await; // empty is allowed
    });
}

// ---------------------------------------------------------------------------------------------
// Header fields
// ---------------------------------------------------------------------------------------------

/// RFC 9112 §5.2: a field value folded onto the next line (obs-fold) is refused with a 400 by a
/// server that does not unfold it; §5.1: no space between a field name and its colon.
#[test]
fn obs_fold_and_a_space_before_the_colon_are_400() {
    with_server(config(), |addr| async move {
        let folded = b"GET /users/1 HTTP/1.1\r\nHost: x\r\nX-Long: one\r\n two\r\n\r\n";
        refused(addr, folded, 400).await;
        let folded_tab = b"GET /users/1 HTTP/1.1\r\nHost: x\r\nX-Long: one\r\n\ttwo\r\n\r\n";
        refused(addr, folded_tab, 400).await;
        refused(addr, b"GET /users/1 HTTP/1.1\r\nHost : x\r\n\r\n", 400).await;
    });
}

/// RFC 9112 §2.2: a recipient may take a bare LF as a line's end (h11 and hyper do; so does
/// this server), but a bare CR is invalid.
#[test]
fn a_bare_lf_ends_a_line_and_a_bare_cr_is_400() {
    with_server(config(), |addr| async move {
        let answer = served(addr, b"GET /users/1 HTTP/1.1\nHost: x\n\n", 200).await;
        assert_eq!(answer.text(), USER_1);
        refused(
            addr,
            b"GET /users/1 HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
            400,
        )
        .await;
    });
}

// ---------------------------------------------------------------------------------------------
// Bodies and how they are framed
// ---------------------------------------------------------------------------------------------

/// RFC 9110 §9.3.1: a body on a GET is allowed, if meaningless. It is read (within the size
/// limit) and set aside, and the request pipelined after it is answered. (Before: the server
/// answered and closed, losing the next request.)
#[test]
fn a_get_with_a_body_is_answered_and_the_connection_kept() {
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(
            b"GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world\
              GET /users/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
              5\r\nhello\r\n6;note=x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n\
              GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        assert_eq!(conn.answer().await.text(), USER_1);
        assert_eq!(conn.answer().await.text(), USER_1);
        assert_eq!(conn.answer().await.text(), USER_2);
        conn.assert_kept().await;
    });
}

/// RFC 9112 §7.1: a chunked body arriving a few bytes at a time — size lines, extensions, data
/// and trailers split anywhere — is read whole.
#[test]
fn a_chunked_body_in_pieces_is_read_whole() {
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        let request = b"POST /users/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
                        1a\r\nabcdefghijklmnopqrstuvwxyz\r\n3;ext=\"q\"\r\nabc\r\n0\r\n\r\n\
                        GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n";
        for piece in request.chunks(7) {
            conn.send(piece).await;
            glassloop::sleep(Duration::from_millis(2)).await;
        }
        assert_eq!(conn.answer().await.status, 405); // the body was read, the method refused
        assert_eq!(conn.answer().await.text(), USER_2);
    });
}

/// RFC 9112 §6.1 and §6.3: a request framed two ways (`Transfer-Encoding` and `Content-Length`),
/// or `Transfer-Encoding` in HTTP/1.0, or `chunked` not the last coding, is a 400 and the end of
/// the connection: a proxy in front might have read the body differently, and whatever this
/// server took for the next request could be an attacker's (request smuggling). The request
/// pipelined behind it is never answered.
#[test]
fn framing_conflicts_are_400_and_close() {
    with_server(config(), |addr| async move {
        let smuggled = b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
                         Content-Length: 4\r\n\r\n0\r\n\r\n";
        refused(addr, smuggled, 400).await;
        let other_order = b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\
                            Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        refused(addr, other_order, 400).await;
        let in_1_0 = b"POST /users HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        refused(addr, in_1_0, 400).await;
        let not_last =
            b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
        refused(addr, not_last, 400).await;
        let split = b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
                      Transfer-Encoding: gzip\r\n\r\n";
        refused(addr, split, 400).await;
        // A coding this server cannot undo, with chunked last: 501 Not Implemented (§6.1).
        let gzip = b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        refused(addr, gzip, 501).await;
        // A chunk that does not end where its size says, or a size that is not hex.
        let overrun = b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
                        3\r\nabcdef\r\n0\r\n\r\n";
        refused(addr, overrun, 400).await;
        let not_hex = b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
                        zz\r\nabc\r\n0\r\n\r\n";
        refused(addr, not_hex, 400).await;
    });
}

/// RFC 9112 §6.3 and RFC 9110 §8.6: `Content-Length` is digits; copies that disagree are a 400
/// (two servers could each believe a different one); copies that agree are one length. A list
/// (`5, 5`) is refused too, as h11 does.
#[test]
fn content_length_is_digits_and_its_copies_agree() {
    with_server(config(), |addr| async move {
        for bad in [
            "5, 6",
            "5, 5",
            "-5",
            "+5",
            "0x5",
            "5 5",
            "",
            "99999999999999999999999",
        ] {
            let request =
                format!("GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: {bad}\r\n\r\nhello");
            refused(addr, request.as_bytes(), 400).await;
        }
        let disagree = b"GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\
                         Content-Length: 6\r\n\r\nhello!";
        refused(addr, disagree, 400).await;
        let agree = b"GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\
                      Content-Length: 5\r\n\r\nhello";
        assert_eq!(served(addr, agree, 200).await.text(), USER_1);
    });
}

/// RFC 9110 §15.5.14: a body larger than the server takes is `413 Content Too Large` — at once
/// when `Content-Length` says so (the body is not waited for), or when a chunked body passes the
/// limit — and the connection ends.
#[test]
fn a_body_over_the_limit_is_413() {
    let config = server::Config {
        max_body_bytes: 1_000,
        ..config()
    };
    with_server(config, |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
            .await;
        assert_eq!(conn.answer().await.status, 413);
        conn.assert_closed().await;

        let mut chunked =
            b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..3 {
            chunked.extend_from_slice(b"190\r\n"); // 400 bytes a chunk
            chunked.extend_from_slice(&[b'a'; 400]);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        refused(addr, &chunked, 413).await;

        // At the limit is fine.
        let mut at_limit =
            b"GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".to_vec();
        at_limit.extend_from_slice(&[b'a'; 1000]);
        served(addr, &at_limit, 200).await;
    });
}

/// RFC 9110 §15.5.9: a client that starts a request and stops — in the head, or in the body — is
/// answered `408 Request Timeout` after the read timeout, and the connection ends.
#[test]
fn a_request_that_stops_arriving_is_408() {
    let config = server::Config {
        read_timeout: Duration::from_millis(300),
        ..config()
    };
    with_server(config, |addr| async move {
        for partial in [
            &b"GET /users/1 HTTP/1.1\r\nHost:"[..],
            b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
            b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        ] {
            let started = Instant::now();
            let mut conn = Conn::open(addr).await;
            conn.send(partial).await;
            let answer = conn.answer().await;
            assert_eq!(answer.status, 408, "{:?}", String::from_utf8_lossy(partial));
            assert_eq!(answer.header("connection"), Some("close"));
            assert!(started.elapsed() >= Duration::from_millis(250));
            conn.assert_closed().await;
        }
    });
}

/// RFC 9110 §10.1.1: a client that sends `Expect: 100-continue` waits for `100 Continue` before
/// it sends the body; the server says it, reads the body, answers, and serves the request
/// pipelined after. (Before: no 100 — curl waits a second for it — and the next request was
/// lost.) Without a body there is nothing to continue; from HTTP/1.0 it cannot have been meant;
/// a body already on its way needs no invitation; any other expectation is `417`.
#[test]
fn expect_100_continue_is_answered_before_the_body() {
    with_server(config(), |addr| async move {
        let mut conn = Conn::open(addr).await;
        conn.send(b"GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            .await;
        let interim = conn.answer().await;
        assert_eq!((interim.status, interim.reason.as_str()), (100, "Continue"));
        conn.send(b"hello").await;
        conn.send(b"GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(conn.answer().await.text(), USER_1);
        assert_eq!(conn.answer().await.text(), USER_2);

        // Body sent along with the head: no 100, straight to the answer.
        conn.send(b"GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello")
            .await;
        assert_eq!(conn.answer().await.status, 200);
        // No body: no 100.
        conn.send(b"GET /users/1 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n")
            .await;
        assert_eq!(conn.answer().await.status, 200);
        conn.assert_kept().await;

        // A body too large is refused instead of invited.
        let mut conn = Conn::open(addr).await;
        conn.send(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n")
            .await;
        assert_eq!(conn.answer().await.status, 413);
        conn.assert_closed().await;

        refused(
            addr,
            b"GET /users/1 HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n",
            417,
        )
        .await;
    });
}

// ---------------------------------------------------------------------------------------------
// Real clients
// ---------------------------------------------------------------------------------------------

/// hyper's client on one connection: keep-alive across requests with and without bodies
/// (`Content-Length`, and a streamed body hyper sends chunked), and the `Date` it sees.
#[test]
fn hypers_client_keeps_one_connection_for_everything() {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};

    type Body = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

    with_server(config(), |addr| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake::<_, Body>(adapter::FuturesIo::new(stream))
                .await
                .unwrap();
        let connection = glassloop::spawn(connection);

        let chunked = || Dribble(vec![Bytes::from("he"), Bytes::from("llo")]).boxed();
        let requests: Vec<(&str, &str, Body, u16)> = vec![
            ("GET", "/users/1", Full::new(Bytes::new()).boxed(), 200),
            (
                "GET",
                "/users/1",
                Full::new(Bytes::from("a body")).boxed(),
                200,
            ),
            // "hello" is not JSON: FastAPI's 422, after the whole chunked body was read.
            ("POST", "/users", chunked(), 422),
            ("HEAD", "/users/2", Full::new(Bytes::new()).boxed(), 200),
            ("GET", "/users/2", Full::new(Bytes::new()).boxed(), 200),
        ];
        for (method, path, body, status) in requests {
            sender.ready().await.unwrap();
            let request = hyper::Request::builder()
                .method(method)
                .uri(path)
                .header("host", "127.0.0.1")
                .body(body)
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{method} {path}");
            assert!(response.headers().contains_key("date"));
            let body = response.into_body().collect().await.unwrap().to_bytes();
            if method == "HEAD" {
                assert!(body.is_empty());
            }
        }
        // Every request went over the one connection: it is still open.
        assert!(!connection.is_finished());
        drop(sender);
        connection.await.unwrap().unwrap();
    });
}

/// A body of unknown length — hyper sends it chunked.
struct Dribble(Vec<bytes::Bytes>);

impl hyper::body::Body for Dribble {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>> {
        let pieces = &mut self.get_mut().0;
        std::task::Poll::Ready(match pieces.is_empty() {
            true => None,
            false => Some(Ok(hyper::body::Frame::data(pieces.remove(0)))),
        })
    }
}

/// Whether curl is here. `.ci/run` installs it and sets `GLASSLOOP_REQUIRE_CURL`, so there a
/// missing curl fails; elsewhere the curl tests say they were skipped.
fn curl_available() -> bool {
    let found = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os("GLASSLOOP_REQUIRE_CURL").is_none(),
            "curl is required here: install it (`apt-get install curl`) or unset GLASSLOOP_REQUIRE_CURL"
        );
        eprintln!("curl is not installed: the curl test is skipped (.ci/run installs curl)");
    }
    found
}

/// Runs curl with `args` on a thread (it blocks) and returns its stdout, stderr and how long it
/// took.
async fn curl(args: Vec<String>, stdin: Vec<u8>) -> (String, String, Duration) {
    glassloop::to_thread(move || {
        let started = Instant::now();
        let mut child = Command::new("curl")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&stdin).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "curl {args:?} failed: {output:?}");
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
            started.elapsed(),
        )
    })
    .await
    .unwrap()
}

/// curl with `Expect: 100-continue` (it sends one on its own for large bodies): it waits for the
/// `100 Continue` (up to `--expect100-timeout`, here 20 s) before it sends the body, so a server
/// that never says it would cost 20 s; this one says it at once. Then a chunked upload on the
/// same connection (`--next`; `num_connects` 0 means the connection was reused).
#[test]
fn curl_uploads_with_100_continue_and_chunked() {
    if !curl_available() {
        return;
    }
    with_server(config(), |addr| async move {
        let body = vec![b'x'; 64 * 1024];
        let (out, err, took) = curl(
            [
                "-sS",
                "-v",
                "--expect100-timeout",
                "20",
                "-X",
                "GET",
                "-H",
                "Expect: 100-continue",
                "--data-binary",
                "@-",
                "-w",
                "\n%{http_code} %{num_connects}\n",
            ]
            .map(String::from)
            .into_iter()
            .chain([format!("http://{addr}/users/1")])
            .chain(
                [
                    "--next",
                    "-sS",
                    "-X",
                    "GET",
                    "-H",
                    "Transfer-Encoding: chunked",
                    "--data-binary",
                    "some chunked bytes",
                    "-w",
                    "\n%{http_code} %{num_connects}\n",
                ]
                .map(String::from),
            )
            .chain([format!("http://{addr}/users/2")])
            .collect(),
            body,
        )
        .await;
        assert!(err.contains("< HTTP/1.1 100 Continue"), "{err}");
        assert!(took < Duration::from_secs(10), "curl took {took:?}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines, [USER_1, "200 1", USER_2, "200 0"], "{out}\n{err}");
    });
}

/// curl speaking HTTP/1.0 (`-0`) with `Connection: keep-alive`, as ApacheBench's `ab -k` does:
/// three requests on one connection, at once — not one idle timeout (5 s) per request.
#[test]
fn curl_http_1_0_keep_alive_reuses_the_connection() {
    if !curl_available() {
        return;
    }
    with_server(config(), |addr| async move {
        let url = format!("http://{addr}/users/1");
        let mut args = Vec::new();
        for i in 0..3 {
            if i > 0 {
                args.push("--next".to_string());
            }
            args.extend(
                [
                    "-sS",
                    "-0",
                    "-H",
                    "Connection: keep-alive",
                    "-o",
                    "/dev/null",
                    "-w",
                ]
                .map(String::from),
            );
            args.push("%{http_code} %{num_connects}\n".to_string());
            args.push(url.clone());
        }
        let (out, err, took) = curl(args, Vec::new()).await;
        assert_eq!(
            out.lines().collect::<Vec<_>>(),
            ["200 1", "200 0", "200 0"],
            "{err}"
        );
        assert!(took < Duration::from_secs(4), "curl took {took:?}");
    });
}
