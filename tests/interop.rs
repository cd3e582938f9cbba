//! Runtime-agnostic crates, unmodified, on glassloop: hyper 1.x (server and client, with
//! glassloop's timer behind `header_read_timeout`) and async-tungstenite — exercised through the
//! `hyper_users` and `websocket_echo` examples' modules, and against the hand-written `users_api`.

// hyper_users and users_api both include `examples/users_api/app.rs`: two copies of one module,
// on purpose (each example is self-contained).
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../examples/hyper_users/demo.rs"]
mod hyper_users;

#[allow(dead_code)]
#[path = "../examples/websocket_echo/demo.rs"]
mod websocket_echo;

#[allow(dead_code)]
#[path = "../examples/users_api/demo.rs"]
mod users_api;

use std::rc::Rc;
use std::time::{Duration, Instant};

use glassloop::net::{TcpListener, TcpStream};
use hyper::StatusCode;

fn virtual_runtime() -> glassloop::Runtime {
    glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap()
}

#[test]
fn the_hyper_demo_serves_and_fetches_the_users_api() {
    let delay = Duration::from_secs(2);
    let wall = Instant::now();
    let report = virtual_runtime()
        .block_on(hyper_users::demo(delay))
        .unwrap();
    let seen: Vec<(&str, StatusCode)> = report
        .sequential
        .iter()
        .map(|(path, status, _, _)| (path.as_str(), *status))
        .collect();
    assert_eq!(
        seen,
        [
            ("/users", StatusCode::OK),
            ("/users/1", StatusCode::OK),
            ("/users/42", StatusCode::NOT_FOUND)
        ]
    );
    assert!(report.sequential[0]
        .2
        .starts_with(r#"[{"id":1,"name":"Ada Lovelace""#));
    assert_eq!(
        report.sequential[1].2,
        r#"{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}"#
    );
    assert_eq!(report.sequential[2].2, r#"{"detail":"User not found"}"#);
    // On virtual time each request costs exactly the database delay; three at once cost one.
    for (path, _, _, took) in &report.sequential {
        assert_eq!(*took, delay, "{path}");
    }
    assert_eq!(report.concurrent, delay);
    assert!(
        wall.elapsed() < Duration::from_secs(2),
        "virtual time did not jump"
    );
}

#[test]
fn hypers_header_read_timeout_runs_on_glassloops_timer() {
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let timeout = Duration::from_millis(300);
        let db = Rc::new(hyper_users::app::Db::new(Duration::ZERO));
        let server = glassloop::spawn(hyper_users::serve(listener, db, timeout));

        // Half a request head, then silence: hyper must hang up after `timeout`.
        let start = Instant::now();
        let mut stalled = TcpStream::connect(addr).await.unwrap();
        stalled
            .write_all(b"GET /users HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        // Meanwhile another client is served at once.
        let mut sender = hyper_users::connect(addr).await.unwrap();
        let (status, _) = hyper_users::get(&mut sender, "/users/2").await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(start.elapsed() < timeout, "the good client waited");

        let mut buf = [0u8; 1024];
        loop {
            match glassloop::timeout(Duration::from_secs(10), stalled.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break, // closed (hyper may answer 408 first)
                Ok(Ok(_)) => continue,
                Err(_) => panic!("hyper never timed the stalled client out"),
            }
        }
        let closed_after = start.elapsed();
        assert!(closed_after >= timeout, "closed after {closed_after:?}");
        assert!(closed_after < timeout * 10, "closed after {closed_after:?}");
        server.abort();
    });
}

#[test]
fn hypers_client_talks_to_the_hand_written_server_and_vice_versa() {
    glassloop::run(async {
        // hyper's client -> users_api's own HTTP/1.1 server, keep-alive.
        let config = users_api::server::Config {
            db_delay: Duration::ZERO,
            ..Default::default()
        };
        let (addr, server) = users_api::start_on_free_port(config).await.unwrap();
        let mut sender = hyper_users::connect(addr).await.unwrap();
        for (path, status) in [
            ("/users/3", StatusCode::OK),
            ("/users/9", StatusCode::NOT_FOUND),
            ("/nope", StatusCode::NOT_FOUND),
            ("/users", StatusCode::OK),
        ] {
            let (got, body) = hyper_users::get(&mut sender, path).await.unwrap();
            assert_eq!(got, status, "{path}");
            assert!(body.starts_with(['{', '[']), "{path}: {body}");
        }
        server.abort();

        // users_api's little client -> hyper's server.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let db = Rc::new(hyper_users::app::Db::new(Duration::ZERO));
        let server = glassloop::spawn(hyper_users::serve(listener, db, Duration::from_secs(5)));
        let response = users_api::client::get(&format!("http://{addr}/users/5"))
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(
            response.text(),
            r#"{"id":5,"name":"Linus Torvalds","email":"linus@example.com"}"#
        );
        server.abort();
    });
}

#[test]
fn the_websocket_demo_echoes_every_message() {
    let report = glassloop::run(websocket_echo::demo()).unwrap();
    let mut expected: Vec<String> = websocket_echo::DEMO_MESSAGES
        .iter()
        .map(|m| m.to_string())
        .collect();
    expected.push("256 bytes".to_string());
    assert_eq!(report.echoes, expected);
    assert_eq!(report.concurrent_echoes, websocket_echo::DEMO_CLIENTS);
}

#[test]
fn the_websocket_server_survives_a_client_that_is_not_websocket() {
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = glassloop::spawn(websocket_echo::serve(listener));

        // A plain HTTP request: the handshake fails, that connection ends, nothing else does.
        let mut plain = TcpStream::connect(addr).await.unwrap();
        plain
            .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let closed = glassloop::timeout(Duration::from_secs(10), async {
            while plain.read(&mut buf).await.unwrap_or(0) > 0 {}
        })
        .await;
        assert!(
            closed.is_ok(),
            "the failed handshake did not end the connection"
        );

        let mut websocket = websocket_echo::connect(addr).await.unwrap();
        let reply = websocket_echo::round_trip(
            &mut websocket,
            async_tungstenite::tungstenite::Message::text("still here?"),
        )
        .await
        .unwrap();
        assert_eq!(reply.into_text().unwrap().as_str(), "still here?");
        websocket_echo::close(websocket).await.unwrap();
        server.abort();
    });
}

#[test]
fn the_websocket_server_drops_a_client_that_never_finishes_its_handshake() {
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open_timeout = Duration::from_millis(300);
        let server = glassloop::spawn(websocket_echo::serve_with_open_timeout(
            listener,
            open_timeout,
        ));

        // Half a handshake, then silence (the connection stays open from our side).
        let start = Instant::now();
        let mut stalled = TcpStream::connect(addr).await.unwrap();
        stalled
            .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let closed = glassloop::timeout(Duration::from_secs(10), async {
            while stalled.read(&mut buf).await.unwrap_or(0) > 0 {}
        })
        .await;
        assert!(closed.is_ok(), "the server waited for ever");
        let closed_after = start.elapsed();
        assert!(
            closed_after >= open_timeout,
            "closed after {closed_after:?}"
        );

        // A client that completes its handshake in time is served as usual.
        let mut websocket = websocket_echo::connect(addr).await.unwrap();
        let reply = websocket_echo::round_trip(
            &mut websocket,
            async_tungstenite::tungstenite::Message::text("in time"),
        )
        .await
        .unwrap();
        assert_eq!(reply.into_text().unwrap().as_str(), "in time");
        server.abort();
    });
}

/// `hyper_users --serve`, the load tests' hyper row: it says where it listens, answers from
/// SQLite, and ends with status 0 on Ctrl-C.
#[test]
fn the_hyper_program_serves_sqlite_until_ctrl_c() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    let Some(program) = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("examples").join("hyper_users")))
        .filter(|path| path.exists())
    else {
        eprintln!("skipped: run `cargo test` (not --test interop alone) to build the example");
        return;
    };
    let mut child = Command::new(program)
        .args(["--serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut listening = String::new();
    stdout.read_line(&mut listening).unwrap();
    let port: u16 = listening
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {listening:?}"));
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /users/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with(r#"{"id":2,"name":"Grace Hopper","email":"grace@example.com"}"#));
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "still running");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}
