//! The `users_api` example, exercised in-process through its modules (and as a real program):
//! concurrency, keep-alive, pipelining, every way a client can misbehave, and graceful shutdown —
//! in-process with `Server::close`, and as a process that gets a real Ctrl-C (SIGINT).

#[allow(dead_code)] // the tests use only part of the example's modules
#[path = "../examples/users_api/demo.rs"]
mod users_api;

mod support;

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use glassloop::net::TcpStream;
use users_api::{client, server, start_on_free_port};

fn config(db_delay_ms: u64, read_timeout_ms: u64) -> server::Config {
    server::Config {
        db_delay: Duration::from_millis(db_delay_ms),
        read_timeout: Duration::from_millis(read_timeout_ms),
        ..server::Config::default()
    }
}

/// Connects and writes `bytes` as they are.
async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

/// Reads until the server closes; everything it sent.
async fn read_to_end(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&chunk[..n]);
    }
}

/// One response, then the end of the stream: the server closed after answering.
async fn one_response_then_close(stream: &mut TcpStream) -> client::Response {
    let mut buffer = Vec::new();
    let response = client::read_response(stream, &mut buffer).await.unwrap();
    let rest = read_to_end(stream).await.unwrap();
    assert!(
        buffer.is_empty() && rest.is_empty(),
        "nothing may follow the answer"
    );
    response
}

const ALL_USERS: &str = concat!(
    r#"[{"id":1,"name":"Ada Lovelace","email":"ada@example.com"},"#,
    r#"{"id":2,"name":"Grace Hopper","email":"grace@example.com"},"#,
    r#"{"id":3,"name":"Guido van Rossum","email":"guido@example.com"},"#,
    r#"{"id":4,"name":"Zoë \"Zed\" Ng","email":"zoe@example.com"},"#,
    r#"{"id":5,"name":"Linus Torvalds","email":"linus@example.com"}]"#
);

#[test]
fn two_hundred_clients_are_answered_in_about_one_database_delay() {
    let took = glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(200, 5000)).await.unwrap();
        let start = Instant::now();
        let responses = glassloop::gather((0..200).map(|i| {
            let url = if i % 2 == 0 {
                format!("http://{addr}/users")
            } else {
                format!("http://{addr}/users/{}", i % 5 + 1)
            };
            async move { client::get(&url).await.unwrap() }
        }))
        .await;
        let took = start.elapsed();
        for (i, response) in responses.iter().enumerate() {
            assert_eq!(response.status, 200, "client {i}");
            assert_eq!(response.header("content-type"), Some("application/json"));
            if i % 2 == 0 {
                assert_eq!(response.text(), ALL_USERS);
            } else {
                assert!(response
                    .text()
                    .starts_with(&format!("{{\"id\":{},", i % 5 + 1)));
            }
        }
        server_task.abort();
        took
    });
    // 200 database calls of 200 ms one after another would be 40 s.
    assert!(took >= Duration::from_millis(200), "took {took:?}");
    assert!(
        took < Duration::from_millis(1500),
        "200 clients took {took:?}: they should wait for the database together"
    );
}

#[test]
fn a_request_takes_one_database_delay_and_returns_json() {
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (addr, server_task) = start_on_free_port(config(1000, 5000)).await.unwrap();
        let start = glassloop::now();
        let users = client::get(&format!("http://{addr}/users")).await.unwrap();
        assert_eq!(glassloop::now() - start, Duration::from_secs(1));
        assert_eq!(users.text(), ALL_USERS);

        let user = client::get(&format!("http://{addr}/users/4?verbose=1"))
            .await
            .unwrap();
        assert_eq!(user.status, 200);
        assert_eq!(
            user.text(),
            r#"{"id":4,"name":"Zoë \"Zed\" Ng","email":"zoe@example.com"}"#
        );
        assert_eq!(
            user.header("content-length"),
            Some(user.body.len().to_string().as_str())
        );
        server_task.abort();
    });
}

#[test]
fn unknown_ids_and_paths_are_404_bad_ids_422_and_other_methods_405() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(0, 5000)).await.unwrap();
        // Integers, but no user's: FastAPI's own 404 from the endpoint.
        for path in [
            "/users/42",
            "/users/0",
            "/users/-3",
            "/users/99999999999999999999999",
        ] {
            let response = client::get(&format!("http://{addr}{path}")).await.unwrap();
            assert_eq!(response.status, 404, "{path}");
            assert_eq!(response.text(), r#"{"detail":"User not found"}"#, "{path}");
        }
        // Not integers: FastAPI's 422 for `user_id: int`, saying where and what.
        for id in ["abc", "1.5", "1e3", "0x10"] {
            let response = client::get(&format!("http://{addr}/users/{id}"))
                .await
                .unwrap();
            assert_eq!(response.status, 422, "{id}");
            assert_eq!(
                response.text(),
                format!(
                    r#"{{"detail":[{{"type":"int_parsing","loc":["path","user_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"{id}"}}]}}"#
                ),
            );
        }
        for path in ["/", "/nope", "/users/", "/users/1/x", "/usersx"] {
            let response = client::get(&format!("http://{addr}{path}")).await.unwrap();
            assert_eq!(response.status, 404, "{path}");
            assert_eq!(response.text(), r#"{"detail":"Not Found"}"#, "{path}");
        }

        for (request, allow) in [
            (
                &b"PUT /users HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"a\":1}"[..],
                "GET, HEAD, POST",
            ),
            (
                &b"PATCH /users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
                "GET, HEAD, DELETE",
            ),
        ] {
            let mut stream = send_raw(addr, request).await;
            let response = one_response_then_close(&mut stream).await;
            assert_eq!(response.status, 405);
            assert_eq!(response.header("allow"), Some(allow));
        }
        server_task.abort();
    });
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(10, 5000)).await.unwrap();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut buffer = Vec::new();
        for id in [3, 1, 5, 2] {
            let path = format!("/users/{id}");
            stream
                .write_all(&client::get_request("x", &path, true))
                .await
                .unwrap();
            let response = client::read_response(&mut stream, &mut buffer)
                .await
                .unwrap();
            assert_eq!(response.status, 200);
            assert_eq!(
                response.header("connection"),
                None,
                "the server kept it open"
            );
            assert!(response.text().starts_with(&format!("{{\"id\":{id},")));
        }
        // A HEAD has the headers of the GET and no body; the connection still works after it.
        stream
            .write_all(b"HEAD /users HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        stream
            .write_all(&client::get_request("x", "/users/1", false))
            .await
            .unwrap();
        let mut chunk = [0u8; 4096];
        let mut answer = Vec::new();
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
        }
        let answer = String::from_utf8(answer).unwrap();
        let head_len = answer.find("\r\n\r\n").unwrap() + 4;
        let (head, rest) = answer.split_at(head_len);
        assert!(head.contains(&format!("Content-Length: {}\r\n", ALL_USERS.len())));
        assert!(
            rest.starts_with("HTTP/1.1 200 OK\r\n"),
            "no body after HEAD"
        );
        assert!(rest.contains("Connection: close\r\n"));
        assert!(rest.ends_with(r#"{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}"#));
        server_task.abort();
    });
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(20, 5000)).await.unwrap();
        // Three requests in one write: the server finds them all in its buffer.
        let mut both = client::get_request("x", "/users/2", true);
        both.extend(client::get_request("x", "/users/404", true));
        both.extend(client::get_request("x", "/users/1", false));
        let mut stream = send_raw(addr, &both).await;
        let mut buffer = Vec::new();
        let mut answers = Vec::new();
        for _ in 0..3 {
            let response = client::read_response(&mut stream, &mut buffer)
                .await
                .unwrap();
            answers.push((response.status, response.text()));
        }
        assert_eq!(answers[0].0, 200);
        assert!(answers[0].1.starts_with(r#"{"id":2,"#));
        assert_eq!(answers[1].0, 404);
        assert_eq!(answers[2].0, 200);
        assert!(answers[2].1.starts_with(r#"{"id":1,"#));
        // The last request said `Connection: close`.
        assert!(read_to_end(&mut stream).await.unwrap().is_empty());
        server_task.abort();
    });
}

#[test]
fn a_malformed_request_gets_400_while_others_are_served() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(100, 5000)).await.unwrap();
        let good = glassloop::gather((1..=20).map(|i| {
            let url = format!("http://{addr}/users/{}", i % 5 + 1);
            async move { client::get(&url).await.unwrap().status }
        }));
        let bad = async {
            let mut answers = Vec::new();
            for garbage in [
                &b"this is not http\r\n\r\n"[..],
                b"GET /users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                b"GET /users HTTP/1.1\r\n\r\n", // no Host
                b"GET /users HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
                b"GET ftp://elsewhere/ HTTP/1.1\r\nHost: x\r\n\r\n", // http(s) is served
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",     // a TLS hello
            ] {
                let mut stream = send_raw(addr, garbage).await;
                answers.push(one_response_then_close(&mut stream).await);
            }
            answers
        };
        let (good, bad) = glassloop::gather!(good, bad).await;
        assert!(good.iter().all(|status| *status == 200));
        for response in bad {
            assert_eq!(response.status, 400, "{response:?}");
            assert_eq!(response.header("connection"), Some("close"));
            assert!(response.text().starts_with(r#"{"detail":"#));
        }
        server_task.abort();
    });
}

#[test]
fn an_oversized_head_gets_431() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(0, 5000)).await.unwrap();
        let mut huge = b"GET /users HTTP/1.1\r\nHost: x\r\nX-Padding: ".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 20 * 1024));
        huge.extend_from_slice(b"\r\n\r\n");
        let mut stream = send_raw(addr, &huge).await;
        let response = one_response_then_close(&mut stream).await;
        assert_eq!(response.status, 431);
        assert_eq!(
            response.text(),
            r#"{"detail":"the request head is too large"}"#
        );

        // Too many headers is the same answer.
        let mut many = b"GET /users HTTP/1.1\r\nHost: x\r\n".to_vec();
        for i in 0..40 {
            many.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        let mut stream = send_raw(addr, &many).await;
        assert_eq!(one_response_then_close(&mut stream).await.status, 431);

        // The server is still fine.
        let ok = client::get(&format!("http://{addr}/users/1"))
            .await
            .unwrap();
        assert_eq!(ok.status, 200);
        server_task.abort();
    });
}

#[test]
fn a_stalled_client_does_not_delay_others_and_is_timed_out() {
    glassloop::run(async {
        let read_timeout = Duration::from_millis(1000);
        let (addr, server_task) = start_on_free_port(config(50, 1000)).await.unwrap();
        // Half a request head, then silence.
        let stall_start = Instant::now();
        let mut stalled = send_raw(addr, b"GET /users HTTP/1.1\r\nHost: x\r\n").await;
        let stalled_answer = glassloop::spawn(async move {
            let response = one_response_then_close(&mut stalled).await;
            (response, stall_start.elapsed())
        });

        let others_start = Instant::now();
        let statuses = glassloop::gather((1..=20).map(|i| {
            let url = format!("http://{addr}/users/{}", i % 5 + 1);
            async move { client::get(&url).await.unwrap().status }
        }))
        .await;
        let others_took = others_start.elapsed();
        assert!(statuses.iter().all(|status| *status == 200));
        assert!(
            others_took < read_timeout,
            "the other clients took {others_took:?}: they waited for the stalled one"
        );
        assert!(
            !stalled_answer.is_finished(),
            "answered the stalled client early"
        );

        let (response, stalled_for) = stalled_answer.await.unwrap();
        assert_eq!(response.status, 408);
        assert!(
            stalled_for >= read_timeout,
            "timed out after {stalled_for:?}"
        );
        assert!(
            stalled_for < read_timeout * 4,
            "timed out after {stalled_for:?}"
        );
        server_task.abort();
    });
}

#[test]
fn an_idle_keep_alive_connection_is_closed_quietly() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(0, 300)).await.unwrap();
        let start = Instant::now();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(&client::get_request("x", "/users/1", true))
            .await
            .unwrap();
        let mut buffer = Vec::new();
        let response = client::read_response(&mut stream, &mut buffer)
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        // Then nothing: after the read timeout the server closes without a word (no 408 — the
        // client was not in the middle of anything).
        assert!(read_to_end(&mut stream).await.unwrap().is_empty());
        let idle = start.elapsed();
        assert!(idle >= Duration::from_millis(300), "closed after {idle:?}");
        assert!(idle < Duration::from_secs(3), "closed after {idle:?}");
        server_task.abort();
    });
}

#[test]
fn http_1_0_closes_after_each_answer_unless_asked() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(0, 5000)).await.unwrap();
        let mut stream = send_raw(addr, b"GET /users/1 HTTP/1.0\r\n\r\n").await;
        let response = one_response_then_close(&mut stream).await;
        assert_eq!(response.status, 200);

        let mut stream = send_raw(
            addr,
            b"GET /users/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        )
        .await;
        let mut buffer = Vec::new();
        let response = client::read_response(&mut stream, &mut buffer)
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        // A 1.0 client knows the answer ended, and may send the next, only if told it stays.
        assert_eq!(response.header("connection"), Some("keep-alive"));
        stream
            .write_all(b"GET /users/2 HTTP/1.0\r\n\r\n")
            .await
            .unwrap();
        let response = client::read_response(&mut stream, &mut buffer)
            .await
            .unwrap();
        assert!(response.text().starts_with(r#"{"id":2,"#));
        server_task.abort();
    });
}

#[test]
fn stopping_the_server_closes_its_connections() {
    let rt = glassloop::Runtime::new().unwrap();
    rt.block_on(async {
        let (addr, server_task) = start_on_free_port(config(0, 60_000)).await.unwrap();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(&client::get_request("x", "/users/1", true))
            .await
            .unwrap();
        let mut buffer = Vec::new();
        client::read_response(&mut stream, &mut buffer)
            .await
            .unwrap();
        server_task.abort();
        // The idle connection would have stayed for a minute; aborting the server closed it.
        let closed = glassloop::timeout(Duration::from_secs(5), read_to_end(&mut stream)).await;
        assert!(closed.unwrap().unwrap().is_empty());
        // And nobody listens any more.
        assert!(TcpStream::connect(addr).await.is_err());
    });
    rt.block_on(glassloop::yield_now());
    assert_eq!(rt.stats().registered_sources, 0, "every socket was closed");
}

/// Starts a [`server::Server`] on a free port, serving until `stop` is set, and returns its
/// address, the stop switch, and the task — which hands back the server, still open, to be
/// closed gracefully.
async fn start_stoppable(
    config: server::Config,
) -> (
    SocketAddr,
    glassloop::sync::Event,
    glassloop::JoinHandle<server::Server>,
) {
    let listener = glassloop::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = glassloop::sync::Event::new();
    let task = glassloop::spawn({
        let stop = stop.clone();
        async move {
            let mut server = server::Server::new(listener, config);
            server.serve_until(stop.wait()).await;
            server
        }
    });
    (addr, stop, task)
}

#[test]
fn closing_lets_the_request_in_flight_finish_and_drops_idle_connections() {
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (addr, stop, server_task) = start_stoppable(config(1000, 60_000)).await;
        // One client waits for the database; another sits idle on a keep-alive connection.
        let mut busy = send_raw(addr, &client::get_request("x", "/users/2", true)).await;
        let mut idle = TcpStream::connect(addr).await.unwrap();
        glassloop::sleep(Duration::from_millis(400)).await;

        stop.set();
        let closing = server_task.await.unwrap().close();
        let closed_at = glassloop::now();
        assert_eq!(closing.in_flight(), 1, "the busy client's request");
        // The listener is closed at once: a new client is refused, not left in a backlog.
        let refused = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);

        let waiting = glassloop::spawn(closing.wait_closed(Duration::from_secs(5)));
        // The idle connection is closed right away, without a word.
        assert!(read_to_end(&mut idle).await.unwrap().is_empty());
        assert!(glassloop::now() - closed_at < Duration::from_millis(100));
        // The busy one gets its answer when the database call ends, told that it is the last.
        let response = one_response_then_close(&mut busy).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.header("connection"), Some("close"));
        assert!(response.text().starts_with(r#"{"id":2,"#));
        drop(busy);
        let closed = waiting.await.unwrap();
        assert_eq!(
            closed,
            server::Closed {
                connections: 2,
                cancelled_requests: 0
            }
        );
        // The database call started 400 ms before the close, so 600 ms of it were left.
        assert_eq!(glassloop::now() - closed_at, Duration::from_millis(600));
    });
    rt.block_on(glassloop::yield_now());
    assert_eq!(rt.stats().registered_sources, 0, "every socket was closed");
    assert_eq!(rt.stats().live_tasks, 0);
}

#[test]
fn a_request_slower_than_the_grace_period_is_cancelled() {
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (addr, stop, server_task) = start_stoppable(config(60_000, 60_000)).await;
        let mut slow = send_raw(addr, &client::get_request("x", "/users", true)).await;
        glassloop::sleep(Duration::from_millis(10)).await;
        stop.set();
        let closing = server_task.await.unwrap().close();
        let start = glassloop::now();
        let closed = closing.wait_closed(Duration::from_secs(2)).await;
        assert_eq!(glassloop::now() - start, Duration::from_secs(2));
        assert_eq!(closed.cancelled_requests, 1);
        // Cancelled: the connection closes with no answer at all.
        assert!(read_to_end(&mut slow).await.unwrap().is_empty());
    });
    rt.block_on(glassloop::yield_now());
    assert_eq!(rt.stats().registered_sources, 0, "every socket was closed");
}

#[test]
fn the_demo_runs_on_virtual_time() {
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap();
    let wall = Instant::now();
    let timings = rt.block_on(users_api::demo()).unwrap();
    assert_eq!(timings.all_users, users_api::DEMO_DB_DELAY);
    assert_eq!(timings.three_users, users_api::DEMO_DB_DELAY);
    assert_eq!(timings.unknown_user_status, 404);
    assert_eq!(timings.many_clients, users_api::DEMO_DB_DELAY);
    assert_eq!(timings.sqlite_created, 201);
    assert_eq!(timings.sqlite_answered, users_api::DEMO_CLIENTS);
    assert!(
        wall.elapsed() < Duration::from_secs(3),
        "virtual time did not jump"
    );
}

#[test]
fn the_json_writer_escapes_what_json_requires() {
    let mut out = String::new();
    server::app::push_escaped(&mut out, "a\"b\\c\nd\te\u{1}f é 😀");
    assert_eq!(out, r#""a\"b\\c\nd\te\u0001f é 😀""#);
}

/// The `users_api` program, if `cargo test` built it (it builds the examples next to the test
/// binaries' directory; `cargo test --test users_api` alone does not).
fn users_api_program() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join("users_api");
    path.exists().then_some(path)
}

/// A running `users_api` process, killed if a test fails half-way.
struct Program {
    child: std::process::Child,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    port: u16,
    /// The three lines it printed first (read by `start`): where the users are, the port, how to
    /// stop it.
    opening: Vec<String>,
}

impl Program {
    /// Starts it with `args` and waits for the line that says where the users are, then
    /// `listening on http://127.0.0.1:PORT` and the line after it, which tells how to stop it.
    fn start(path: &std::path::Path, args: &[&str]) -> Program {
        use std::process::{Command, Stdio};
        let mut child = Command::new(path)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut program = Program {
            child,
            stdout,
            port: 0,
            opening: Vec::new(),
        };
        let users_line = program.line();
        assert!(users_line.starts_with("users: "), "{users_line:?}");
        let listening_line = program.line();
        program.port = listening_line
            .trim()
            .strip_prefix("listening on http://127.0.0.1:")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected line {listening_line:?}"));
        let ctrl_c_line = program.line();
        assert!(ctrl_c_line.contains("Ctrl-C"), "{ctrl_c_line:?}");
        program.opening = vec![users_line, listening_line, ctrl_c_line];
        program
    }

    /// The next line it prints.
    fn line(&mut self) -> String {
        use std::io::BufRead;
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Waits for it to exit, for at most `bound`.
    fn wait_for_exit(&mut self, bound: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < bound, "still running after {bound:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real program, once: it prints its port, serves, and rejects bad options.
#[test]
fn the_users_api_program_prints_its_port_and_serves() {
    let Some(path) = users_api_program() else {
        eprintln!("skipped: the users_api example is not built (run the whole `cargo test`)");
        return;
    };
    let bad = std::process::Command::new(&path)
        .args(["--port", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a port number"));

    let program = Program::start(&path, &["--port", "0", "--db-delay-ms", "100", "--quiet"]);
    assert_ne!(program.port, 0, "the real port is printed, not 0");
    let response = glassloop::run(client::get(&format!(
        "http://127.0.0.1:{}/users/2",
        program.port
    )))
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        r#"{"id":2,"name":"Grace Hopper","email":"grace@example.com"}"#
    );
}

/// A graceful shutdown as a user sees it: Ctrl-C (a real SIGINT, from `kill -INT`) while a
/// request waits for the database. Plain blocking sockets on the test's side, so nothing here depends on glassloop.
#[test]
fn ctrl_c_lets_the_request_in_flight_finish_then_exits_0() {
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    let Some(path) = users_api_program() else {
        eprintln!("skipped: the users_api example is not built (run the whole `cargo test`)");
        return;
    };
    // Long read timeout and grace period: if the idle connection below were not closed at once,
    // the program would wait 20 s for it, far past the bound on its exit.
    let mut program = Program::start(
        &path,
        &[
            "--port",
            "0",
            "--db-delay-ms",
            "1500",
            "--read-timeout-ms",
            "20000",
            "--grace-ms",
            "20000",
            "--quiet",
        ],
    );
    let mut busy = StdStream::connect(program.addr()).unwrap();
    busy.write_all(b"GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut idle = StdStream::connect(program.addr()).unwrap();
    for stream in [&busy, &idle] {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
    }
    // Time for the server to read the request and start the (1.5 s) database call.
    std::thread::sleep(Duration::from_millis(500));

    let sigint_at = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &program.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let announced = program.line();
    assert!(
        announced.starts_with("shutting down: stopped accepting; waiting for 1 in-flight request "),
        "{announced:?}"
    );
    // It said so after closing the listener: a new client is refused.
    let refused = StdStream::connect(program.addr()).unwrap_err();
    assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);

    let mut nothing = Vec::new();
    idle.read_to_end(&mut nothing).unwrap();
    assert!(nothing.is_empty(), "the idle connection is closed silently");
    let mut answer = String::new();
    busy.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer:?}");
    assert!(answer.contains("Connection: close\r\n"), "{answer:?}");
    assert!(answer.ends_with(r#"{"id":2,"name":"Grace Hopper","email":"grace@example.com"}"#));
    drop(busy);

    let status = program.wait_for_exit(Duration::from_secs(10));
    let exited_after = sigint_at.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(
        exited_after < Duration::from_secs(8),
        "exited {exited_after:?} after Ctrl-C"
    );
    let report = program.line();
    assert!(
        report.starts_with("shut down: every request in flight finished; 2 connections closed"),
        "{report:?}"
    );
}

/// SIGTERM — what systemd, `docker stop` and `kill` send — stops it as gracefully as Ctrl-C: the
/// request waiting for the database is answered, then the program exits 0 (two workers here).
#[test]
fn sigterm_shuts_down_as_gracefully_as_ctrl_c() {
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    let Some(path) = users_api_program() else {
        eprintln!("skipped: the users_api example is not built (run the whole `cargo test`)");
        return;
    };
    let mut program = Program::start(
        &path,
        &[
            "--port",
            "0",
            "--workers",
            "2",
            "--memory",
            "--db-delay-ms",
            "800",
            "--quiet",
        ],
    );
    let mut busy = StdStream::connect(program.addr()).unwrap();
    busy.write_all(b"GET /users/3 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    busy.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &program.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let announced = program.line();
    assert!(
        announced.starts_with("shutting down: stopped accepting; waiting for 1 in-flight request "),
        "{announced:?}"
    );
    let mut answer = String::new();
    busy.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer:?}");
    assert!(
        answer.ends_with(r#""email":"guido@example.com"}"#),
        "{answer:?}"
    );
    drop(busy);
    let status = program.wait_for_exit(Duration::from_secs(10));
    assert_eq!(
        status.code(),
        Some(0),
        "SIGTERM is a graceful stop, not a kill"
    );
    let report = program.line();
    assert!(
        report.starts_with("shut down: every request in flight finished"),
        "{report:?}"
    );
}

/// A second Ctrl-C does not wait for the grace period: what is still running is cancelled.
#[test]
fn a_second_ctrl_c_stops_waiting() {
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    let Some(path) = users_api_program() else {
        eprintln!("skipped: the users_api example is not built (run the whole `cargo test`)");
        return;
    };
    let mut program = Program::start(
        &path,
        &[
            "--port",
            "0",
            "--db-delay-ms",
            "60000",
            "--grace-ms",
            "60000",
            "--quiet",
        ],
    );
    let mut busy = StdStream::connect(program.addr()).unwrap();
    busy.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    busy.write_all(b"GET /users HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = program.child.id().to_string();
    let sigint = || {
        let kill = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(kill.success());
    };
    sigint();
    assert!(program.line().starts_with("shutting down"));
    let again_at = Instant::now();
    sigint();
    let status = program.wait_for_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    assert!(again_at.elapsed() < Duration::from_secs(8), "it waited");
    assert!(program.line().contains("Ctrl-C again"));
    let mut nothing = Vec::new();
    let _ = busy.read_to_end(&mut nothing); // closed, or reset: either way, no answer
    assert!(nothing.is_empty(), "a cancelled request gets no answer");
}

/// docs/http.md quotes what the program prints when Ctrl-C comes while one client waits for the
/// database and another sits idle. This is that scenario, with the access log on (no `--quiet`)
/// and the default grace period; every line it prints must be the book's, ports aside (the
/// book's `$ ` command line and the `^C` the terminal echoes are not the program's).
#[test]
fn the_book_quotes_what_ctrl_c_prints() {
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    let Some(path) = users_api_program() else {
        eprintln!("skipped: the users_api example is not built (run the whole `cargo test`)");
        return;
    };
    let mut program = Program::start(
        &path,
        &["--port", "0", "--workers", "2", "--db-delay-ms", "2000"],
    );
    let mut busy = StdStream::connect(program.addr()).unwrap();
    busy.write_all(b"GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut idle = StdStream::connect(program.addr()).unwrap();
    for stream in [&busy, &idle] {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
    }
    // Time for the server to read the request and start the (2 s) database call.
    std::thread::sleep(Duration::from_millis(600));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &program.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());

    let mut printed = program.opening.clone();
    printed.push(program.line());
    let mut nothing = Vec::new();
    idle.read_to_end(&mut nothing).unwrap();
    let mut answer = String::new();
    busy.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer:?}");
    drop((busy, idle));
    loop {
        let line = program.line();
        if line.is_empty() {
            break; // the end of its output: it has exited
        }
        printed.push(line);
    }
    assert_eq!(
        program.wait_for_exit(Duration::from_secs(10)).code(),
        Some(0)
    );

    let printed: Vec<String> = printed
        .iter()
        .map(|line| without_pid(&support::without_ports(line.trim_end())))
        .collect();
    let quoted: Vec<String> = support::book_quote(
        "docs/http.md",
        "tests/users_api.rs the_book_quotes_what_ctrl_c_prints",
    )
    .iter()
    .filter(|line| !line.starts_with("$ "))
    .map(|line| {
        without_pid(&support::without_ports(
            line.strip_prefix("^C").unwrap_or(line),
        ))
    })
    .collect();
    assert_eq!(
        quoted, printed,
        "docs/http.md's Ctrl-C transcript (left) is not what users_api prints (right)"
    );
}

/// The default database file is named after the process (`glassloop-users_api-PID.sqlite3`, in
/// the temporary directory): the number and the directory are masked.
fn without_pid(line: &str) -> String {
    let line = line.replace(&std::env::temp_dir().display().to_string(), "/tmp");
    let marker = "glassloop-users_api-";
    match line.find(marker) {
        Some(at) => {
            let start = at + marker.len();
            let digits = line[start..].bytes().take_while(u8::is_ascii_digit).count();
            format!("{}PID{}", &line[..start], &line[start + digits..])
        }
        None => line,
    }
}
