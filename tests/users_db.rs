//! The users API over its databases — SQLite (the program's default) and the memory table —
//! through HTTP, as a FastAPI tutorial's client would use it: create, read a page, delete; every
//! kind of bad input answered 4xx in FastAPI's shape with nothing written; a failing query a
//! `500` that costs nothing else; and the SQLite file kept across restarts of the program.

#[allow(dead_code)] // the tests use only part of the example's modules
#[path = "../examples/users_api/demo.rs"]
mod users_api;

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use glassloop::net::TcpStream;
use support::TempDb;
use users_api::server::app::db::Sqlite;
use users_api::server::{self, Database};
use users_api::{client, start_on_free_port};

fn config(database: Database) -> server::Config {
    server::Config {
        database,
        db_delay: Duration::ZERO,
        read_timeout: Duration::from_millis(500),
        max_body_bytes: 1024,
        ..server::Config::default()
    }
}

/// Both databases, each new: the same tests must hold on either.
fn databases(name: &str) -> Vec<(&'static str, Database, Option<TempDb>)> {
    let file = TempDb::new(name);
    let sqlite = Sqlite::open(&file.0).expect("open a new SQLite file");
    vec![
        ("memory", Database::Memory, None),
        ("sqlite", Database::Sqlite(sqlite), Some(file)),
    ]
}

/// One request on a connection of its own (`Connection: close`), and its answer.
async fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> client::Response {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    raw(addr, request.as_bytes()).await
}

async fn raw(addr: SocketAddr, bytes: &[u8]) -> client::Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut buffer = Vec::new();
    client::read_response(&mut stream, &mut buffer)
        .await
        .unwrap()
}

/// How many users `GET /users?limit=1000` lists.
async fn count(addr: SocketAddr) -> usize {
    let listed = call(addr, "GET", "/users?limit=1000", "").await;
    assert_eq!(listed.status, 200);
    listed.text().matches("\"id\":").count()
}

#[test]
fn create_read_a_page_and_delete_on_both_databases() {
    for (name, database, _file) in databases("crud") {
        glassloop::run(async {
            let (addr, server_task) = start_on_free_port(config(database)).await.unwrap();
            let created = call(
                addr,
                "POST",
                "/users",
                r#"{"name":"Alan Turing","email":"alan@example.com","extra":true}"#,
            )
            .await;
            assert_eq!(created.status, 201, "{name}");
            // The id after the five seeded users; a field the model does not have is ignored.
            let alan = r#"{"id":6,"name":"Alan Turing","email":"alan@example.com"}"#;
            assert_eq!(created.text(), alan, "{name}");
            assert_eq!(call(addr, "GET", "/users/6", "").await.text(), alan);

            let page = call(addr, "GET", "/users?limit=2&offset=4", "").await;
            assert_eq!(
                page.text(),
                format!(
                    r#"[{{"id":5,"name":"Linus Torvalds","email":"linus@example.com"}},{alan}]"#
                ),
                "{name}"
            );
            assert_eq!(call(addr, "GET", "/users?limit=0", "").await.text(), "[]");
            assert_eq!(call(addr, "GET", "/users?offset=99", "").await.text(), "[]");
            assert_eq!(count(addr).await, 6);

            let deleted = call(addr, "DELETE", "/users/2", "").await;
            assert_eq!(deleted.status, 204, "{name}");
            assert_eq!(deleted.header("content-length"), None, "RFC 9110 §8.6");
            assert!(deleted.body.is_empty());
            assert_eq!(call(addr, "GET", "/users/2", "").await.status, 404);
            assert_eq!(call(addr, "DELETE", "/users/2", "").await.status, 404);
            // A deleted id is not given again.
            let next = call(addr, "POST", "/users", r#"{"name":"B","email":"b@x"}"#).await;
            assert!(
                next.text().starts_with(r#"{"id":7,"#),
                "{name}: {}",
                next.text()
            );
            assert_eq!(count(addr).await, 6);
            server_task.abort();
        });
    }
}

/// The body of every refused `POST /users`, and what FastAPI answers for it.
const BAD_BODIES: [(&str, &str); 6] = [
    (
        "",
        r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#,
    ),
    (
        r#"{"name":"Ada"}"#,
        r#"{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{"name":"Ada"}}]}"#,
    ),
    (
        r#"{"name":5,"email":null}"#,
        r#"{"detail":[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":5},{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":null}]}"#,
    ),
    (
        r#"["Ada","ada@example.com"]"#,
        r#"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":["Ada","ada@example.com"]}]}"#,
    ),
    (
        r#"{"name": "Ada", "email": }"#,
        r#"{"detail":[{"type":"json_invalid","loc":["body",25],"msg":"JSON decode error","input":{},"ctx":{"error":"expected value at line 1 column 26"}}]}"#,
    ),
    (
        "<user name=\"Ada\"/>",
        r#"{"detail":[{"type":"json_invalid","loc":["body",0],"msg":"JSON decode error","input":{},"ctx":{"error":"expected value at line 1 column 1"}}]}"#,
    ),
];

#[test]
fn a_bad_body_is_422_in_fastapis_shape_and_writes_nothing() {
    for (name, database, _file) in databases("bad-body") {
        glassloop::run(async {
            let (addr, server_task) = start_on_free_port(config(database)).await.unwrap();
            for (body, detail) in BAD_BODIES {
                let answer = call(addr, "POST", "/users", body).await;
                assert_eq!(answer.status, 422, "{name}: {body}");
                assert_eq!(answer.header("content-type"), Some("application/json"));
                assert_eq!(answer.text(), detail, "{name}: {body}");
            }
            assert_eq!(count(addr).await, 5, "{name}: nothing was written");
            server_task.abort();
        });
    }
}

#[test]
fn bad_query_parameters_are_422_with_every_error() {
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(Database::Memory)).await.unwrap();
        let answer = call(addr, "GET", "/users?limit=1001&offset=-1", "").await;
        assert_eq!(answer.status, 422);
        assert_eq!(
            answer.text(),
            concat!(
                r#"{"detail":[{"type":"less_than_equal","loc":["query","limit"],"#,
                r#""msg":"Input should be less than or equal to 1000","input":"1001","ctx":{"le":1000}},"#,
                r#"{"type":"greater_than_equal","loc":["query","offset"],"#,
                r#""msg":"Input should be greater than or equal to 0","input":"-1","ctx":{"ge":0}}]}"#
            )
        );
        let answer = call(addr, "GET", "/users?limit=ten", "").await;
        assert_eq!(answer.status, 422);
        assert!(answer
            .text()
            .contains(r#""type":"int_parsing","loc":["query","limit"]"#));
        // Parameters the endpoint does not take are ignored, as FastAPI ignores them.
        assert_eq!(
            call(addr, "GET", "/users?sort=name&limit=1", "")
                .await
                .status,
            200
        );
        server_task.abort();
    });
}

#[test]
fn a_body_too_large_or_cut_short_writes_nothing() {
    for (name, database, _file) in databases("framing") {
        glassloop::run(async {
            let (addr, server_task) = start_on_free_port(config(database)).await.unwrap();
            // Larger than max_body_bytes (1 KiB here): 413 before the body is read.
            let big = format!(r#"{{"name":"{}","email":"x@y"}}"#, "a".repeat(2000));
            let answer = call(addr, "POST", "/users", &big).await;
            assert_eq!(answer.status, 413, "{name}");

            // A Content-Length that promises more than comes: the server waits for the rest
            // (read_timeout, 0.5 s here), then answers 408 — and writes nothing.
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(
                    b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n\
                      {\"name\":\"Eve\",\"email\":\"eve@x\"}",
                )
                .await
                .unwrap();
            let mut buffer = Vec::new();
            let answer = client::read_response(&mut stream, &mut buffer)
                .await
                .unwrap();
            assert_eq!(answer.status, 408, "{name}");

            // One that promises less: the body is cut where it says, and the rest is taken as
            // the next request, which is no request at all — 400, connection closed.
            let answer = raw(
                addr,
                b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\
                  {\"name\":\"Eve\",\"email\":\"eve@x\"}",
            )
            .await;
            assert_eq!(
                answer.status, 422,
                "{name}: the first five bytes are not JSON"
            );

            // And the same body cut short by a client that goes away: no answer, nothing written.
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"na")
                .await
                .unwrap();
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let mut rest = [0u8; 64];
            assert_eq!(stream.read(&mut rest).await.unwrap(), 0, "{name}");

            assert_eq!(count(addr).await, 5, "{name}: nothing was written");
            server_task.abort();
        });
    }
}

/// A query that fails inside SQLite is a `500` — said on stderr, not to the client — and costs
/// nothing else: the transaction is rolled back, the connection goes back to the pool, and the
/// next requests are served (more of them than the pool has connections).
#[test]
fn a_failing_write_is_500_rolled_back_and_the_pool_goes_on() {
    let file = TempDb::new("failing-write");
    let sqlite = Sqlite::open(&file.0).unwrap();
    {
        // A trigger that refuses one name, after the row is inserted: only a rollback undoes it.
        let connection = rusqlite::Connection::open(&file.0).unwrap();
        connection
            .execute_batch(
                "CREATE TRIGGER refuse AFTER INSERT ON users WHEN NEW.name = 'refused'
                 BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END;",
            )
            .unwrap();
    }
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(Database::Sqlite(sqlite)))
            .await
            .unwrap();
        let body = r#"{"name":"refused","email":"r@x"}"#;
        for _ in 0..2 * users_api::server::app::db::sqlite::CONNECTIONS {
            let answer = call(addr, "POST", "/users", body).await;
            assert_eq!(answer.status, 500);
            assert_eq!(answer.text(), r#"{"detail":"Internal Server Error"}"#);
        }
        assert_eq!(count(addr).await, 5);
        let fine = call(addr, "POST", "/users", r#"{"name":"fine","email":"f@x"}"#).await;
        assert_eq!(fine.status, 201);
        server_task.abort();
    });
}

/// Many clients creating users at once, over a pool of a few connections and SQLite's one write
/// lock: every one is created, each with an id of its own.
#[test]
fn concurrent_creates_all_land_with_distinct_ids() {
    let file = TempDb::new("concurrent");
    let sqlite = Sqlite::open(&file.0).unwrap();
    glassloop::run(async {
        let (addr, server_task) = start_on_free_port(config(Database::Sqlite(sqlite)))
            .await
            .unwrap();
        let creates = (0..50).map(|n| async move {
            let body = format!(r#"{{"name":"user {n}","email":"u{n}@x"}}"#);
            let answer = call(addr, "POST", "/users", &body).await;
            assert_eq!(answer.status, 201, "{}", answer.text());
            let id: String = answer.text()[6..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            id.parse::<u64>().unwrap()
        });
        let mut ids = glassloop::gather(creates).await;
        ids.sort_unstable();
        assert_eq!(ids, (6..56).collect::<Vec<u64>>());
        assert_eq!(count(addr).await, 55);
        server_task.abort();
    });
}

/// The query runs on a helper thread: on virtual time, a database delay of a minute is skipped
/// and the answer is exact, while the real query is awaited (virtual time does not jump past a
/// `to_thread` job).
#[test]
fn sqlite_queries_are_awaited_on_virtual_time_too() {
    let file = TempDb::new("virtual");
    let sqlite = Sqlite::open(&file.0).unwrap();
    let runtime = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = users_api::server::app::Db::sqlite(sqlite, Duration::from_secs(60));
        let start = glassloop::time::now();
        let user = db.fetch_user(3).await.unwrap().unwrap();
        assert_eq!(user.name, "Guido van Rossum");
        assert_eq!(glassloop::time::now() - start, Duration::from_secs(60));
    });
}

fn users_api_program() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join("users_api");
    path.exists().then_some(path)
}

/// The program keeps its users in the file `--db` names: what one run created, the next run
/// finds. And a file it cannot open is a clear error and exit status 1, before it listens.
#[test]
fn the_program_keeps_its_users_in_the_db_file_across_runs() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let Some(path) = users_api_program() else {
        eprintln!("skipped: the users_api example is not built (run the whole `cargo test`)");
        return;
    };
    let file = TempDb::new("program");
    let run = |request: &'static str| {
        let mut child = Command::new(&path)
            .args(["--port", "0", "--workers", "2", "--quiet", "--db"])
            .arg(&file.0)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut port = None;
        for _ in 0..3 {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            if line.starts_with("users: ") {
                assert!(
                    line.contains("SQLite, ") && line.contains("2 workers"),
                    "{line}"
                );
                assert!(!line.contains("removed at exit"), "{line}");
            }
            if let Some(rest) = line.trim().strip_prefix("listening on http://127.0.0.1:") {
                port = rest.parse::<u16>().ok();
            }
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], port.expect("a port")));
        let answer = glassloop::run(raw(addr, request.as_bytes()));
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        assert_eq!(child.wait().unwrap().code(), Some(0));
        answer
    };
    let created = run(
        "POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 29\r\nConnection: close\r\n\r\n\
         {\"name\":\"Kept\",\"email\":\"k@x\"}",
    );
    assert_eq!(created.status, 201, "{}", created.text());
    assert!(file.0.exists(), "the file stays after the program exits");
    let found = run("GET /users/6 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(found.text(), r#"{"id":6,"name":"Kept","email":"k@x"}"#);

    let bad = Command::new(&path)
        .args(["--port", "0", "--db", "/nonexistent-directory/users.db"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("cannot open the database /nonexistent-directory/users.db"),
        "{stderr}"
    );
}
