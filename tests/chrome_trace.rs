//! `Builder::chrome_trace` / `GLASSLOOP_TRACE=chrome:PATH`: the run as Chrome's Trace Event
//! Format, which Perfetto and `chrome://tracing` open. The file is parsed (serde_json) and held to
//! its structure: every poll of the trace is a complete event on its task's row, every wake a
//! flow with both ends, every row named, and each row's times in order.

#[allow(dead_code)] // the tour's own `main` is not used here
#[path = "../examples/tour.rs"]
mod tour;

mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde_json::Value;
use support::Capture;

/// A file of its own in the temporary directory, removed afterwards.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        TempFile(std::env::temp_dir().join(format!(
            "glassloop-chrome-{name}-{}.json",
            std::process::id()
        )))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs a tour demo with the trace's lines captured and the Chrome trace written; both.
fn run(name: &str, demo: fn(glassloop::Builder)) -> (String, Vec<Value>) {
    // A file per test thread too: the tests run at the same time.
    let thread = std::thread::current();
    let test = thread
        .name()
        .unwrap_or("main")
        .rsplit("::")
        .next()
        .unwrap()
        .to_string();
    let file = TempFile::new(&format!("{name}-{test}"));
    let lines = Capture::default();
    demo(
        glassloop::Runtime::builder()
            .virtual_time(true)
            .trace(true)
            .trace_to(lines.clone())
            .chrome_trace(&file.0),
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&file.0).unwrap())
        .expect("the Chrome trace is JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents").clone();
    (lines.text(), events)
}

/// A demo of the tour, run on the loop a builder makes.
type Demo = fn(glassloop::Builder);

fn demos() -> Vec<(&'static str, Demo)> {
    vec![
        ("get_user", |b| {
            tour::get_user::demo(b);
        }),
        ("create_task", |b| {
            tour::create_task::demo(b);
        }),
        ("tea_and_toast", |b| {
            tour::tea_and_toast::demo(b);
        }),
    ]
}

#[test]
fn every_poll_of_the_trace_is_a_bar_on_its_tasks_row() {
    for (name, demo) in demos() {
        let (lines, events) = run(name, demo);
        let polled = lines.lines().filter(|l| l.ends_with(" polled")).count();
        let bars: Vec<&Value> = events
            .iter()
            .filter(|e| e["ph"] == "X" && e["name"] == "poll")
            .collect();
        assert_eq!(bars.len(), polled, "{name}: one bar per `polled` line");
        assert!(polled > 0);
        for bar in &bars {
            let said = bar["args"]["trace"].as_str().unwrap();
            assert!(
                lines.contains(said),
                "{name}: a bar's line is not a line of the trace: {said}"
            );
            assert!(bar["dur"].as_f64().unwrap() >= 0.0);
        }
    }
}

#[test]
fn every_wake_is_a_flow_with_both_ends_and_every_row_is_named() {
    for (name, demo) in demos() {
        let (lines, events) = run(name, demo);
        let mut ends: HashMap<u64, (usize, usize)> = HashMap::new();
        for event in &events {
            match event["ph"].as_str().unwrap() {
                "s" => ends.entry(event["id"].as_u64().unwrap()).or_default().0 += 1,
                "f" => ends.entry(event["id"].as_u64().unwrap()).or_default().1 += 1,
                _ => {}
            }
        }
        let woken = lines.lines().filter(|l| l.contains(" woken by ")).count();
        assert_eq!(ends.len(), woken, "{name}: one flow per `woken by` line");
        assert!(
            ends.values().all(|&pair| pair == (1, 1)),
            "{name}: {ends:?}"
        );
        // Every row an event is on has a name; main and the loop are among them.
        let named: HashMap<u64, String> = events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
            .map(|e| {
                (
                    e["tid"].as_u64().unwrap(),
                    e["args"]["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(named.get(&0).map(String::as_str), Some("main()"));
        for event in &events {
            let tid = event["tid"].as_u64().unwrap();
            assert!(named.contains_key(&tid), "{name}: row {tid} has no name");
        }
        let spawned = lines
            .lines()
            .filter(|l| l.contains(" spawned (create_task)"))
            .count();
        assert_eq!(
            named.len(),
            spawned + 2,
            "{name}: a row per task, main's and the loop's"
        );
    }
}

#[test]
fn the_times_of_each_row_are_in_order_and_parks_are_on_the_loops_row() {
    let (_, events) = run("tea_and_toast", |b| {
        tour::tea_and_toast::demo(b);
    });
    let mut last: BTreeMap<u64, f64> = BTreeMap::new();
    for event in events.iter().filter(|e| e["ph"] != "M") {
        let (tid, ts) = (
            event["tid"].as_u64().unwrap(),
            event["ts"].as_f64().unwrap(),
        );
        let before = last.insert(tid, ts).unwrap_or(0.0);
        assert!(ts >= before, "row {tid}: {ts} after {before}");
    }
    let jumps: Vec<&Value> = events
        .iter()
        .filter(|e| e["name"] == "virtual jump")
        .collect();
    assert!(!jumps.is_empty());
    assert!(jumps
        .iter()
        .all(|j| j["tid"] == 1_000_000 && j["ph"] == "X"));
    // tea and toast take 8 s of virtual time: the last event is at 8,000,000 µs.
    let end = events
        .iter()
        .filter_map(|e| e["ts"].as_f64())
        .fold(0.0, f64::max);
    assert_eq!(end, 8_000_000.0);
}

/// Set in the copy of this test binary that checks the environment variable.
const CHILD: &str = "GLASSLOOP_CHROME_TEST_CHILD";

#[test]
fn glassloop_trace_chrome_path_in_the_environment_writes_the_file() {
    if let Some(path) = std::env::var_os(CHILD) {
        let _ = path;
        let runtime = glassloop::Runtime::builder()
            .virtual_time(true)
            .build()
            .unwrap();
        runtime.block_on(async { glassloop::spawn(async {}).await.unwrap() });
        return;
    }
    let file = TempFile::new("env");
    let name = "glassloop_trace_chrome_path_in_the_environment_writes_the_file";
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--test-threads", "1"])
        .env(CHILD, "1")
        .env("GLASSLOOP_TRACE", format!("chrome:{}", file.0.display()))
        .status()
        .unwrap();
    assert!(status.success());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&file.0).unwrap()).unwrap();
    assert!(json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "poll"));
}
