//! The `http_get` example through its modules: the demo's concurrency (on virtual and real time),
//! and the HTTP client against well- and badly-behaved servers.

#[allow(dead_code)] // the tests use only part of the example's modules
#[path = "../examples/http_get/demo.rs"]
mod http_get;

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use glassloop::net::TcpListener;
use http_get::client::{self, Url};

#[test]
fn the_demo_takes_the_slowest_request_not_the_sum_on_virtual_time() {
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap();
    let wall = Instant::now();
    let report = rt.block_on(http_get::demo()).unwrap();
    assert_eq!(report.fetched.len(), http_get::DEMO_DELAYS_MS.len());
    for (fetched, delay_ms) in report.fetched.iter().zip(http_get::DEMO_DELAYS_MS) {
        let response = fetched.result.as_ref().unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), format!("waited {delay_ms} ms\n"));
        // Virtual time: the socket work takes no time on the loop's clock, the delay all of it.
        assert_eq!(fetched.elapsed, Duration::from_millis(delay_ms));
    }
    let slowest = *http_get::DEMO_DELAYS_MS.iter().max().unwrap();
    let sum: u64 = http_get::DEMO_DELAYS_MS.iter().sum();
    assert_eq!(report.total, Duration::from_millis(slowest));
    assert_eq!(report.sum(), Duration::from_millis(sum));
    assert!(
        wall.elapsed() < Duration::from_secs(2),
        "virtual time did not jump"
    );
}

#[test]
fn concurrent_gets_in_real_time_take_about_the_slowest() {
    glassloop::run(async {
        let (addr, server) = http_get::start_delay_server().await.unwrap();
        let delays = [100u64, 400, 200, 300, 400, 100];
        let urls = delays
            .iter()
            .map(|ms| format!("http://{addr}/delay/{ms}"))
            .collect();
        let start = Instant::now();
        let report = http_get::fetch_all(urls).await;
        let took = start.elapsed();
        assert!(report.fetched.iter().all(|f| f.result.is_ok()));
        assert!(took >= Duration::from_millis(400), "took {took:?}");
        // One after another: 1.5 s.
        assert!(took < Duration::from_millis(1200), "took {took:?}");
        server.abort();
    });
}

#[test]
fn the_delay_server_answers_404_to_other_paths() {
    glassloop::run(async {
        let (addr, server) = http_get::start_delay_server().await.unwrap();
        for path in ["/", "/delay/abc", "/delay/99999999"] {
            let response = client::get(&format!("http://{addr}{path}")).await.unwrap();
            assert_eq!(response.status, 404, "{path}");
        }
        server.abort();
    });
}

#[test]
fn urls_are_parsed_or_rejected_with_a_reason() {
    let url = Url::parse("http://127.0.0.1:8000/users/1?x=2#frag").unwrap();
    assert_eq!(
        url,
        Url {
            host: "127.0.0.1".into(),
            port: 8000,
            path: "/users/1?x=2".into()
        }
    );
    assert_eq!(url.host_header(), "127.0.0.1:8000");
    let url = Url::parse("HTTP://example.com").unwrap();
    assert_eq!((url.port, url.path.as_str()), (80, "/"));
    assert_eq!(url.host_header(), "example.com");
    let url = Url::parse("http://[::1]:9000?q").unwrap();
    assert_eq!(
        (url.host.as_str(), url.port, url.path.as_str()),
        ("::1", 9000, "/?q")
    );
    assert_eq!(url.host_header(), "[::1]:9000");

    for (bad, why) in [
        ("https://example.com/", "only http://"),
        ("example.com/users", "expected a URL"),
        ("http:///users", "no host"),
        ("http://host:99999/", "not a port number"),
        ("http://host:x/", "not a port number"),
        ("http://[::1/", "unclosed"),
        ("http://user:pw@host/", "passwords"),
        ("http://host/a b", "spaces"),
    ] {
        let error = Url::parse(bad).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}");
        assert!(error.to_string().contains(why), "{bad}: {error}");
    }
}

/// A server that answers every connection with `answer` (after reading the request head), then
/// closes.
async fn canned_server(answer: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(glassloop::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            drop(glassloop::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = stream.write_all(answer).await;
            }));
        }
    }));
    addr
}

#[test]
fn the_client_reads_every_body_framing() {
    glassloop::run(async {
        let chunked = canned_server(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
              5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
        )
        .await;
        let response = client::get(&format!("http://{chunked}/")).await.unwrap();
        assert_eq!(response.text(), "hello, world");

        let until_close = canned_server(b"HTTP/1.0 200 OK\r\n\r\nthe rest is the body").await;
        let response = client::get(&format!("http://{until_close}/"))
            .await
            .unwrap();
        assert_eq!(response.text(), "the rest is the body");

        let interim = canned_server(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n",
        )
        .await;
        let response = client::get(&format!("http://{interim}/")).await.unwrap();
        assert_eq!((response.status, response.body.len()), (204, 0));
    });
}

#[test]
fn bad_responses_are_errors_not_panics_or_hangs() {
    glassloop::run(async {
        let cases: [(&'static [u8], io::ErrorKind, &str); 6] = [
            (
                b"SSH-2.0-OpenSSH\r\n\r\n",
                io::ErrorKind::InvalidData,
                "not valid HTTP",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                io::ErrorKind::UnexpectedEof,
                "middle of the body",
            ),
            (
                b"HTTP/1.1 200 OK\r\n",
                io::ErrorKind::UnexpectedEof,
                "response head",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
                io::ErrorKind::InvalidData,
                "larger than",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                io::ErrorKind::InvalidData,
                "Content-Length",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                io::ErrorKind::InvalidData,
                "chunk size",
            ),
        ];
        for (answer, kind, message) in cases {
            let addr = canned_server(answer).await;
            let error = glassloop::timeout(
                Duration::from_secs(10),
                client::get(&format!("http://{addr}/")),
            )
            .await
            .expect("the client must not hang")
            .unwrap_err();
            assert_eq!(error.kind(), kind, "{error}");
            assert!(error.to_string().contains(message), "{error}");
        }
    });
}

#[test]
fn host_names_are_resolved_off_the_loop() {
    glassloop::run(async {
        let (addr, server) = http_get::start_delay_server().await.unwrap();
        let response = client::get(&format!("http://localhost:{}/delay/1", addr.port()))
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        server.abort();
    });
}

#[test]
fn a_long_delay_is_not_cut_short_by_the_servers_request_timeout() {
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (addr, server) = http_get::start_delay_server().await.unwrap();
        let start = glassloop::now();
        let response = client::get(&format!("http://{addr}/delay/20000"))
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(glassloop::now() - start, Duration::from_secs(20));
        server.abort();
    });
}
