//! The load tests' peer, `axum_tokio_users`: it must answer as the glassloop servers do (or the
//! comparison in docs/http.md would compare different work), and stop on Ctrl-C with status 0.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One request on a connection of its own; the whole answer, with the `date` line taken out.
fn ask(port: u16, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split("\r\n")
        .filter(|line| !line.starts_with("date: "))
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[test]
fn the_peer_answers_as_the_glassloop_servers_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_axum_tokio_users"))
        .args(["--port", "0", "--workers", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("users: SQLite, "), "{line:?}");
    line.clear();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));

    let close = "Host: x\r\nConnection: close";
    assert_eq!(
        ask(port, &format!("GET /users/1 HTTP/1.1\r\n{close}\r\n\r\n")),
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 56\r\n\
         connection: close\r\n\r\n{\"id\":1,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}"
    );
    let bad_id = ask(port, &format!("GET /users/abc HTTP/1.1\r\n{close}\r\n\r\n"));
    assert!(bad_id.starts_with("HTTP/1.1 422 "), "{bad_id}");
    assert!(bad_id.ends_with(
        r#"{"detail":[{"type":"int_parsing","loc":["path","user_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#
    ));
    let body = r#"{"name":"Alan Turing","email":"alan@example.com"}"#;
    let created = ask(
        port,
        &format!(
            "POST /users HTTP/1.1\r\n{close}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(created.starts_with("HTTP/1.1 201 Created\r\n"), "{created}");
    assert!(created.ends_with(r#"{"id":6,"name":"Alan Turing","email":"alan@example.com"}"#));
    let deleted = ask(
        port,
        &format!("DELETE /users/6 HTTP/1.1\r\n{close}\r\n\r\n"),
    );
    assert!(
        deleted.starts_with("HTTP/1.1 204 No Content\r\n"),
        "{deleted}"
    );
    let unknown = ask(port, &format!("GET /users/6 HTTP/1.1\r\n{close}\r\n\r\n"));
    assert!(
        unknown.ends_with(r#"{"detail":"User not found"}"#),
        "{unknown}"
    );

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
}
