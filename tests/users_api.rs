//! The `users_api` example, exercised in-process through its modules (and once as a real
//! program): concurrency, keep-alive, pipelining, and every way a client can misbehave.

#[allow(dead_code)] // the tests use only part of the example's modules
#[path = "../examples/users_api/demo.rs"]
mod users_api;

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
fn unknown_ids_and_paths_are_404_and_other_methods_405() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(0, 5000)).await.unwrap();
        for path in ["/users/42", "/users/0"] {
            let response = client::get(&format!("http://{addr}{path}")).await.unwrap();
            assert_eq!(response.status, 404, "{path}");
            assert_eq!(response.text(), r#"{"detail":"User not found"}"#, "{path}");
        }
        for path in [
            "/",
            "/nope",
            "/users/",
            "/users/abc",
            "/users/+1",
            "/users/1/x",
            "/usersx",
            "/users/99999999999999999999999", // not a u64: no such route, as FastAPI's int check
        ] {
            let response = client::get(&format!("http://{addr}{path}")).await.unwrap();
            assert_eq!(response.status, 404, "{path}");
            assert_eq!(response.text(), r#"{"detail":"Not Found"}"#, "{path}");
        }

        let mut stream = send_raw(
            addr,
            b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
        )
        .await;
        let response = one_response_then_close(&mut stream).await;
        assert_eq!(response.status, 405);
        assert_eq!(response.header("allow"), Some("GET, HEAD"));
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
                b"GET http://elsewhere/ HTTP/1.1\r\nHost: x\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", // a TLS hello
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
        assert_eq!(response.header("connection"), None);
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

/// The real program, once: it prints its port, serves, and rejects bad options.
#[test]
fn the_users_api_program_prints_its_port_and_serves() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    // Examples are built next to the test binaries' directory by `cargo test`.
    let Some(program) = std::env::current_exe().ok().and_then(|exe| {
        let path = exe.parent()?.parent()?.join("examples").join("users_api");
        path.exists().then_some(path)
    }) else {
        eprintln!("skipped: the users_api example is not built (run the whole `cargo test`)");
        return;
    };

    let bad = Command::new(&program)
        .args(["--port", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a port number"));

    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = KillOnDrop(
        Command::new(&program)
            .args(["--port", "0", "--db-delay-ms", "100", "--quiet"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first_line = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let port: u16 = first_line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"));
    assert_ne!(port, 0, "the real port is printed, not 0");
    let response =
        glassloop::run(client::get(&format!("http://127.0.0.1:{port}/users/2"))).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        r#"{"id":2,"name":"Grace Hopper","email":"grace@example.com"}"#
    );
}
