//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Counts its own drops into a shared counter.
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future that is ready after `pending_polls` polls, waking itself each time it is not, and
/// adds every poll to the shared `polls` counter.
pub struct CountPolls {
    pub polls: Rc<Cell<usize>>,
    pub pending_polls: usize,
}

impl Future for CountPolls {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.pending_polls == 0 {
            Poll::Ready(())
        } else {
            self.pending_polls -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A virtual-time runtime.
pub fn virtual_runtime() -> glassloop::Runtime {
    glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .expect("runtime")
}

/// The message of a caught panic, whether it was a literal or a formatted string.
pub fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// An `io::Write` that keeps what is written, shared with the test that reads it afterwards.
#[derive(Clone, Default)]
pub struct Capture(Rc<RefCell<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).expect("the trace is UTF-8")
    }
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn blessing() -> bool {
    std::env::var_os("GLASSLOOP_BLESS").is_some_and(|value| value == "1")
}

/// Compares `actual` with the golden file `tests/golden/{name}`, or rewrites the file when
/// `GLASSLOOP_BLESS=1`.
pub fn assert_golden(name: &str, actual: &str) {
    let path = repo_path("tests/golden").join(name);
    if blessing() {
        std::fs::create_dir_all(path.parent().expect("a parent directory"))
            .expect("create tests/golden");
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}. Create it with GLASSLOOP_BLESS=1",
            path.display()
        )
    });
    assert_same_text(&expected, actual, &path.display().to_string());
}

/// Like `assert_eq!` on two texts, but points at the first line that differs.
pub fn assert_same_text(expected: &str, actual: &str, what: &str) {
    if expected == actual {
        return;
    }
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    let mut number = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => number += 1,
            (e, a) => panic!(
                "{what} differs at line {number}:\n  expected: {e:?}\n  actual:   {a:?}\n\n\
                 the whole actual text:\n{actual}\n(if the change is deliberate, rerun with \
                 GLASSLOOP_BLESS=1 and review the diff)"
            ),
        }
    }
}

/// The book's marker for a quoted program output: `<!-- output: SOURCE -->` on the line right
/// before a ```text block (`tests/book.rs` explains the convention).
pub fn output_marker(source: &str) -> String {
    format!("<!-- output: {source} -->")
}

/// The lines of the ```text block that `doc` (a path from the repository's root) marks as
/// coming from `source`, with the block's indentation removed. Panics if there is none.
pub fn book_quote(doc: &str, source: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_path(doc))
        .unwrap_or_else(|error| panic!("cannot read {doc}: {error}"));
    let marker = output_marker(source);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.trim() == marker)
        .unwrap_or_else(|| panic!("{doc} has no quote marked {marker}"));
    let fence = lines.get(at + 1).copied().unwrap_or_default();
    assert!(
        fence.trim() == "```text",
        "in {doc}, {marker} must be followed by a ```text block"
    );
    let indent = fence.len() - fence.trim_start().len();
    lines[at + 2..]
        .iter()
        .take_while(|line| line.trim() != "```")
        .map(|line| {
            let strip = line.len() - line.trim_start().len();
            line[strip.min(indent)..].trim_end().to_owned()
        })
        .collect()
}

/// `line` with every port of 127.0.0.1 written `PORT`, and runs of spaces made one: a quote made
/// on another day had other ports, and the columns around them moved with their width.
pub fn without_ports(line: &str) -> String {
    const HOST: &str = "127.0.0.1:";
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(HOST) {
        out.push_str(&rest[..at + HOST.len()]);
        rest = &rest[at + HOST.len()..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("PORT");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    let indent = out.len() - out.trim_start().len();
    let words: Vec<&str> = out.split_whitespace().collect();
    format!("{}{}", &out[..indent], words.join(" "))
}

/// A SQLite file of its own for one test, in the temporary directory, named after the test
/// binary, the name given and the process; removed before (left over from a killed run) and after,
/// with SQLite's `-wal` and `-shm` companions.
pub struct TempDb(pub PathBuf);

impl TempDb {
    pub fn new(name: &str) -> TempDb {
        let path = std::env::temp_dir().join(format!(
            "glassloop-{}-{name}-{}.sqlite3",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        remove_db(&path);
        TempDb(path)
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        remove_db(&self.0);
    }
}

/// Removes a SQLite file and its companions, if they are there.
pub fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}
