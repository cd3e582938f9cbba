//! `examples/axum_users`: the users API written with axum, served by hyper on glassloop. It must
//! answer what the hand-written `users_api` answers, request for request, on SQLite; stop
//! gracefully; run as a program with two workers; and bring no tokio runtime into the build.

// Both examples bring the users API's app module along (`users_api/app.rs`), each its own copy:
// two servers of one app, compared.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)] // the tests use only part of the example's modules
#[path = "../examples/axum_users/serve.rs"]
mod axum_users;

#[allow(dead_code)]
#[path = "../examples/users_api/demo.rs"]
mod users_api;

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glassloop::net::{TcpListener, TcpStream};
use glassloop::sync::Event;
use support::TempDb;
use users_api::client;

/// The axum server on a free port of the running loop, over `db`; stopped by setting the event.
async fn start_axum(
    db: axum_users::routes::app::Db,
    grace: Duration,
) -> (
    SocketAddr,
    Rc<Event>,
    glassloop::JoinHandle<axum_users::Stopped>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Rc::new(Event::new());
    let router = axum_users::routes::router(Arc::new(db));
    let stopped = stop.clone();
    let server = glassloop::spawn(async move {
        axum_users::serve_until(listener, router, async move { stopped.wait().await }, grace).await
    });
    (addr, stop, server)
}

/// One request on a connection of its own, and what came back.
async fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> client::Response {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    if method == "HEAD" {
        return head_response(&mut stream).await;
    }
    let mut buffer = Vec::new();
    client::read_response(&mut stream, &mut buffer)
        .await
        .unwrap()
}

/// The answer to a HEAD: its head, up to the end of the stream (its `Content-Length` tells the
/// size of the GET's body, which is not sent), and whatever followed it as the body — nothing.
async fn head_response(stream: &mut TcpStream) -> client::Response {
    let mut all = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            break;
        }
        all.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8(all).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ').skip(1);
    client::Response {
        status: parts.next().unwrap().parse().unwrap(),
        reason: parts.next().unwrap_or("").to_string(),
        headers: lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_string(), value.trim().to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

/// The methods of an `Allow` header, however they are spaced.
fn allowed(response: &client::Response) -> Option<Vec<String>> {
    response.header("allow").map(|allow| {
        let mut methods: Vec<String> = allow.split(',').map(|m| m.trim().to_string()).collect();
        methods.sort();
        methods
    })
}

#[test]
fn axum_answers_every_request_as_the_hand_written_router_does() {
    let (axum_file, hand_file) = (TempDb::new("axum"), TempDb::new("hand"));
    let axum_db = axum_users::routes::app::Db::sqlite(
        axum_users::routes::app::db::Sqlite::open(&axum_file.0).unwrap(),
        Duration::ZERO,
    );
    let hand_config = users_api::server::Config {
        database: users_api::server::Database::Sqlite(
            users_api::server::app::db::Sqlite::open(&hand_file.0).unwrap(),
        ),
        db_delay: Duration::ZERO,
        ..users_api::server::Config::default()
    };
    // In this order, on both: the writes change what the later reads see.
    let requests: &[(&str, &str, &str)] = &[
        ("GET", "/users", ""),
        ("GET", "/users/1", ""),
        ("HEAD", "/users/1", ""),
        ("GET", "/users/42", ""),
        ("GET", "/users/abc", ""),
        ("GET", "/users/-3", ""),
        ("GET", "/users/123456789012345678901234567890", ""),
        ("GET", "/users?limit=2&offset=1", ""),
        ("GET", "/users?limit=1&limit=3", ""),
        ("GET", "/users?limit=x&offset=-1", ""),
        ("GET", "/users?limit=1001", ""),
        (
            "POST",
            "/users",
            r#"{"name":"Alan Turing","email":"alan@example.com"}"#,
        ),
        (
            "POST",
            "/users",
            r#"{"name":"Émilie \"du\" Châtelet","email":"e@example.com"}"#,
        ),
        ("POST", "/users", r#"{"name":"A"}"#),
        ("POST", "/users", r#"{"name":7,"email":["x"]}"#),
        ("POST", "/users", r#"["not","an","object"]"#),
        ("POST", "/users", "{not json"),
        ("POST", "/users", ""),
        ("DELETE", "/users/2", ""),
        ("DELETE", "/users/2", ""),
        ("DELETE", "/users/x", ""),
        ("GET", "/users?offset=3", ""),
        ("PUT", "/users", "{}"),
        ("PATCH", "/users/1", "{}"),
        ("POST", "/users/1", "{}"),
        ("GET", "/nowhere", ""),
        ("GET", "/users/", ""),
        ("GET", "/users/1/friends", ""),
    ];
    glassloop::run(async {
        let (axum_addr, stop, server) = start_axum(axum_db, Duration::from_secs(5)).await;
        let (hand_addr, hand_server) = users_api::start_on_free_port(hand_config).await.unwrap();
        for &(method, path, body) in requests {
            let ours = call(hand_addr, method, path, body).await;
            let theirs = call(axum_addr, method, path, body).await;
            let what = format!("{method} {path} {body}");
            assert_eq!(theirs.status, ours.status, "{what}");
            assert_eq!(theirs.text(), ours.text(), "{what}");
            assert_eq!(
                theirs.header("content-type"),
                ours.header("content-type"),
                "{what}"
            );
            assert_eq!(allowed(&theirs), allowed(&ours), "{what}");
            if method == "HEAD" {
                // The size of what a GET would send.
                assert_eq!(
                    theirs.header("content-length"),
                    ours.header("content-length"),
                    "{what}"
                );
            }
        }
        // The answers above were the interesting ones, not all errors: a sample of them.
        let created = call(axum_addr, "POST", "/users", r#"{"name":"B","email":"b@x"}"#).await;
        assert_eq!(created.status, 201);
        assert_eq!(created.text(), r#"{"id":8,"name":"B","email":"b@x"}"#);
        stop.set();
        let stopped = server.await.unwrap();
        assert_eq!(stopped.cancelled, 0);
        assert_eq!(stopped.connections, requests.len() + 1);
        hand_server.abort();
    });
}

#[test]
fn a_body_over_the_limit_is_413_and_writes_nothing() {
    glassloop::run(async {
        let db = axum_users::routes::app::Db::new(Duration::ZERO);
        let (addr, stop, server) = start_axum(db, Duration::from_secs(5)).await;
        // Announced too large: answered before the body is sent.
        let head = format!(
            "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            axum_users::routes::MAX_BODY_BYTES + 1
        );
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut buffer = Vec::new();
        let response = client::read_response(&mut stream, &mut buffer)
            .await
            .unwrap();
        assert_eq!(response.status, 413);
        assert_eq!(
            response.text(),
            r#"{"detail":"the request body is too large"}"#
        );
        let listed = call(addr, "GET", "/users?limit=1000", "").await;
        assert_eq!(
            listed.text().matches("\"id\":").count(),
            5,
            "nothing was written"
        );
        stop.set();
        server.await.unwrap();
    });
}

#[test]
fn a_body_that_stops_arriving_is_408_after_the_read_timeout() {
    glassloop::run(async {
        let db = axum_users::routes::app::Db::new(Duration::ZERO);
        let (addr, stop, server) = start_axum(db, Duration::from_secs(5)).await;
        // Content-Length says 40; 20 come, and then nothing (the client is not gone).
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"name\":\"half a body")
            .await
            .unwrap();
        let started = glassloop::now();
        let mut buffer = Vec::new();
        let response = client::read_response(&mut stream, &mut buffer)
            .await
            .unwrap();
        assert_eq!(response.status, 408);
        assert!(glassloop::now() - started >= axum_users::routes::BODY_READ_TIMEOUT);
        let listed = call(addr, "GET", "/users?limit=1000", "").await;
        assert_eq!(
            listed.text().matches("\"id\":").count(),
            5,
            "nothing was written"
        );
        drop(stream);
        stop.set();
        server.await.unwrap();
    });
}

#[test]
fn stopping_lets_the_request_in_flight_finish_and_refuses_new_clients() {
    glassloop::run(async {
        let db = axum_users::routes::app::Db::new(Duration::from_millis(300));
        let (addr, stop, server) = start_axum(db, Duration::from_secs(5)).await;
        let in_flight = glassloop::spawn(async move { call(addr, "GET", "/users/1", "").await });
        // Long enough for the request to reach the handler (it then waits 300 ms on the db).
        glassloop::sleep(Duration::from_millis(100)).await;
        stop.set();
        let response = in_flight.await.unwrap();
        assert_eq!(response.status, 200, "the request in flight was answered");
        let stopped = server.await.unwrap();
        assert_eq!(
            stopped,
            axum_users::Stopped {
                connections: 1,
                cancelled: 0
            }
        );
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "the listener is closed"
        );
    });
}

#[test]
fn a_request_slower_than_the_grace_period_is_cancelled() {
    glassloop::run(async {
        let db = axum_users::routes::app::Db::new(Duration::from_secs(30));
        let (addr, stop, server) = start_axum(db, Duration::from_millis(200)).await;
        let started = Instant::now();
        let in_flight = glassloop::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            let mut byte = [0u8; 1];
            stream.read(&mut byte).await
        });
        glassloop::sleep(Duration::from_millis(100)).await;
        stop.set();
        let stopped = server.await.unwrap();
        assert_eq!(stopped.cancelled, 1);
        // The cancelled connection is closed, not left hanging: the client reads its end.
        assert!(matches!(in_flight.await.unwrap(), Ok(0) | Err(_)));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "it did not wait for the 30 s query"
        );
    });
}

/// The `axum_users` program, if `cargo test` built it (as it builds every example).
fn axum_users_program() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join("axum_users");
    path.exists().then_some(path)
}

#[test]
fn the_program_serves_on_two_workers_and_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    let Some(program) = axum_users_program() else {
        eprintln!("skipped: run `cargo test` (not --test axum_users alone) to build the example");
        return;
    };
    let file = TempDb::new("program");
    let mut child = Command::new(program)
        .args(["--port", "0", "--workers", "2", "--db"])
        .arg(&file.0)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        line
    };
    let users = line();
    assert_eq!(
        users,
        format!("users: SQLite, {}; 2 workers\n", file.0.display())
    );
    let listening = line();
    let port: u16 = listening
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {listening:?}"));
    assert!(line().contains("Ctrl-C"));
    // A write through one connection is seen through the next (the workers share the database).
    let ask = |request: &str| {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let body = r#"{"name":"Kurt Gödel","email":"kurt@example.com"}"#;
    let created = ask(&format!(
        "POST /users HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert!(created.starts_with("HTTP/1.1 201 Created\r\n"), "{created}");
    for _ in 0..4 {
        let read = ask("GET /users/6 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert!(read.starts_with("HTTP/1.1 200 OK\r\n"), "{read}");
        assert!(read.ends_with(r#"{"id":6,"name":"Kurt Gödel","email":"kurt@example.com"}"#));
    }
    // Ctrl-C, as a terminal sends it.
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
    assert_eq!(
        line(),
        "shut down: 5 connections served, 0 cancelled at the end of the grace period\n"
    );
}

/// What `cargo tree` says the example's build holds of a crate: each version's features.
fn features_of(krate: &str) -> Vec<Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = std::process::Command::new(cargo)
        .args(["tree", "--offline", "-p", "glassloop", "-e", "normal,dev"])
        .args(["-i", krate, "-f", "{p}|{f}", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| line.starts_with(&format!("{krate} v")))
        .map(|line| {
            let features = line.split_once('|').map_or("", |(_, f)| f);
            features
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[test]
fn no_tokio_runtime_is_built_in() {
    // tokio is there for hyper's channels only: its `sync` feature, no `rt`, `net` or `time`.
    let tokio = features_of("tokio");
    assert!(!tokio.is_empty(), "hyper's tokio should be listed");
    for features in &tokio {
        for feature in features {
            assert!(
                ["default", "sync"].contains(&feature.as_str()),
                "tokio's `{feature}` is in the build"
            );
        }
    }
    // axum without its `tokio` feature (which is what `axum::serve` needs).
    for features in features_of("axum") {
        assert!(!features.iter().any(|f| f == "tokio" || f == "http1"));
    }
}
