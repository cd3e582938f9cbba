//! The book tells the truth: every program output it quotes is checked against what the code
//! prints, the drawings it copies from the source are the source's, and its list of the trace's
//! lines is complete.
//!
//! The convention for a quoted output: an HTML comment on the line right before its ```text
//! block says where the output comes from. Two kinds of source:
//!
//! - `<!-- output: tests/golden/NAME -->` — a golden file (the ones `tests/trace.rs` and
//!   `tests/introspection.rs` compare with what the loop prints). The quote's lines, less their
//!   common indentation (a quote inside a list item), must be lines of the file: each stretch of
//!   the quote between lines that are just `...` as consecutive lines of the file, the stretches
//!   in the file's order.
//! - `<!-- output: tests/FILE.rs TEST -->` — an output no golden file holds: the test `TEST` in
//!   `tests/FILE.rs` makes the program print it and compares it with the quote (this file has two,
//!   `tests/users_api.rs` and `tests/http_conformance.rs` one each).
//!
//! The book is `README.md`, `docs/*.md`, and the doc comments of every Rust source file (their
//! text blocks are quotes too). Any block there that looks like program output — a trace or
//! dump line (`[   1.000s] …`), a server's `listening on http…`, the HTTP demo's report, a
//! timeline, an HTTP answer on the wire (`< HTTP/1.1 …`) — must carry a marker, so a new quote cannot go unchecked.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

mod support;
use support::{book_quote, output_marker, repo_path, without_ports, Capture};

#[allow(dead_code)] // only `demo` is used here
#[path = "../examples/create_task.rs"]
mod create_task;

#[allow(dead_code)] // only `demo` is used here
#[path = "../examples/http_get/demo.rs"]
mod http_get;

// ---------------------------------------------------------------------------------------------
// Reading the book
// ---------------------------------------------------------------------------------------------

/// One file of the book, as markdown: a doc file as it is, a Rust file as its doc comments (every
/// other line blank, so line numbers stay true).
struct Page {
    path: String,
    markdown: String,
    /// In a Rust doc comment a block with no language is Rust code.
    rust_docs: bool,
}

/// One fenced block of a page.
struct Block {
    path: String,
    /// The line of the opening fence, counted from 1.
    line: usize,
    /// What follows the opening fence (`text`, `rust`, …).
    info: String,
    /// `SOURCE` of an `<!-- output: SOURCE -->` on the line before the fence.
    source: Option<String>,
    /// The lines inside, with the fence's indentation removed.
    lines: Vec<String>,
}

impl Block {
    fn place(&self) -> String {
        format!("{}:{}", self.path, self.line)
    }

    /// Whether the block is Rust code (compiled by the doc tests, not quoted output).
    fn is_rust(&self, rust_docs: bool) -> bool {
        let words: Vec<&str> = self.info.split(',').map(str::trim).collect();
        let rust_word = |word: &&str| {
            matches!(
                *word,
                "rust" | "no_run" | "ignore" | "should_panic" | "compile_fail"
            ) || word.starts_with("edition")
        };
        words.iter().any(rust_word) || (rust_docs && self.info.is_empty())
    }

    fn looks_like_output(&self) -> bool {
        self.lines.iter().any(|line| looks_like_output(line))
    }
}

/// Every page of the book.
fn pages() -> Vec<Page> {
    let mut pages = vec![page("README.md")];
    let mut chapters: Vec<String> = fs::read_dir(repo_path("docs"))
        .expect("read docs/")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| format!("docs/{}", path.file_name().unwrap().to_string_lossy()))
        .collect();
    chapters.sort();
    pages.extend(chapters.iter().map(|path| page(path)));
    for dir in ["executor/src", "timer/src", "src", "macros/src", "examples"] {
        for file in rust_files(&repo_path(dir)) {
            let path = format!(
                "{dir}/{}",
                file.strip_prefix(repo_path(dir)).unwrap().display()
            );
            let code = fs::read_to_string(&file).expect("read a source file");
            let markdown = code
                .lines()
                .map(|line| doc_text(line).unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            pages.push(Page {
                path,
                markdown,
                rust_docs: true,
            });
        }
    }
    pages
}

fn page(path: &str) -> Page {
    Page {
        path: path.to_owned(),
        markdown: fs::read_to_string(repo_path(path)).expect("read a page of the book"),
        rust_docs: false,
    }
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).expect("read a source folder") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The text of a `//!` or `///` line (without the marker and the one space after it).
fn doc_text(line: &str) -> Option<&str> {
    let code = line.trim_start();
    let text = code
        .strip_prefix("//!")
        .or_else(|| code.strip_prefix("///"))?;
    Some(text.strip_prefix(' ').unwrap_or(text))
}

/// The fenced blocks of a page.
fn blocks(page: &Page) -> Vec<Block> {
    let lines: Vec<&str> = page.markdown.lines().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let fence = lines[at];
        let Some(info) = fence.trim_start().strip_prefix("```") else {
            at += 1;
            continue;
        };
        let indent = fence.len() - fence.trim_start().len();
        let source = at
            .checked_sub(1)
            .and_then(|before| marker_source(lines[before]));
        let fence_line = at + 1;
        let mut inside = Vec::new();
        at += 1;
        while at < lines.len() && lines[at].trim() != "```" {
            let line = lines[at];
            let strip = (line.len() - line.trim_start().len()).min(indent);
            inside.push(line[strip..].trim_end().to_owned());
            at += 1;
        }
        found.push(Block {
            path: page.path.clone(),
            line: fence_line,
            info: info.trim().to_owned(),
            source,
            lines: inside,
        });
        at += 1; // the closing fence
    }
    found
}

/// `SOURCE` if `line` is `<!-- output: SOURCE -->`.
fn marker_source(line: &str) -> Option<String> {
    let inner = line
        .trim()
        .strip_prefix("<!-- output:")?
        .strip_suffix("-->")?;
    Some(inner.trim().to_owned())
}

/// Whether a line is something a program of this project prints: a trace or dump line, a
/// server's first words, the HTTP demo's report, a timeline's title, a shutdown report.
fn looks_like_output(line: &str) -> bool {
    has_time_stamp(line)
        || line.contains("listening on http")
        || line.contains("GETs at once against")
        || (line.contains(" bytes in ") && line.trim_end().ends_with(" s"))
        || (line.trim_start().starts_with("total: ") && line.contains(" requests"))
        || (line.trim_start().starts_with("timeline (") && line.contains(" in all"))
        || line.contains("shutting down:")
        || line.contains("shut down:")
        || line.trim_start().starts_with("< HTTP/1.1 ") // an answer on the wire
        || line.contains("│ asyncio (tools/asyncio_narrator.py)") // the side-by-side's heading
}

/// Whether `line` holds a time stamp of the trace: `[`, spaces, digits, `.`, three digits, `s]`.
fn has_time_stamp(line: &str) -> bool {
    line.match_indices('[').any(|(at, _)| {
        let rest = line[at + 1..].trim_start_matches(' ');
        let whole = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let Some(fraction) = rest[whole..].strip_prefix('.') else {
            return false;
        };
        let digits = fraction.len()
            - fraction
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .len();
        whole > 0 && digits == 3 && fraction[3..].starts_with("s]")
    })
}

/// Removes the indentation every non-blank line shares.
fn dedent(lines: &[String]) -> Vec<String> {
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or("").to_owned())
        .collect()
}

/// Checks that `quote` is made of lines of `printed`: each stretch between `...` lines appears
/// there as consecutive lines, the stretches in order. Says what is missing otherwise.
fn check_quote(quote: &[String], printed: &[String]) -> Result<(), String> {
    let stretches: Vec<&[String]> = quote
        .split(|line| line.trim() == "...")
        .filter(|stretch| !stretch.is_empty())
        .collect();
    if stretches.is_empty() {
        return Err("the quote is empty".to_owned());
    }
    let same = |a: &String, b: &String| a.trim_end() == b.trim_end();
    let mut from = 0;
    for stretch in stretches {
        let found = (from..=printed.len().saturating_sub(stretch.len())).find(|&start| {
            printed[start..]
                .iter()
                .zip(stretch.iter())
                .take(stretch.len())
                .filter(|(a, b)| same(a, b))
                .count()
                == stretch.len()
        });
        match found {
            Some(start) => from = start + stretch.len(),
            None => {
                return Err(format!(
                    "these lines are not, in this order and together, in what was printed \
                     (after the part quoted before them):\n{}",
                    stretch.join("\n")
                ))
            }
        }
    }
    Ok(())
}

fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

// ---------------------------------------------------------------------------------------------
// Every quoted output has a source, and agrees with it
// ---------------------------------------------------------------------------------------------

#[test]
fn the_detector_knows_what_output_looks_like() {
    for line in [
        "[   0.000s] main() polled",
        "[  12.345s] dump: the loop is stuck: no task can run and no timer is armed, …",
        "listening on http://127.0.0.1:8000",
        "  http://127.0.0.1:33895/delay/300         200 OK            14 bytes in 0.300 s",
        "total: 1.200 s for 5 requests — the slowest one took 1.200 s; …",
        "timeline (virtual time): 6.000 s in all, one column = 100 ms",
        "shut down: every request in flight finished; 2 connections closed",
    ] {
        assert!(looks_like_output(line), "{line:?} is output");
    }
    for line in [
        "level 0   64 slots ×   1 ms      range:   64 ms",
        "differing = elapsed XOR deadline",
        "[0.5s] a note",
        "  the loop           event_loop/  (the turn; spawning and joining)",
    ] {
        assert!(!looks_like_output(line), "{line:?} is not output");
    }
}

#[test]
fn every_quoted_output_says_where_it_comes_from() {
    let mut unmarked = Vec::new();
    let mut marked = 0;
    for page in pages() {
        for block in blocks(&page) {
            if block.is_rust(page.rust_docs) || !block.looks_like_output() {
                continue;
            }
            match &block.source {
                Some(_) => marked += 1,
                None => unmarked.push(block.place()),
            }
        }
    }
    assert!(
        unmarked.is_empty(),
        "these quotes of program output say nowhere where the output comes from; put \
         `<!-- output: tests/golden/NAME -->` (or `<!-- output: tests/FILE.rs TEST -->`, with a \
         test that checks the quote) on the line before each:\n  {}",
        unmarked.join("\n  ")
    );
    // The book quotes outputs in README.md, five chapters, trace.rs and timeline.rs.
    assert!(marked >= 10, "only {marked} marked quotes found");
}

#[test]
fn every_marker_names_a_golden_file_or_a_test_that_checks_the_quote() {
    let mut problems = Vec::new();
    for page in pages() {
        for block in blocks(&page) {
            let Some(source) = &block.source else {
                continue;
            };
            if block.info != "text" {
                problems.push(format!(
                    "{}: a marked quote must be a ```text block",
                    block.place()
                ));
            }
            if !block.looks_like_output() {
                problems.push(format!(
                    "{}: marked as output, but nothing in it looks like output (teach \
                     `looks_like_output` what it looks like)",
                    block.place()
                ));
            }
            match source.split_once(' ') {
                None if source.starts_with("tests/golden/") => {
                    if !repo_path(source).is_file() {
                        problems.push(format!("{}: no golden file {source}", block.place()));
                    }
                }
                Some((file, test)) if file.starts_with("tests/") && file.ends_with(".rs") => {
                    let code = fs::read_to_string(repo_path(file)).unwrap_or_default();
                    if !code.contains(&format!("fn {test}()")) {
                        problems.push(format!("{}: no test `{test}` in {file}", block.place()));
                    }
                    // The test must read this very quote: it names the page it is on.
                    let page_name = block.path.rsplit('/').next().unwrap_or(&block.path);
                    if !code.contains(page_name) {
                        problems.push(format!(
                            "{}: {file} never mentions {page_name}, so `{test}` cannot be \
                             checking this quote",
                            block.place()
                        ));
                    }
                }
                _ => problems.push(format!(
                    "{}: `{source}` is neither tests/golden/NAME nor tests/FILE.rs TEST",
                    block.place()
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn quotes_of_golden_files_are_made_of_their_lines() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for page in pages() {
        for block in blocks(&page) {
            let Some(source) = block.source.as_deref().filter(|s| !s.contains(' ')) else {
                continue;
            };
            let Ok(golden) = fs::read_to_string(repo_path(source)) else {
                continue; // the marker test names it
            };
            checked += 1;
            if let Err(problem) = check_quote(&dedent(&block.lines), &lines_of(&golden)) {
                problems.push(format!("{} (quoting {source}): {problem}", block.place()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(checked >= 7, "only {checked} quotes of golden files found");
}

/// The check itself: a quote that leaves lines out without a `...`, or reorders them, fails.
#[test]
fn a_quote_must_keep_the_order_and_mark_what_it_leaves_out() {
    let printed = lines_of("a\nb\nc\nd\n");
    let quote = |text: &str| lines_of(text);
    assert!(check_quote(&quote("a\nb"), &printed).is_ok());
    assert!(check_quote(&quote("b\n...\nd"), &printed).is_ok());
    assert!(
        check_quote(&quote("a\nc"), &printed).is_err(),
        "b left out silently"
    );
    assert!(
        check_quote(&quote("c\n...\nb"), &printed).is_err(),
        "out of order"
    );
    assert!(
        check_quote(&quote("a\nx"), &printed).is_err(),
        "x was never printed"
    );
}

/// Chapter 2's excerpt of `create_task`'s trace is what the loop prints for the demo today, on
/// virtual time (the same run as `GLASSLOOP_TRACE=1 cargo run --example create_task --
/// --virtual`).
#[test]
fn the_create_task_trace_quoted_in_chapter_2_is_what_the_loop_prints() {
    assert!(
        std::env::var_os("GLASSLOOP_TRACE").is_none(),
        "unset GLASSLOOP_TRACE to run the book's tests: it adds output of its own"
    );
    let capture = Capture::default();
    create_task::demo(
        glassloop::Runtime::builder()
            .virtual_time(true)
            .trace(true)
            .trace_to(capture.clone()),
    );
    let quote = book_quote(
        "docs/reading-the-trace.md",
        "tests/book.rs the_create_task_trace_quoted_in_chapter_2_is_what_the_loop_prints",
    );
    if let Err(problem) = check_quote(&quote, &lines_of(&capture.text())) {
        panic!(
            "docs/reading-the-trace.md quotes create_task's trace wrongly: {problem}\n\nthe \
             trace:\n{}",
            capture.text()
        );
    }
}

/// Set in the copy of this test binary that runs the HTTP demo (see below).
const CHILD: &str = "GLASSLOOP_BOOK_CHILD";
const BEGIN: &str = "--- the demo's output begins ---";
const END: &str = "--- the demo's output ends ---";

/// The report of `cargo run --example http_get -- --virtual` quoted in docs/http.md is what the
/// demo prints, ports aside. The demo prints on stdout, which a test cannot capture in-process,
/// so this test runs itself again as a child process (`CHILD` set) that prints the demo's output
/// between two marks.
#[test]
fn the_http_get_report_quoted_in_the_http_chapter_is_what_the_demo_prints() {
    if std::env::var_os(CHILD).is_some() {
        println!("{BEGIN}");
        let runtime = glassloop::Runtime::builder()
            .virtual_time(true)
            .build()
            .expect("runtime");
        runtime
            .block_on(http_get::demo())
            .expect("the demo's local server starts");
        println!("{END}");
        return;
    }
    let name = "the_http_get_report_quoted_in_the_http_chapter_is_what_the_demo_prints";
    let output = Command::new(std::env::current_exe().expect("this test's binary"))
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .env_remove("GLASSLOOP_TRACE")
        .output()
        .expect("run the demo in a child process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the child failed:\n{stdout}");
    let printed = stdout
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(printed, _)| printed)
        .unwrap_or_else(|| panic!("the child printed no demo output:\n{stdout}"));
    let printed: Vec<String> = printed
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(without_ports)
        .collect();
    let quote: Vec<String> = book_quote("docs/http.md", &format!("tests/book.rs {name}"))
        .iter()
        .map(|line| without_ports(line))
        .collect();
    assert_eq!(
        quote, printed,
        "docs/http.md quotes the http_get demo's report (left), the demo prints (right)"
    );
}

// ---------------------------------------------------------------------------------------------
// Drawings copied from the source
// ---------------------------------------------------------------------------------------------

/// The first ```text block after `heading` in a page of markdown.
fn drawing_after(markdown: &str, heading: &str, what: &str) -> Vec<String> {
    let page = Page {
        path: what.to_owned(),
        markdown: markdown.to_owned(),
        rust_docs: false,
    };
    let heading_line = markdown
        .lines()
        .position(|line| line.trim() == heading)
        .unwrap_or_else(|| panic!("{what} has no heading {heading:?}"));
    blocks(&page)
        .into_iter()
        .find(|block| block.line > heading_line && block.info == "text")
        .unwrap_or_else(|| panic!("{what} has no ```text block after {heading:?}"))
        .lines
}

/// A Rust file's doc comments as markdown (other lines blank).
fn doc_markdown(path: &str) -> String {
    fs::read_to_string(repo_path(path))
        .expect("read a source file")
        .lines()
        .map(|line| doc_text(line).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_task_state_diagram_in_the_loop_chapter_is_the_one_in_task_mod_rs() {
    let source = drawing_after(
        &doc_markdown("executor/src/task/mod.rs"),
        "# The states of a task",
        "executor/src/task/mod.rs",
    );
    let chapter = drawing_after(
        &fs::read_to_string(repo_path("docs/event-loop.md")).expect("read the chapter"),
        "## A task's life",
        "docs/event-loop.md",
    );
    assert!(source.len() > 10, "the diagram in task/mod.rs is drawn");
    for (number, (in_source, in_chapter)) in source.iter().zip(&chapter).enumerate() {
        assert_eq!(
            in_source,
            in_chapter,
            "line {} of the diagram differs (left: executor/src/task/mod.rs, right: \
             docs/event-loop.md)",
            number + 1
        );
    }
    assert_eq!(
        source.len(),
        chapter.len(),
        "the diagrams have as many lines"
    );
}

/// The names a layer drawing gives (files `x.rs` and folders `x/`), each with the label of the
/// layer it is drawn in (the text before the names' column, on its line or the nearest line
/// above that has one).
fn layers(drawing: &[String]) -> BTreeMap<String, String> {
    let is_name = |word: &str| {
        let stem = word.strip_suffix(".rs").or_else(|| word.strip_suffix('/'));
        stem.is_some_and(|stem| {
            !stem.is_empty() && stem.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    };
    // The names' column: where the first name of the first line starts.
    let first = drawing.first().expect("a drawing has lines");
    let column = first
        .split_whitespace()
        .find(|word| is_name(word))
        .and_then(|word| first.find(word))
        .expect("the first line names a file");
    let mut found = BTreeMap::new();
    let mut label = String::new();
    for line in drawing {
        let head = line.get(..column.min(line.len())).unwrap_or("").trim();
        if !head.is_empty() {
            label = head.to_owned();
        }
        let mut depth = 0usize; // inside parentheses, words are descriptions, not names
        for word in line
            .get(column.min(line.len())..)
            .unwrap_or("")
            .split_whitespace()
        {
            if depth == 0 && is_name(word) {
                found.insert(word.to_owned(), label.clone());
            }
            depth += word.matches('(').count();
            depth = depth.saturating_sub(word.matches(')').count());
        }
    }
    found
}

#[test]
fn the_source_map_in_the_book_names_every_folder_and_root_file_as_lib_rs_does() {
    let book = layers(&drawing_after(
        &fs::read_to_string(repo_path("docs/README.md")).expect("read the book's front page"),
        "## How the source is laid out",
        "docs/README.md",
    ));
    let crate_docs = layers(&drawing_after(
        &format!("# Top\n{}", doc_markdown("executor/src/lib.rs")),
        "# Top",
        "executor/src/lib.rs",
    ));
    let mut on_disk: Vec<String> = fs::read_dir(repo_path("executor/src"))
        .expect("read executor/src")
        .map(|entry| entry.expect("a directory entry").path())
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            if path.is_dir() {
                Some(format!("{name}/"))
            } else {
                // lib.rs is the crate's front page, where the drawing itself lives.
                (name.ends_with(".rs") && name != "lib.rs").then_some(name)
            }
        })
        .collect();
    on_disk.sort();
    let drawn: Vec<String> = book.keys().cloned().collect();
    assert_eq!(
        drawn, on_disk,
        "docs/README.md's drawing (left) must name every folder and root file of executor/src \
         (right), and nothing else"
    );
    assert_eq!(
        book, crate_docs,
        "docs/README.md's drawing (left) puts each part in the same layer as executor/src/lib.rs's \
         (right)"
    );
}

#[test]
fn the_chapter_list_links_every_chapter() {
    let front = fs::read_to_string(repo_path("docs/README.md")).expect("read the front page");
    let list: String = front
        .split("## Chapters, in reading order")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the front page lists the chapters")
        .to_owned();
    for entry in fs::read_dir(repo_path("docs")).expect("read docs/") {
        let name = entry
            .expect("a directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".md") && name != "README.md" {
            assert!(
                list.contains(&format!("]({name})")),
                "the chapter list in docs/README.md does not link {name}"
            );
        }
    }
    for link in list.split("](").skip(1) {
        let target = link.split(')').next().unwrap_or("");
        assert!(
            repo_path("docs").join(target).is_file(),
            "the chapter list links {target}, which is not a chapter"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Chapter 2 lists every kind of line
// ---------------------------------------------------------------------------------------------

/// The lines of `path` from the line that starts `item` down to the line that closes it (the
/// first `}` at the item's indentation, as rustfmt writes it).
fn item(path: &str, starts: &str) -> String {
    let code = fs::read_to_string(repo_path(path)).expect("read a source file");
    let lines: Vec<&str> = code.lines().collect();
    let first = lines
        .iter()
        .position(|line| line.trim_start().starts_with(starts))
        .unwrap_or_else(|| panic!("no `{starts}` in {path}"));
    let indent = lines[first].len() - lines[first].trim_start().len();
    let closing = format!("{}}}", " ".repeat(indent));
    let last = (first..lines.len())
        .find(|&at| lines[at] == closing)
        .unwrap_or_else(|| panic!("`{starts}` in {path} never closes"));
    lines[first..=last].join("\n")
}

/// The string literals of some Rust code, as the program sees them (escapes and line
/// continuations resolved), comments skipped.
fn string_literals(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut literals = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        match chars[at] {
            '/' if chars.get(at + 1) == Some(&'/') => {
                while at < chars.len() && chars[at] != '\n' {
                    at += 1;
                }
            }
            // A char literal ('x', '\n'); otherwise a lifetime ('_, 'static).
            '\'' if chars.get(at + 1) == Some(&'\\') => {
                at += 3; // the quote, the backslash and the escaped character
                while at < chars.len() && chars[at] != '\'' {
                    at += 1;
                }
                at += 1;
            }
            '\'' if chars.get(at + 2) == Some(&'\'') => at += 3,
            '"' => {
                let mut literal = String::new();
                at += 1;
                while at < chars.len() && chars[at] != '"' {
                    if chars[at] == '\\' {
                        at += 1;
                        match chars.get(at) {
                            Some('n') => literal.push('\n'),
                            Some('t') => literal.push('\t'),
                            Some('\n') => {
                                // A line continuation: the newline and the next line's indent go.
                                while chars.get(at + 1).is_some_and(|c| c.is_whitespace()) {
                                    at += 1;
                                }
                            }
                            Some(&other) => literal.push(other),
                            None => {}
                        }
                    } else {
                        literal.push(chars[at]);
                    }
                    at += 1;
                }
                literals.push(literal);
                at += 1;
            }
            _ => at += 1,
        }
    }
    literals
}

/// The fixed words of a format string: what is left between its `{…}` placeholders, trimmed.
fn fixed_words(format: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                current.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                current.push('}');
            }
            '{' => {
                for inner in chars.by_ref() {
                    if inner == '}' {
                        break;
                    }
                }
                words.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    words.push(current);
    words
        .into_iter()
        .map(|word| word.trim().to_owned())
        .filter(|word| !word.is_empty())
        .collect()
}

/// Whether `line` holds every word of `words`, in order.
fn holds_in_order(line: &str, words: &[String]) -> bool {
    let mut rest = line;
    words.iter().all(|word| match rest.find(word.as_str()) {
        Some(at) => {
            rest = &rest[at + word.len()..];
            true
        }
        None => false,
    })
}

/// Texts the code holds but never prints: a case the loop never makes.
const NEVER_PRINTED: &[&str] = &[
    // `WaitingOn::Unknown`: the dump's records come from what a task's slot notes, which has no
    // such case.
    "something outside glassloop",
];

#[test]
fn chapter_2_lists_every_kind_of_line_the_trace_and_the_dump_print() {
    let chapter =
        fs::read_to_string(repo_path("docs/reading-the-trace.md")).expect("read chapter 2");
    let section = chapter
        .split("\n## Every kind of line")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("chapter 2 has a section \"Every kind of line\"");
    // Where the words are made: the trace's sentences and causes, the tasks' labels, the dump's
    // headings and its one line per task.
    let sources = [
        ("executor/src/observe/trace.rs", "fn cause("),
        ("executor/src/observe/trace.rs", "fn describe("),
        ("executor/src/observe/labels.rs", "pub(crate) fn spawned("),
        ("executor/src/observe/dump.rs", "impl Watcher for Dump"),
        ("executor/src/observe/dump.rs", "pub(crate) fn render_dump("),
        (
            "executor/src/observe/introspect.rs",
            "impl fmt::Display for TaskInfo",
        ),
        (
            "executor/src/observe/introspect.rs",
            "impl fmt::Display for WaitingOn",
        ),
        ("executor/src/observe/introspect.rs", "fn what(self)"),
    ];
    let mut missing = Vec::new();
    let mut checked = 0;
    for (path, starts) in sources {
        for literal in string_literals(&item(path, starts)) {
            let words = fixed_words(&literal);
            if words.is_empty() || NEVER_PRINTED.contains(&literal.as_str()) {
                continue;
            }
            checked += 1;
            if !section.lines().any(|line| holds_in_order(line, &words)) {
                missing.push(format!("{literal:?} (from {path}, `{starts}`)"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/reading-the-trace.md, \"Every kind of line\", has no line with the words of:\n  {}",
        missing.join("\n  ")
    );
    // describe alone has over thirty sentences.
    assert!(
        checked > 40,
        "only {checked} texts found: is the parsing broken?"
    );
}

#[test]
fn the_words_of_a_format_string_are_found_in_order() {
    assert_eq!(
        fixed_words("timer armed by {by}: due at {:.3}s"),
        ["timer armed by", ": due at", "s"]
    );
    assert_eq!(
        string_literals("write!(out, \"a \\\"b\\\" \\\n      c\") // \"not this\"\n'x'; 'y"),
        ["a \"b\" c"]
    );
    // Char literals that hold a quote are not strings; a lifetime is not a char literal.
    assert_eq!(string_literals("'\\''; '\"'; f::<'_>(\"yes\")"), ["yes"]);
    let words = fixed_words("{} woken by {}");
    assert!(holds_in_order("`main() woken by a timer`", &words));
    assert!(!holds_in_order(
        "`main() woken from another thread`",
        &words
    ));
}

// ---------------------------------------------------------------------------------------------
// One figure for the cost of the trace
// ---------------------------------------------------------------------------------------------

/// The trace's cost is measured in one place of the book (chapter 2, with its date and command);
/// the other places point there instead of giving figures of their own that could disagree.
#[test]
fn the_cost_of_the_trace_is_measured_in_one_place() {
    let naming_the_command: Vec<String> = pages()
        .into_iter()
        .filter(|page| !page.rust_docs && page.markdown.contains("--example trace_overhead"))
        .map(|page| page.path)
        .collect();
    assert_eq!(naming_the_command, ["docs/reading-the-trace.md"]);
    let chapter = page("docs/reading-the-trace.md").markdown;
    let section = chapter
        .split("\n## What tracing costs")
        .nth(1)
        .expect("chapter 2 has a section \"What tracing costs\"");
    assert!(section.contains("cargo run --release --example trace_overhead"));
    assert!(
        section.contains("2026-12-03"),
        "the figure says when it was measured"
    );
}

#[test]
fn output_markers_read_as_the_helpers_write_them() {
    let marker = output_marker("tests/golden/get_user.trace.txt");
    assert_eq!(
        marker_source(&format!("   {marker}")).as_deref(),
        Some("tests/golden/get_user.trace.txt")
    );
    assert_eq!(
        without_ports("  http://127.0.0.1:33895/delay/300     200 OK"),
        "  http://127.0.0.1:PORT/delay/300 200 OK"
    );
}

// ---------------------------------------------------------------------------------------------
// "The real one is …": the build-your-own chapter points into the source
// ---------------------------------------------------------------------------------------------

/// Every "`NAME` in `executor/src/…`" in docs/build-your-own.md (and "`A` and `B` in `…`") names
/// a function, a method or a type that is defined in that file: the chapter sends the reader to
/// the real code, and the code must be there.
#[test]
fn the_build_your_own_chapter_names_functions_that_exist_where_it_says() {
    let chapter = fs::read_to_string(repo_path("docs/build-your-own.md")).unwrap();
    let text = chapter.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut checked = 0;
    let mut problems = Vec::new();
    for (at, _) in text.match_indices("` in `executor/src/") {
        let path_start = at + "` in `".len();
        let path_end = path_start + text[path_start..].find('`').unwrap();
        let path = &text[path_start..path_end];
        // The names just before: "`A` in", or "`A` and `B` in".
        let before = &text[..at];
        let mut names = Vec::new();
        let name_start = before.rfind('`').unwrap() + 1;
        names.push(&before[name_start..]);
        if let Some(rest) = before[..name_start - 1].strip_suffix("` and ") {
            names.push(&rest[rest.rfind('`').unwrap() + 1..]);
        }
        let code = fs::read_to_string(repo_path(path)).unwrap_or_default();
        for name in names {
            let item = name.rsplit("::").next().unwrap();
            let defined = [
                format!("fn {item}("),
                format!("fn {item}<"),
                format!("struct {item} "),
                format!("struct {item}<"),
                format!("struct {item}("),
            ]
            .iter()
            .any(|definition| code.contains(definition.as_str()));
            if !defined {
                problems.push(format!("`{name}` is not defined in {path}"));
            }
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 10, "only {checked} references found");
}
