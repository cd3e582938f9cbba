//! asyncio itself, beside glassloop: the tutorial's Python programs (`examples/python/`) are the
//! ones the Rust demos quote; `tools/asyncio_narrator.py` narrates them on CPython's own loop,
//! under `--virtual` the same transcript every run (golden files in `tests/golden/asyncio/`); and
//! the two loops agree on what must agree — the virtual time the program takes, the timers armed,
//! fired and cancelled, when each fires, and what the program prints.
//!
//! python3 (3.11 or newer) is on every machine this project's CI runs on. Where it is missing
//! these tests fail, saying how to install it: they never pass by skipping.

#[allow(dead_code)] // only the functions and the demos are used here
#[path = "../examples/side_by_side.rs"]
mod side_by_side;

mod support;

use std::process::Command;

use side_by_side::{timed_lines, Line, PROGRAMS};
use support::{assert_golden, repo_path};

/// The narrator's transcript of one program, on virtual time; fails clearly without python3.
fn narrated(program: &str) -> String {
    match side_by_side::asyncio_transcript(program) {
        Ok(text) => text,
        Err(side_by_side::NarratorError::NoPython) => panic!(
            "python3 is not installed, and these tests need it (CPython's own asyncio is one side \
             of the comparison): install Python 3.11 or newer (Debian: apt-get install python3)"
        ),
        Err(side_by_side::NarratorError::Failed(why)) => panic!("the narrator failed:\n{why}"),
    }
}

/// The transcript up to the main Task's end: what `asyncio.run` does after it (shutting down
/// async generators and the default executor) differs between CPython versions.
fn until_main_finishes(transcript: &str) -> String {
    let mut kept = String::new();
    for line in transcript.lines() {
        kept.push_str(line);
        kept.push('\n');
        if line.contains("Task 1 'main()' finished") {
            break;
        }
    }
    kept
}

/// The ```python block of a Rust file's opening comment.
fn quoted_python(rust_file: &str) -> String {
    let text = std::fs::read_to_string(repo_path(rust_file)).unwrap();
    let mut lines = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        if doc.starts_with("```python") {
            inside = true;
        } else if inside && doc.starts_with("```") {
            break;
        } else if inside {
            lines.push(doc.to_string());
        }
    }
    assert!(!lines.is_empty(), "{rust_file} quotes no Python");
    lines.join("\n") + "\n"
}

#[test]
fn each_python_program_is_the_one_its_rust_demo_quotes() {
    for program in PROGRAMS {
        let file = std::fs::read_to_string(repo_path(&format!("examples/python/{program}.py")))
            .unwrap_or_else(|_| panic!("examples/python/{program}.py is missing"));
        assert_eq!(
            quoted_python(&format!("examples/{program}.rs")),
            file,
            "examples/{program}.rs quotes a different program than examples/python/{program}.py"
        );
    }
}

#[test]
fn the_narrators_transcripts_are_the_golden_ones() {
    for program in PROGRAMS {
        let first = narrated(program);
        assert_eq!(
            first,
            narrated(program),
            "{program}: --virtual replays exactly"
        );
        assert_golden(
            &format!("asyncio/{program}.txt"),
            &until_main_finishes(&first),
        );
    }
}

/// What both loops must agree on, read from a transcript.
#[derive(Debug, PartialEq)]
struct Facts {
    /// When the main future / main Task finished, in ms of virtual time.
    ends_at: u64,
    timers_armed: usize,
    /// The virtual times at which timers fired, in order.
    fired_at: Vec<u64>,
    timers_cancelled: usize,
}

fn facts(lines: &[Line], armed: &str, fired: &str, cancelled: &str, end: &str) -> Facts {
    let count = |what: &str| lines.iter().filter(|l| l.text.contains(what)).count();
    Facts {
        ends_at: lines
            .iter()
            .find(|l| l.text.contains(end))
            .map(|l| l.millis)
            .expect("the main task ends"),
        timers_armed: count(armed),
        fired_at: lines
            .iter()
            .filter(|l| l.text.contains(fired))
            .map(|l| l.millis)
            .collect(),
        timers_cancelled: count(cancelled),
    }
}

#[test]
fn both_loops_agree_on_time_timers_and_what_the_programs_print() {
    for program in PROGRAMS {
        let ours = timed_lines(&side_by_side::glassloop_trace(program).unwrap());
        let theirs = timed_lines(&narrated(program));
        let glassloop = facts(
            &ours,
            "timer armed",
            "timer fired",
            "timer cancelled",
            "main() → Ready",
        );
        let asyncio = facts(
            &theirs,
            "call_at: TimerHandle",
            "popped off the heap, onto _ready",
            "was cancelled: dropped off the heap",
            "Task 1 'main()' finished",
        );
        assert!(
            glassloop.timers_armed > 0,
            "{program}: no timers seen: {glassloop:?}"
        );
        assert_eq!(
            glassloop, asyncio,
            "{program}: glassloop (left), asyncio (right)"
        );
    }
}

#[test]
fn both_loops_print_the_same_results() {
    let prints = |program: &str| -> Vec<String> {
        timed_lines(&narrated(program))
            .into_iter()
            .filter_map(|line| line.text.strip_prefix("print: ").map(str::to_string))
            .collect()
    };
    let builder = || glassloop::Runtime::builder().virtual_time(true);

    let report = side_by_side::get_user::demo(builder());
    let users: Vec<String> = report
        .users
        .iter()
        .map(|u| format!("{{'id': {}, 'name': '{}'}}", u.id, u.name))
        .collect();
    assert_eq!(prints("get_user"), [format!("[{}]", users.join(", "))]);

    let report = side_by_side::sync_vs_async::demo(builder());
    assert_eq!(
        prints("sync_vs_async"),
        [
            format!("blocking, gathered: {:.3} s", report.blocking.as_secs_f64()),
            format!("awaiting, gathered: {:.3} s", report.gathered.as_secs_f64()),
        ]
    );

    let report = side_by_side::create_task::demo(builder());
    assert_eq!(
        prints("create_task"),
        [
            report.coffee.to_string(),
            format!(
                "[RuntimeError('{}'), '{}']",
                report.toaster_panic.expect("the toaster failed"),
                report.kettle.expect("the kettle worked")
            ),
        ]
    );
    assert!(report.download_cancelled);

    let report = side_by_side::async_await::demo(builder());
    assert!(
        !report.ran_before_await,
        "a coroutine does nothing until awaited, on both"
    );
    assert_eq!(prints("async_await"), ["brewing", "brewing", "brewing"]);
    assert!(prints("tea_and_toast").is_empty());
}

#[test]
fn the_side_by_side_rows_pair_the_moments_of_both_transcripts() {
    let left = timed_lines("[   0.000s] a\n[   1.000s] b\nnot a trace line\n");
    let right = timed_lines("[   0.000s] x\n[   0.000s] y\n[   1.000s] z\n");
    let rows = side_by_side::side_by_side(&left, &right, 30);
    let body: Vec<&str> = rows.iter().skip(2).map(|r| r.trim_end()).collect();
    assert_eq!(
        body,
        [
            "  0.000 s  a                              │ x",
            "                                          │ y",
            "                                          │",
            "  1.000 s  b                              │ z",
            "                                          │",
        ]
    );
}

#[test]
fn the_program_says_what_to_do_without_python() {
    let Some(program) = std::env::current_exe().ok().and_then(|exe| {
        let path = exe
            .parent()?
            .parent()?
            .join("examples")
            .join("side_by_side");
        path.exists().then_some(path)
    }) else {
        eprintln!("skipped: run `cargo test` (not --test asyncio_side alone) to build the example");
        return;
    };
    let output = Command::new(program)
        .arg("get_user")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("python3 was not found"), "{stderr}");
    assert!(stderr.contains("apt-get install python3"), "{stderr}");
}

#[allow(dead_code)]
#[path = "../examples/users_api/demo.rs"]
mod users_api;

/// `examples/python/users_api.py`, the same API on the standard library alone, answers as the
/// Rust server does: the same statuses and the same JSON, byte for byte.
#[test]
fn the_python_users_api_answers_as_the_rust_one() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let mut python = match Command::new("python3")
        .arg(repo_path("examples/python/users_api.py"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => panic!("python3 is not installed: install Python 3.11 or newer"),
    };
    let mut first = String::new();
    BufReader::new(python.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let python_port: u16 = first
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {first:?}"));
    let ask = |port: u16, method: &str, path: &str, body: &str| -> (String, String) {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_string(), body.to_string())
    };
    let requests: &[(&str, &str, &str)] = &[
        ("GET", "/users", ""),
        ("GET", "/users/1", ""),
        ("GET", "/users/42", ""),
        ("GET", "/users/abc", ""),
        ("GET", "/users?limit=2&offset=1", ""),
        ("GET", "/users?limit=x&offset=-1", ""),
        ("GET", "/users?limit=1001", ""),
        (
            "POST",
            "/users",
            r#"{"name":"Alan Turing","email":"alan@example.com"}"#,
        ),
        ("POST", "/users", r#"{"name":"A"}"#),
        ("POST", "/users", r#"{"name":7,"email":"x"}"#),
        ("POST", "/users", r#"["not","an","object"]"#),
        ("DELETE", "/users/2", ""),
        ("DELETE", "/users/2", ""),
        ("PUT", "/users", ""),
        ("GET", "/nowhere", ""),
    ];
    // The Rust server runs on a loop of its own thread while this thread asks both.
    let (tell_addr, addr) = std::sync::mpsc::channel();
    let (done, stop) = std::sync::mpsc::channel::<()>();
    let serving = std::thread::spawn(move || {
        let rust = glassloop::Runtime::new().unwrap();
        rust.block_on(async {
            let config = users_api::server::Config {
                db_delay: std::time::Duration::ZERO,
                ..users_api::server::Config::default()
            };
            let (addr, server) = users_api::start_on_free_port(config).await.unwrap();
            tell_addr.send(addr).unwrap();
            while stop.try_recv() == Err(std::sync::mpsc::TryRecvError::Empty) {
                glassloop::sleep(std::time::Duration::from_millis(5)).await;
            }
            server.abort();
        })
    });
    let addr: std::net::SocketAddr = addr.recv().unwrap();
    for &(method, path, body) in requests {
        let ours = ask(addr.port(), method, path, body);
        let theirs = ask(python_port, method, path, body);
        let (ours_status, theirs_status) = (ours.0.split(' ').nth(1), theirs.0.split(' ').nth(1));
        assert_eq!(ours_status, theirs_status, "{method} {path} {body}");
        assert_eq!(ours.1, theirs.1, "{method} {path} {body}");
    }
    drop(done);
    serving.join().unwrap();
    let _ = python.kill();
    let _ = python.wait();
}

/// The side-by-side excerpt docs/asyncio-inside.md quotes is what
/// `cargo run --example side_by_side -- get_user --width 48` prints: each stretch of the quote
/// between `...` lines is a run of consecutive rows, in order.
#[test]
fn the_get_user_excerpt_in_the_chapter_is_what_side_by_side_prints() {
    let rows = side_by_side::side_by_side(
        &timed_lines(&side_by_side::glassloop_trace("get_user").unwrap()),
        &timed_lines(&narrated("get_user")),
        48,
    );
    let rows: Vec<String> = rows.iter().map(|r| r.trim_end().to_string()).collect();
    let quote = support::book_quote(
        "docs/asyncio-inside.md",
        "tests/asyncio_side.rs the_get_user_excerpt_in_the_chapter_is_what_side_by_side_prints",
    );
    let mut from = 0;
    for stretch in quote
        .split(|line| line.trim() == "...")
        .filter(|s| !s.is_empty())
    {
        let found = (from..=rows.len().saturating_sub(stretch.len()))
            .find(|&start| rows[start..start + stretch.len()] == *stretch);
        match found {
            Some(start) => from = start + stretch.len(),
            None => panic!(
                "docs/asyncio-inside.md quotes rows side_by_side does not print (in this order):\n{}\n\nit prints:\n{}",
                stretch.join("\n"),
                rows.join("\n")
            ),
        }
    }
}
