//! Fuzz-style tests of the two servers a learner runs: thousands of random, truncated and mangled
//! inputs thrown at `users_api` and at the WebSocket echo server, over real sockets. Every case
//! must end in an answer or a close — never a panic, never a hang — and good clients must be
//! served all the while and afterwards. The asyncio idea: a `start_server` handler is exposed to
//! anything the network sends, and one bad client must cost nobody else anything.
//!
//! This is not a coverage-guided fuzzer (cargo-fuzz needs nightly and would only see the parser);
//! it is the cheap, always-on kind: a small seeded generator derives bad inputs from good ones —
//! cut short, bytes flipped, garbage inserted, headers doubled, lines too long, junk, frames that
//! break the WebSocket rules — and each case says what answer it expects, as exactly as it can.
//! A failure names the seed and the case, and shows the bytes sent. To look further, or to
//! replay one case alone:
//!
//! ```sh
//! GLASSLOOP_FUZZ_SEED=7 GLASSLOOP_FUZZ_CASES=100000 cargo test --release --test fuzz_servers
//! GLASSLOOP_FUZZ_ONLY=893 cargo test --test fuzz_servers websocket
//! ```
//!
//! The cases run `WINDOW` at a time on the loop that also runs the servers, so the whole file takes
//! a couple of seconds in a debug build. What it found the first time it ran: the WebSocket echo
//! server waited for ever for a client that sent half a handshake and then nothing (it now has an
//! open timeout, as Python's `websockets` does).

#![allow(clippy::duplicate_mod)] // interop.rs includes the same example modules

#[allow(dead_code)]
#[path = "../examples/users_api/demo.rs"]
mod users_api;

#[allow(dead_code)]
#[path = "../examples/websocket_echo/demo.rs"]
mod websocket_echo;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use glassloop::net::{TcpListener, TcpStream};
use users_api::{client, server};

/// How many cases run at once (each holds two sockets: ours and the server's).
const WINDOW: usize = 64;
/// A case that has neither been answered nor closed by then has hung.
const CASE_DEADLINE: Duration = Duration::from_secs(10);
/// The servers' patience with a stalled client: short, since some cases stall on purpose, but
/// far above the few milliseconds a case that dribbles its bytes takes between writes.
const READ_TIMEOUT: Duration = Duration::from_millis(500);

// ---------------------------------------------------------------------------------------------
// Randomness: seeded and reproducible
// ---------------------------------------------------------------------------------------------

/// xorshift64* (Vigna, 2016): a few lines, fast, and plenty random for choosing mutations. Each
/// case gets its own generator, derived from the run's seed and the case number, so a case can
/// be replayed alone whatever order the concurrent cases happened to run in.
struct Rng(u64);

impl Rng {
    fn for_case(seed: u64, case: usize) -> Rng {
        // splitmix64 spreads nearby (seed, case) pairs far apart; xorshift's state must not be 0.
        let mut z = seed ^ (case as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One of several byte strings of different lengths.
    fn pick_bytes(&mut self, items: &[&'static [u8]]) -> &'static [u8] {
        items[self.below(items.len())]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// `low..=high` random bytes.
    fn junk(&mut self, low: usize, high: usize) -> Vec<u8> {
        let len = self.between(low, high);
        self.bytes(len)
    }
}

/// The run's seed and size: fixed unless the environment says otherwise.
fn seed_and_cases(default_cases: usize) -> (u64, usize) {
    let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = number("GLASSLOOP_FUZZ_SEED").unwrap_or(0x61A5_5100);
    let cases = number("GLASSLOOP_FUZZ_CASES").map_or(default_cases, |n| n as usize);
    (seed, cases)
}

// ---------------------------------------------------------------------------------------------
// Running cases, watching for panics and for leftovers
// ---------------------------------------------------------------------------------------------

/// Every panic in this test binary, wherever it happened. A server's connection task that
/// panics is caught by the loop and only closes its socket, which from outside looks like any
/// other close — so the panic hook is where a crash shows.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn watch_for_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(info.to_string());
            default_hook(info);
        }));
    });
}

fn assert_no_panics() {
    let panics = PANICS.lock().unwrap_or_else(|p| p.into_inner());
    assert!(panics.is_empty(), "panics during the fuzzing:\n{panics:#?}");
}

/// Runs cases `0..cases`, [`WINDOW`] at a time: that many workers each take the next case number
/// until none is left, so a case that waits for a timeout holds up only its own worker.
/// `make_case(n)` returns a description of case `n` (what it sends) and the future that runs it.
/// Returns the failures, each naming its case.
async fn run_cases<F, Fut>(cases: usize, make_case: F) -> Vec<String>
where
    F: Fn(usize) -> (String, Fut),
    Fut: Future<Output = Result<(), String>>,
{
    // GLASSLOOP_FUZZ_ONLY=N replays case N alone (with the same seed).
    let only = std::env::var("GLASSLOOP_FUZZ_ONLY")
        .ok()
        .and_then(|n| n.parse::<usize>().ok());
    let (first, cases) = match only {
        Some(case) => (case, case + 1),
        None => (0, cases),
    };
    let next_case = Cell::new(first);
    let failures = RefCell::new(Vec::new());
    let worker = || async {
        loop {
            let case = next_case.get();
            if case >= cases {
                return;
            }
            next_case.set(case + 1);
            let (description, run) = make_case(case);
            let failure = match glassloop::timeout(CASE_DEADLINE, run).await {
                Ok(Ok(())) => continue,
                Ok(Err(why)) => why,
                Err(_) => format!("neither answered nor closed within {CASE_DEADLINE:?}: a hang"),
            };
            failures
                .borrow_mut()
                .push(format!("case {case}: {failure}\n  {description}"));
        }
    };
    glassloop::gather((0..WINDOW).map(|_| worker())).await;
    failures.into_inner()
}

/// Waits until the loop is back to `baseline` tasks — every connection task the cases caused has
/// ended — and fails, listing what the leftovers wait on, if that takes longer than `bound`.
async fn assert_connections_drain(baseline: usize, bound: Duration) {
    let start = Instant::now();
    while glassloop::all_tasks().len() > baseline {
        if start.elapsed() > bound {
            panic!(
                "connection tasks still alive {bound:?} after the last case: {:#?}",
                glassloop::all_tasks()
            );
        }
        glassloop::sleep(Duration::from_millis(20)).await;
    }
}

/// Everything the peer sends until it closes, and whether it ended with a reset rather than a
/// close. (A reset is how a server's close looks when bytes we sent were still unread — allowed,
/// but what arrived before it may be cut short.)
async fn read_until_closed(stream: &mut TcpStream) -> Result<(Vec<u8>, bool), String> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => return Ok((received, false)),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => {
                return Ok((received, true))
            }
            Err(error) => return Err(format!("reading failed: {error}")),
        }
    }
}

/// Writes the pieces (pausing a millisecond between them, so they arrive in separate reads), then
/// half-closes if asked. Returns whether a write failed: the server may close before it has read
/// everything (a 431 does, a WebSocket protocol error does), and then the kernel resets the
/// connection — which also throws away whatever it had received for us and not yet read, so what
/// is read afterwards may be cut short, and the error that says so was taken by the write.
async fn send_pieces(stream: &mut TcpStream, pieces: &[Vec<u8>], half_close: bool) -> bool {
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            glassloop::sleep(Duration::from_millis(1)).await;
        }
        if stream.write_all(piece).await.is_err() {
            return true;
        }
    }
    half_close && stream.shutdown(Shutdown::Write).is_err()
}

/// Splits `bytes` into `1..=max_pieces` pieces at random points.
fn split_randomly(rng: &mut Rng, bytes: Vec<u8>, max_pieces: usize) -> Vec<Vec<u8>> {
    let pieces = rng.between(1, max_pieces);
    if pieces == 1 || bytes.len() < 2 {
        return vec![bytes];
    }
    let mut cuts: Vec<usize> = (1..pieces)
        .map(|_| rng.between(1, bytes.len() - 1))
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        out.push(bytes[start..cut].to_vec());
        start = cut;
    }
    out
}

/// The bytes, printable: what a failure message shows of a case.
fn escaped(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(400)
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    if bytes.len() > 400 {
        format!("{shown}… ({} bytes)", bytes.len())
    } else {
        shown
    }
}

// ---------------------------------------------------------------------------------------------
// users_api: the cases
// ---------------------------------------------------------------------------------------------

/// A valid request, the status users_api answers it with, and whether it closes the connection
/// after the answer.
struct Template {
    request: &'static [u8],
    status: u16,
    closes: bool,
}

const TEMPLATES: &[Template] = &[
    Template {
        request: b"GET /users HTTP/1.1\r\nHost: x\r\n\r\n",
        status: 200,
        closes: false,
    },
    Template {
        request: b"GET /users/3?page=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: fuzz/1.0\r\n\
                   Accept: */*\r\n\r\n",
        status: 200,
        closes: false,
    },
    Template {
        request: b"HEAD /users/1 HTTP/1.1\r\nHost: x\r\n\r\n",
        status: 200,
        closes: false,
    },
    Template {
        request: b"GET /users/42 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\n\r\n",
        status: 404,
        closes: false,
    },
    Template {
        request: b"GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        status: 404,
        closes: false,
    },
    Template {
        // An id no user has, so that no case deletes one the good client asks for.
        request: b"DELETE /users/9999 HTTP/1.1\r\nHost: x\r\n\r\n",
        status: 404,
        closes: false,
    },
    Template {
        request: b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                   Content-Length: 7\r\n\r\n{\"a\":1}",
        status: 422,
        closes: false,
    },
    Template {
        request: b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
                   3\r\n{\"a\r\n4;ext=1\r\n\":1}\r\n0\r\nX-Trailer: t\r\n\r\n",
        status: 422,
        closes: false,
    },
    Template {
        request: b"GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        status: 200,
        closes: false,
    },
    Template {
        request: b"GET http://example.com/users/2?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        status: 200,
        closes: false,
    },
    Template {
        request: b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        status: 200,
        closes: false,
    },
    Template {
        request: b"GET /users/4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        status: 200,
        closes: false,
    },
    Template {
        request: b"GET /users/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        status: 200,
        closes: true,
    },
    Template {
        request: b"GET /users/2 HTTP/1.0\r\n\r\n",
        status: 200,
        closes: true,
    },
];

/// The HTTP/1.1 templates that keep the connection open and have no body: the ones a header can
/// be added to without changing anything else.
fn plain_template(rng: &mut Rng) -> &'static Template {
    loop {
        let template = rng.pick(TEMPLATES);
        let has_body = template.request.len() > head_len(template.request);
        if !template.closes && !has_body && template.request.windows(8).any(|w| w == b"HTTP/1.1") {
            return template;
        }
    }
}

/// What a case must get back.
#[derive(Debug)]
enum Expect {
    /// Exactly these answers, in order, then a close.
    Statuses(Vec<u16>),
    /// Answers that begin with these (the rest of the input was mangled: anything valid after).
    StartsWith(Vec<u16>),
    /// Any valid answers, or none, then a close.
    Anything,
}

struct HttpCase {
    kind: &'static str,
    pieces: Vec<Vec<u8>>,
    half_close: bool,
    expect: Expect,
}

/// `request` with `line` (ending in CRLF) inserted after the request line.
fn with_header(request: &[u8], line: &[u8]) -> Vec<u8> {
    let end_of_request_line = request.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let mut out = request[..end_of_request_line].to_vec();
    out.extend_from_slice(line);
    out.extend_from_slice(&request[end_of_request_line..]);
    out
}

fn head_len(request: &[u8]) -> usize {
    request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4
}

fn http_case(rng: &mut Rng) -> HttpCase {
    // Most cases half-close after sending (the server sees the end at once); a few keep the
    // connection open and so wait for the server's read timeout — cheap in numbers, since each
    // costs a READ_TIMEOUT of waiting.
    let half_close = !rng.one_in(16);
    let (kind, bytes, expect) = match rng.below(20) {
        0..=2 => {
            // Valid requests, pipelined: answered in order up to the first that closes.
            let mut bytes = Vec::new();
            let mut statuses = Vec::new();
            let mut closed = false;
            for _ in 0..rng.between(1, 3) {
                let template = rng.pick(TEMPLATES);
                bytes.extend_from_slice(template.request);
                if !closed {
                    statuses.push(template.status);
                    closed = template.closes;
                }
            }
            ("valid", bytes, Expect::Statuses(statuses))
        }
        3 => {
            // Cut inside the head: with the end of input, no answer; left open, a 408.
            let template = rng.pick(TEMPLATES);
            let cut = rng.below(head_len(template.request));
            let expect = if half_close || cut == 0 {
                Expect::Statuses(vec![])
            } else {
                Expect::Statuses(vec![408])
            };
            ("truncated", template.request[..cut].to_vec(), expect)
        }
        4..=5 => {
            let mut bytes = rng.pick(TEMPLATES).request.to_vec();
            for _ in 0..rng.between(1, 4) {
                let at = rng.below(bytes.len());
                bytes[at] ^= rng.between(1, 255) as u8;
            }
            ("bytes flipped", bytes, Expect::Anything)
        }
        6..=7 => {
            let mut bytes = rng.pick(TEMPLATES).request.to_vec();
            let at = rng.below(bytes.len() + 1);
            let garbage = rng.junk(1, 32);
            bytes.splice(at..at, garbage);
            ("garbage inserted", bytes, Expect::Anything)
        }
        8 => {
            let template = plain_template(rng);
            let bytes = with_header(template.request, b"Host: another.example\r\n");
            ("Host twice", bytes, Expect::Statuses(vec![400]))
        }
        9 => {
            let template = plain_template(rng);
            let line = rng.pick_bytes(&[
                b"Content-Length: 1\r\nContent-Length: 2\r\n",
                b"Content-Length: -1\r\n",
                b"Content-Length: 1e3\r\n",
                b"Content-Length: 0x10\r\n",
                b"Content-Length: 7 7\r\n",
                b"Content-Length: \r\n",
                b"Content-Length: 99999999999999999999999\r\n",
                // Two framings for one body, or one this server could read differently from a
                // proxy in front of it: request smuggling's openings (RFC 9112 §6.1, §6.3).
                b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
                b"Transfer-Encoding: chunked, identity\r\n",
                b"Content-Length: 3, 3\r\n",
            ]);
            let bytes = with_header(template.request, line);
            ("bad framing", bytes, Expect::Statuses(vec![400]))
        }
        10 => {
            let template = plain_template(rng);
            let mut line = b"X-Padding: ".to_vec();
            line.extend(std::iter::repeat_n(b'a', rng.between(9_000, 40_000)));
            line.extend_from_slice(b"\r\n");
            let bytes = with_header(template.request, &line);
            ("huge header", bytes, Expect::Statuses(vec![431]))
        }
        11 => {
            let mut bytes = b"GET /users/".to_vec();
            bytes.extend(std::iter::repeat_n(b'1', rng.between(9_000, 30_000)));
            bytes.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
            ("huge request line", bytes, Expect::Statuses(vec![414]))
        }
        12 => {
            let template = plain_template(rng);
            let mut lines = Vec::new();
            for i in 0..rng.between(33, 90) {
                lines.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
            }
            let bytes = with_header(template.request, &lines);
            ("too many headers", bytes, Expect::Statuses(vec![431]))
        }
        13..=14 => {
            let bytes = rng.junk(1, 4096);
            ("binary junk", bytes, Expect::Anything)
        }
        15 => {
            // A valid request, then junk: the first answer is certain, the rest is not.
            let template = rng.pick(TEMPLATES);
            let mut bytes = template.request.to_vec();
            bytes.extend(rng.junk(1, 512));
            let expect = if template.closes {
                Expect::Statuses(vec![template.status])
            } else {
                Expect::StartsWith(vec![template.status])
            };
            ("junk after a valid request", bytes, expect)
        }
        16 => {
            let (request, status) = *rng.pick(&[
                (&b"GET /users HTTP/1.1\r\n\r\n"[..], 400),
                (b"GET /users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
                (b"GET /users HTTP/1.1\r\nHost: x\r\n: no name\r\n\r\n", 400),
                (
                    b"GET /users HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",
                    400,
                ),
                (b"GET /users HTTP/1.1\r\nHost : x\r\n\r\n", 400),
                (b"GET  /users HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                (b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                (b"GET ftp://x/users HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
                (b"GET /users HTTP/9.9\r\nHost: x\r\n\r\n", 505),
                (
                    b"GET /users HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n",
                    417,
                ),
                (
                    b"GET /users HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    400,
                ),
                (
                    b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                    501,
                ),
                (
                    b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
                    413,
                ),
            ]);
            (
                "known bad",
                request.to_vec(),
                Expect::Statuses(vec![status]),
            )
        }
        17 => {
            // Control characters and bytes above 0x7f in a header value.
            let template = plain_template(rng);
            let mut line = b"X-Odd: a".to_vec();
            line.push(*rng.pick(&[0u8, 1, 0x7f, 0x1b, 0x80, 0xff, b'\r', b'\t']));
            line.extend_from_slice(b"b\r\n");
            (
                "odd byte in a header",
                with_header(template.request, &line),
                Expect::Anything,
            )
        }
        18 => {
            // Bare LF line endings, or a mix.
            let template = rng.pick(TEMPLATES);
            let mut bytes = Vec::new();
            for &b in template.request {
                if b != b'\r' || rng.one_in(3) {
                    bytes.push(b);
                }
            }
            ("bare LF", bytes, Expect::Anything)
        }
        _ => {
            // A body of random bytes, announced by its length or sent chunked: read and put
            // aside, the answer as without it, and the connection kept for the next request.
            let template = plain_template(rng);
            let body = rng.junk(0, 3000);
            let mut bytes;
            if rng.one_in(2) {
                let line = format!("Content-Length: {}\r\n", body.len());
                bytes = with_header(template.request, line.as_bytes());
                bytes.extend_from_slice(&body);
            } else {
                bytes = with_header(template.request, b"Transfer-Encoding: chunked\r\n");
                for chunk in body.chunks(rng.between(1, 1000)) {
                    bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    bytes.extend_from_slice(chunk);
                    bytes.extend_from_slice(b"\r\n");
                }
                bytes.extend_from_slice(b"0\r\n\r\n");
            }
            let next = rng.pick(TEMPLATES);
            bytes.extend_from_slice(next.request);
            (
                "a body, then the next request",
                bytes,
                Expect::Statuses(vec![template.status, next.status]),
            )
        }
    };
    // Everything may arrive in pieces: the parser must not care where the reads split it.
    let pieces = if rng.one_in(4) {
        split_randomly(rng, bytes, 6)
    } else {
        vec![bytes]
    };
    HttpCase {
        kind,
        pieces,
        half_close,
        expect,
    }
}

/// The statuses of the answers in `received`, checking that each is well-formed: a status line
/// with a status users_api sends and its reason, a `Content-Length`, and that many bytes of JSON
/// body (or none, for an answer to HEAD). A cut-short tail is allowed only after a reset.
fn parse_answers(mut received: &[u8], reset: bool) -> Result<Vec<u16>, String> {
    let mut statuses = Vec::new();
    while !received.is_empty() {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut response = httparse::Response::new(&mut headers);
        let head_len = match response.parse(received) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) if reset => break,
            Ok(httparse::Status::Partial) => return Err("an answer cut short".into()),
            Err(error) => return Err(format!("not an HTTP answer ({error})")),
        };
        let status = response.code.unwrap_or(0);
        if ![
            200, 201, 204, 400, 404, 405, 408, 413, 414, 417, 422, 431, 501, 505,
        ]
        .contains(&status)
        {
            return Err(format!("unexpected status {status}"));
        }
        if response.reason != Some(server::reason(status)) {
            return Err(format!("status {status} with reason {:?}", response.reason));
        }
        if status == 204 {
            // No content, and so no Content-Length (RFC 9110 §8.6): the next answer follows.
            if response
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("content-length"))
            {
                return Err("a 204 with a Content-Length".into());
            }
            received = &received[head_len..];
            statuses.push(status);
            continue;
        }
        let content_length: usize = response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| std::str::from_utf8(h.value).ok()?.parse().ok())
            .ok_or("an answer without a Content-Length")?;
        let rest = &received[head_len..];
        received = if rest.is_empty() || rest.starts_with(b"HTTP/") {
            rest // the answer to a HEAD: the length of the body it would have had, and no body
        } else if rest.len() >= content_length {
            let body = &rest[..content_length];
            if !(body.starts_with(b"{") && body.ends_with(b"}")
                || body.starts_with(b"[") && body.ends_with(b"]"))
            {
                return Err(format!("a body that is not JSON: {}", escaped(body)));
            }
            &rest[content_length..]
        } else if reset {
            &[]
        } else {
            return Err("a body cut short".into());
        };
        statuses.push(status);
    }
    Ok(statuses)
}

async fn run_http_case(addr: SocketAddr, case: &HttpCase) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let cut_off = send_pieces(&mut stream, &case.pieces, case.half_close).await;
    let (received, reset) = read_until_closed(&mut stream).await?;
    let reset = reset || cut_off;
    let statuses = parse_answers(&received, reset)?;
    let as_expected = match &case.expect {
        // A reset may have swallowed answers, never invented or reordered them.
        Expect::Statuses(expected) if reset => expected.starts_with(&statuses),
        Expect::Statuses(expected) => statuses == *expected,
        Expect::StartsWith(expected) if reset => {
            expected.starts_with(&statuses) || statuses.starts_with(expected)
        }
        Expect::StartsWith(expected) => statuses.starts_with(expected),
        Expect::Anything => true,
    };
    if as_expected {
        Ok(())
    } else {
        Err(format!(
            "expected {:?}, got {statuses:?}{}",
            case.expect,
            if reset { " then a reset" } else { "" }
        ))
    }
}

/// A well-behaved client calling again and again until `done`; returns how many calls it made
/// and the slowest.
async fn keep_calling_users_api(addr: SocketAddr, done: &Cell<bool>) -> (usize, Duration) {
    let mut calls = 0;
    let mut slowest = Duration::ZERO;
    while !done.get() || calls == 0 {
        let id = calls % 5 + 1;
        let start = Instant::now();
        let response = client::get(&format!("http://{addr}/users/{id}"))
            .await
            .unwrap_or_else(|e| panic!("a good client failed during the fuzzing: {e}"));
        slowest = slowest.max(start.elapsed());
        assert_eq!(response.status, 200);
        assert!(response.text().starts_with(&format!("{{\"id\":{id},")));
        calls += 1;
    }
    (calls, slowest)
}

#[test]
fn users_api_answers_or_closes_on_any_input_and_keeps_serving() {
    watch_for_panics();
    let (seed, cases) = seed_and_cases(3000);
    let rt = glassloop::Runtime::new().unwrap();
    rt.block_on(async {
        let config = server::Config {
            db_delay: Duration::ZERO,
            read_timeout: READ_TIMEOUT,
            ..server::Config::default()
        };
        let (addr, server_task) = users_api::start_on_free_port(config).await.unwrap();
        let baseline_tasks = glassloop::all_tasks().len();
        let done = Cell::new(false);
        let fuzzing = async {
            let failures = run_cases(cases, |case| {
                let mut rng = Rng::for_case(seed, case);
                let http = http_case(&mut rng);
                let description = format!(
                    "{}: sent{} {}, then {}",
                    http.kind,
                    if http.pieces.len() > 1 {
                        " in pieces"
                    } else {
                        ""
                    },
                    escaped(&http.pieces.concat()),
                    if http.half_close {
                        "half-closed"
                    } else {
                        "waited"
                    },
                );
                (description, async move { run_http_case(addr, &http).await })
            })
            .await;
            done.set(true);
            failures
        };
        let (failures, (good_calls, slowest)) =
            glassloop::gather!(fuzzing, keep_calling_users_api(addr, &done)).await;
        assert!(
            failures.is_empty(),
            "seed {seed:#x}: {} of {cases} cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(good_calls > 0);
        assert!(
            slowest < Duration::from_secs(5),
            "a good client waited {slowest:?} during the fuzzing"
        );

        // Afterwards: nothing left behind (the longest a closing connection lingers is a
        // second), and a good client is served as before.
        assert_connections_drain(baseline_tasks, Duration::from_secs(5)).await;
        let response = client::get(&format!("http://{addr}/users")).await.unwrap();
        assert_eq!(response.status, 200);
        server_task.abort();
    });
    rt.block_on(glassloop::yield_now());
    assert_eq!(rt.stats().registered_sources, 0, "a socket was left open");
    assert_no_panics();
}

// ---------------------------------------------------------------------------------------------
// websocket_echo: the cases
// ---------------------------------------------------------------------------------------------

const HANDSHAKE: &[u8] = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
                           Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                           Sec-WebSocket-Version: 13\r\n\r\n";

/// WebSocket opcodes (RFC 6455, section 5.2).
const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// One frame on the wire: `FIN RSV1-3 opcode`, `MASK length`, the extended length, the masking
/// key, and the payload (masked with it when there is one — a client must mask, a server must not).
fn frame(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | (rsv << 4) | opcode];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        len @ 0..=125 => out.push(mask_bit | len as u8),
        len @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// A valid frame from a client: final, masked with a random key.
fn client_frame(rng: &mut Rng, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let key = rng.next().to_le_bytes();
    frame(
        true,
        0,
        opcode,
        Some([key[0], key[1], key[2], key[3]]),
        payload,
    )
}

fn random_text(rng: &mut Rng, max_len: usize) -> Vec<u8> {
    let words = ["echo", "glass", "loop", " ", "ü", "✓", "\n", "{}", "😀"];
    let mut text = String::new();
    for _ in 0..rng.between(0, max_len) {
        text.push_str(rng.pick::<&str>(&words));
    }
    text.into_bytes()
}

/// The frames a server sent: `(opcode, payload)` each, checking they are well-formed and
/// unmasked. A frame cut short at the end is allowed only after a reset.
fn parse_server_frames(mut bytes: &[u8], reset: bool) -> Result<Vec<(u8, Vec<u8>)>, String> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 2 {
            return if reset {
                Ok(frames)
            } else {
                Err("a frame cut short".into())
            };
        }
        let (first, second) = (bytes[0], bytes[1]);
        let opcode = first & 0x0F;
        if first & 0x70 != 0 || second & 0x80 != 0 {
            return Err(format!(
                "a server frame with RSV or MASK set: {first:#x} {second:#x}"
            ));
        }
        if ![TEXT, BINARY, CLOSE, PING, PONG].contains(&opcode) || first & 0x80 == 0 {
            return Err(format!("an unexpected server frame header {first:#x}"));
        }
        let (len, header) = match second & 0x7F {
            126 if bytes.len() >= 4 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 if bytes.len() >= 10 => {
                let mut len = [0u8; 8];
                len.copy_from_slice(&bytes[2..10]);
                (u64::from_be_bytes(len) as usize, 10)
            }
            126 | 127 => (usize::MAX, 0),
            len => (len as usize, 2),
        };
        if header == 0 || bytes.len() - header < len {
            return if reset {
                Ok(frames)
            } else {
                Err("a frame cut short".into())
            };
        }
        frames.push((opcode, bytes[header..header + len].to_vec()));
        bytes = &bytes[header + len..];
    }
    Ok(frames)
}

/// Reads the server's answer to our handshake (up to the empty line) and returns its status.
async fn read_handshake_answer(stream: &mut TcpStream) -> Result<u16, String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte, so not one byte of what follows the head is taken from the frames.
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => {
                return Err(format!(
                    "the handshake answer ended early: {}",
                    escaped(&head)
                ))
            }
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&head) {
        Ok(httparse::Status::Complete(_)) => Ok(response.code.unwrap_or(0)),
        _ => Err(format!(
            "a handshake answer that is not HTTP: {}",
            escaped(&head)
        )),
    }
}

/// What a WebSocket case sends, and what it may then expect.
struct WsCase {
    kind: &'static str,
    /// Do the handshake properly first (the frames phase), or send `bytes` instead of it.
    handshake_first: bool,
    bytes: Vec<u8>,
    half_close: bool,
    /// The text and binary messages the server must echo, in order, before anything goes wrong.
    echoes: Vec<(u8, Vec<u8>)>,
    /// Whether the whole input was valid (then the echoes are *all* it may send back, besides
    /// pongs and its Close).
    all_valid: bool,
    /// The input ends with our Close frame, which a server answers with its own.
    closes: bool,
}

fn ws_handshake_case(rng: &mut Rng) -> WsCase {
    let mut half_close = true;
    let (kind, bytes) = match rng.below(8) {
        0 => {
            // Cut short. Some of these stay open: the server must give up on them by itself.
            half_close = !rng.one_in(4);
            (
                "handshake truncated",
                HANDSHAKE[..rng.below(HANDSHAKE.len())].to_vec(),
            )
        }
        1 => {
            let mut bytes = HANDSHAKE.to_vec();
            for _ in 0..rng.between(1, 4) {
                let at = rng.below(bytes.len());
                bytes[at] ^= rng.between(1, 255) as u8;
            }
            ("handshake bytes flipped", bytes)
        }
        2 => {
            let mut bytes = HANDSHAKE.to_vec();
            let at = rng.below(bytes.len() + 1);
            let garbage = rng.junk(1, 32);
            bytes.splice(at..at, garbage);
            ("handshake garbage inserted", bytes)
        }
        3 => ("junk instead of a handshake", rng.junk(1, 4096)),
        4 => {
            let bytes = rng.pick_bytes(&[
                b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Version: 13\r\n\r\n",
                b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
                b"POST /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                b"GET /echo HTTP/1.0\r\nUpgrade: websocket\r\n\r\n",
            ]);
            ("not a WebSocket handshake", bytes.to_vec())
        }
        5 => {
            let mut line = b"X-Padding: ".to_vec();
            line.extend(std::iter::repeat_n(b'a', rng.between(4_000, 40_000)));
            line.extend_from_slice(b"\r\n");
            (
                "handshake with a huge header",
                with_header(HANDSHAKE, &line),
            )
        }
        6 => {
            let mut lines = Vec::new();
            for i in 0..rng.between(120, 200) {
                lines.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
            }
            (
                "handshake with too many headers",
                with_header(HANDSHAKE, &lines),
            )
        }
        _ => {
            let mut bytes = HANDSHAKE.to_vec();
            bytes.extend(rng.junk(1, 256));
            ("junk right after the handshake", bytes)
        }
    };
    WsCase {
        kind,
        handshake_first: false,
        bytes,
        half_close,
        echoes: vec![],
        all_valid: false,
        closes: false,
    }
}

/// One frame that breaks the rules (RFC 6455, section 5), with its name.
fn bad_frame(rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let key = Some([1, 2, 3, 4]);
    match rng.below(12) {
        0 => ("unmasked", frame(true, 0, TEXT, None, b"hi")),
        1 => (
            "RSV bits set",
            frame(true, rng.between(1, 7) as u8, TEXT, key, b"hi"),
        ),
        2 => {
            let opcode = *rng.pick(&[3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF]);
            ("unknown opcode", frame(true, 0, opcode, key, b"hi"))
        }
        3 => (
            "control frame over 125 bytes",
            frame(true, 0, PING, key, &[b'p'; 126]),
        ),
        4 => (
            "fragmented control frame",
            frame(false, 0, PING, key, b"ping"),
        ),
        5 => (
            "continuation with nothing to continue",
            frame(true, 0, CONTINUATION, key, b"x"),
        ),
        6 => (
            "text that is not UTF-8",
            frame(true, 0, TEXT, key, &[b'a', 0xFF, 0xFE]),
        ),
        7 => {
            let payload =
                rng.pick_bytes(&[&[3], &[0x03, 0xE7], &[0x03, 0xED], &[0x03, 0xE8, 0xFF]]);
            ("bad Close payload", frame(true, 0, CLOSE, key, payload))
        }
        8 => {
            // The header claims far more than any sane limit; no payload follows.
            let mut bytes = vec![0x82, 0xFF];
            let len: u64 = *rng.pick(&[1 << 62, u64::MAX, 17 << 20, 1 << 40]);
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(&[1, 2, 3, 4]);
            ("absurd length", bytes)
        }
        9 => {
            let mut bytes = frame(true, 0, BINARY, key, &[7; 100]);
            bytes.truncate(rng.between(1, bytes.len() - 1));
            ("frame cut short", bytes)
        }
        10 => ("new message inside a fragmented one", {
            let mut bytes = frame(false, 0, TEXT, key, b"first half");
            bytes.extend(frame(true, 0, TEXT, key, b"another"));
            bytes
        }),
        _ => ("junk frames", rng.junk(1, 256)),
    }
}

fn ws_frames_case(rng: &mut Rng) -> WsCase {
    let mut bytes = Vec::new();
    let mut echoes = Vec::new();
    let mut kind = "valid frames";
    let mut all_valid = true;
    for _ in 0..rng.between(1, 6) {
        if all_valid && rng.one_in(3) {
            let (name, bad) = bad_frame(rng);
            kind = name;
            all_valid = false;
            bytes.extend(bad);
            continue;
        }
        let message = match rng.below(5) {
            0 => {
                // A ping: answered with a pong (not an echo), as tungstenite does by itself.
                let payload = rng.junk(0, 125);
                bytes.extend(client_frame(rng, PING, &payload));
                None
            }
            1 => {
                // A message in fragments: echoed as one message.
                let text = random_text(rng, 20);
                let cut = rng.below(text.len() + 1);
                bytes.extend(frame(false, 0, TEXT, Some([9, 8, 7, 6]), &text[..cut]));
                bytes.extend(frame(
                    true,
                    0,
                    CONTINUATION,
                    Some([5, 4, 3, 2]),
                    &text[cut..],
                ));
                Some((TEXT, text))
            }
            2 => {
                let len = *rng.pick(&[0, 1, 125, 126, 1000, 70_000]);
                let data = rng.bytes(len);
                bytes.extend(client_frame(rng, BINARY, &data));
                Some((BINARY, data))
            }
            _ => {
                let text = random_text(rng, 40);
                bytes.extend(client_frame(rng, TEXT, &text));
                Some((TEXT, text))
            }
        };
        if all_valid {
            echoes.extend(message);
        }
    }
    // The end: our Close frame, or just the end of the stream.
    let closes = all_valid && rng.one_in(2);
    if closes {
        bytes.extend(client_frame(rng, CLOSE, &1000u16.to_be_bytes()));
    }
    WsCase {
        kind,
        handshake_first: true,
        bytes,
        half_close: true,
        echoes,
        all_valid,
        closes,
    }
}

async fn run_ws_case(addr: SocketAddr, case: &WsCase, rng: &mut Rng) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    if case.handshake_first {
        stream
            .write_all(HANDSHAKE)
            .await
            .map_err(|e| e.to_string())?;
        let status = read_handshake_answer(&mut stream).await?;
        if status != 101 {
            return Err(format!("a valid handshake was answered {status}"));
        }
    }
    let pieces = if rng.one_in(4) {
        split_randomly(rng, case.bytes.clone(), 6)
    } else {
        vec![case.bytes.clone()]
    };
    let cut_off = send_pieces(&mut stream, &pieces, case.half_close).await;
    let (received, reset) = read_until_closed(&mut stream).await?;
    let reset = reset || cut_off;

    if !case.handshake_first {
        // Garbage instead of a handshake: the server may say why in HTTP, or just close.
        if received.is_empty() || received.starts_with(b"HTTP/1.1 ") {
            return Ok(());
        }
        return Err(format!(
            "an answer that is not HTTP: {}",
            escaped(&received)
        ));
    }
    let frames = parse_server_frames(&received, reset)?;
    let echoed: Vec<(u8, Vec<u8>)> = frames
        .iter()
        .filter(|(opcode, _)| *opcode == TEXT || *opcode == BINARY)
        .cloned()
        .collect();
    let sent_close = frames.iter().any(|(opcode, _)| *opcode == CLOSE);
    let fine = if reset {
        // A reset may cut the echoes short, never change them.
        case.echoes.starts_with(&echoed) || echoed.starts_with(&case.echoes)
    } else if case.all_valid {
        echoed == case.echoes && (sent_close == case.closes)
    } else {
        echoed.starts_with(&case.echoes)
    };
    if fine {
        Ok(())
    } else {
        let summary = |messages: &[(u8, Vec<u8>)]| -> Vec<(u8, usize)> {
            messages
                .iter()
                .map(|(op, payload)| (*op, payload.len()))
                .collect()
        };
        Err(format!(
            "expected the echoes {:?} (opcode, length){}, got {:?}; Close from the server: \
             {sent_close}{}",
            summary(&case.echoes),
            if case.all_valid { " exactly" } else { " first" },
            summary(&echoed),
            if reset { "; then a reset" } else { "" }
        ))
    }
}

/// A well-behaved WebSocket client, round trip after round trip until `done`.
async fn keep_echoing(addr: SocketAddr, done: &Cell<bool>) -> (usize, Duration) {
    use async_tungstenite::tungstenite::Message;
    let mut calls = 0;
    let mut slowest = Duration::ZERO;
    while !done.get() || calls == 0 {
        let start = Instant::now();
        let mut websocket = websocket_echo::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("a good client could not connect during the fuzzing: {e}"));
        let sent = format!("good client {calls}");
        let reply = websocket_echo::round_trip(&mut websocket, Message::text(sent.clone()))
            .await
            .unwrap();
        assert_eq!(reply.into_text().unwrap().as_str(), sent);
        websocket_echo::close(websocket).await.unwrap();
        slowest = slowest.max(start.elapsed());
        calls += 1;
    }
    (calls, slowest)
}

#[test]
fn websocket_echo_answers_or_closes_on_any_input_and_keeps_echoing() {
    watch_for_panics();
    let (seed, cases) = seed_and_cases(2000);
    let rt = glassloop::Runtime::new().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server_task = glassloop::spawn(websocket_echo::serve_with_open_timeout(
            listener,
            READ_TIMEOUT,
        ));
        glassloop::yield_now().await;
        let baseline_tasks = glassloop::all_tasks().len();
        let done = Cell::new(false);
        let fuzzing = async {
            let failures = run_cases(cases, |case| {
                let mut rng = Rng::for_case(seed, case);
                let ws = if rng.one_in(2) {
                    ws_handshake_case(&mut rng)
                } else {
                    ws_frames_case(&mut rng)
                };
                let description = format!(
                    "{}: sent{} {}, then {}",
                    ws.kind,
                    if ws.handshake_first {
                        " after a valid handshake"
                    } else {
                        ""
                    },
                    escaped(&ws.bytes),
                    if ws.half_close {
                        "half-closed"
                    } else {
                        "waited"
                    },
                );
                (description, async move {
                    run_ws_case(addr, &ws, &mut rng).await
                })
            })
            .await;
            done.set(true);
            failures
        };
        let (failures, (good_calls, slowest)) =
            glassloop::gather!(fuzzing, keep_echoing(addr, &done)).await;
        assert!(
            failures.is_empty(),
            "seed {seed:#x}: {} of {cases} cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(good_calls > 0);
        assert!(
            slowest < Duration::from_secs(5),
            "a good client waited {slowest:?} during the fuzzing"
        );

        assert_connections_drain(baseline_tasks, Duration::from_secs(5)).await;
        let mut websocket = websocket_echo::connect(addr).await.unwrap();
        let reply = websocket_echo::round_trip(
            &mut websocket,
            async_tungstenite::tungstenite::Message::text("still echoing"),
        )
        .await
        .unwrap();
        assert_eq!(reply.into_text().unwrap().as_str(), "still echoing");
        websocket_echo::close(websocket).await.unwrap();
        server_task.abort();
    });
    rt.block_on(glassloop::yield_now());
    assert_eq!(rt.stats().registered_sources, 0, "a socket was left open");
    assert_no_panics();
}
