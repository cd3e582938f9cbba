//! `cargo run --example side_by_side -- get_user` — one tutorial program on two loops at once:
//! glassloop's trace on the left, CPython's own asyncio loop narrating on the right, lined up by
//! virtual time.
//!
//! ```python
//! # the right-hand column is this, run on CPython's real event loop:
//! #   python3 tools/asyncio_narrator.py --virtual examples/python/get_user.py
//! ```
//!
//! The programs are the tour's: `sync_vs_async`, `tea_and_toast`, `async_await`, `get_user`,
//! `create_task` (each `examples/NAME.rs`, and its Python twin `examples/python/NAME.py`, the very
//! program the Rust file's opening comment quotes). Both run on virtual time, so the two
//! transcripts are the same on every run and their times can be set side by side: each group of
//! rows is one moment of virtual time, glassloop's lines at it on the left, asyncio's on the right.
//! `--width N` sets the width of a column (default 70). The chapter that reads these two columns
//! line by line is docs/asyncio-inside.md.
//!
//! It needs `python3` (3.11 or newer); without it, it says how to get it and exits with status 1.

#[allow(dead_code)] // each demo's own `main` is not used here, only its `demo`
#[path = "sync_vs_async.rs"]
pub mod sync_vs_async;

#[allow(dead_code)]
#[path = "tea_and_toast.rs"]
pub mod tea_and_toast;

#[allow(dead_code)]
#[path = "async_await.rs"]
pub mod async_await;

#[allow(dead_code)]
#[path = "get_user.rs"]
pub mod get_user;

#[allow(dead_code)]
#[path = "create_task.rs"]
pub mod create_task;

use std::cell::RefCell;
use std::io::Write;
use std::process::{Command, ExitCode};
use std::rc::Rc;

/// The programs both sides can run.
pub const PROGRAMS: [&str; 5] = [
    "sync_vs_async",
    "tea_and_toast",
    "async_await",
    "get_user",
    "create_task",
];

/// One line of a transcript: its virtual time in milliseconds, and its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub millis: u64,
    pub text: String,
}

/// A `Write` that keeps what the trace writes.
#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// glassloop's trace of `program` on virtual time (the demo's own prints go to stdout, as usual).
pub fn glassloop_trace(program: &str) -> Option<String> {
    let capture = Capture::default();
    let builder = glassloop::Runtime::builder()
        .virtual_time(true)
        .trace(true)
        .trace_to(capture.clone());
    match program {
        "sync_vs_async" => drop(sync_vs_async::demo(builder)),
        "tea_and_toast" => drop(tea_and_toast::demo(builder)),
        "async_await" => drop(async_await::demo(builder)),
        "get_user" => drop(get_user::demo(builder)),
        "create_task" => drop(create_task::demo(builder)),
        _ => return None,
    }
    let text = String::from_utf8_lossy(&capture.0.borrow()).into_owned();
    Some(text)
}

/// What running the narrator can go wrong with.
#[derive(Debug)]
pub enum NarratorError {
    /// No `python3` on the PATH.
    NoPython,
    /// It ran and failed; what it said.
    Failed(String),
}

/// CPython's transcript of `examples/python/{program}.py`, narrated on virtual time.
pub fn asyncio_transcript(program: &str) -> Result<String, NarratorError> {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new("python3")
        .arg(format!("{root}/tools/asyncio_narrator.py"))
        .arg("--virtual")
        .arg(format!("{root}/examples/python/{program}.py"))
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => NarratorError::NoPython,
            _ => NarratorError::Failed(error.to_string()),
        })?;
    if !output.status.success() {
        return Err(NarratorError::Failed(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The timed lines of a transcript (`[   1.000s] …`); anything else (a timeline, a warning) is
/// left out.
pub fn timed_lines(transcript: &str) -> Vec<Line> {
    transcript
        .lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix('[')?;
            let (time, text) = rest.split_once("s] ")?;
            let seconds: f64 = time.trim().parse().ok()?;
            Some(Line {
                millis: (seconds * 1000.0).round() as u64,
                text: text.to_string(),
            })
        })
        .collect()
}

/// The two transcripts as rows of two columns, one group of rows per moment of virtual time.
pub fn side_by_side(left: &[Line], right: &[Line], width: usize) -> Vec<String> {
    let mut moments: Vec<u64> = left.iter().chain(right).map(|line| line.millis).collect();
    moments.sort_unstable();
    moments.dedup();
    let mut rows = vec![
        format!(
            "{:>9}  {:<width$} │ {}",
            "time", "glassloop (GLASSLOOP_TRACE=1)", "asyncio (tools/asyncio_narrator.py)"
        ),
        format!("{:>9}  {:─<width$}─┼─{:─<width$}", "", "", ""),
    ];
    for moment in moments {
        let wrap_all = |lines: &[Line]| -> Vec<String> {
            lines
                .iter()
                .filter(|line| line.millis == moment)
                .flat_map(|line| wrap(&line.text, width))
                .collect()
        };
        let (ours, theirs) = (wrap_all(left), wrap_all(right));
        for i in 0..ours.len().max(theirs.len()) {
            let time = if i == 0 {
                format!("{:.3} s", moment as f64 / 1000.0)
            } else {
                String::new()
            };
            let a = ours.get(i).map_or("", String::as_str);
            let b = theirs.get(i).map_or("", String::as_str);
            rows.push(
                format!("{time:>9}  {a:<width$} │ {b}")
                    .trim_end()
                    .to_string(),
            );
        }
        rows.push(format!("{:>9}  {:width$} │", "", ""));
    }
    rows
}

/// `text` cut into pieces of at most `width` characters, at spaces where it can be; the pieces
/// after the first are indented by two.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let indent = if pieces.is_empty() { 0 } else { 2 };
        let would_be = current.chars().count() + word.chars().count() + 1;
        if !current.is_empty() && would_be + indent > width {
            pieces.push(current);
            current = String::new();
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    pieces.push(current);
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| if i == 0 { piece } else { format!("  {piece}") })
        .collect()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut program = None;
    let mut width = 70;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--width" => match args.next().and_then(|w| w.parse().ok()) {
                Some(w) if w >= 30 => width = w,
                _ => {
                    eprintln!("side_by_side: --width needs a number of at least 30");
                    return ExitCode::from(2);
                }
            },
            name => program = Some(name.to_string()),
        }
    }
    let Some(program) = program.filter(|p| PROGRAMS.contains(&p.as_str())) else {
        eprintln!(
            "usage: cargo run --example side_by_side -- PROGRAM [--width N]\n  PROGRAM: one of {}",
            PROGRAMS.join(", ")
        );
        return ExitCode::from(2);
    };
    let theirs = match asyncio_transcript(&program) {
        Ok(text) => text,
        Err(NarratorError::NoPython) => {
            eprintln!(
                "side_by_side: python3 was not found. The right-hand column is CPython's own \
                 loop: install Python 3.11 or newer (Debian: `sudo apt-get install python3`) \
                 and run this again."
            );
            return ExitCode::FAILURE;
        }
        Err(NarratorError::Failed(why)) => {
            eprintln!("side_by_side: the asyncio narrator failed:\n{why}");
            return ExitCode::FAILURE;
        }
    };
    println!("── {program}: what the demo prints ──");
    let ours = glassloop_trace(&program).expect("a known program");
    println!();
    for row in side_by_side(&timed_lines(&ours), &timed_lines(&theirs), width) {
        println!("{row}");
    }
    ExitCode::SUCCESS
}
