//! `Builder::timeline_html` / `GLASSLOOP_TRACE=html:PATH`: one self-contained web page. Here,
//! without a browser: the page holds its data as JSON in a script, with a lane per task, and
//! every line of the trace is in it (a poll's, a mark's, a wake's or a park's); nothing on it
//! comes from the network. `scripts/check_html_timeline.py` loads the pages in headless Chromium
//! and checks what they render.

#[allow(dead_code)] // the tour's own `main` is not used here
#[path = "../examples/tour.rs"]
mod tour;

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;
use support::Capture;

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A demo's trace lines and its page.
fn page(name: &str, demo: fn(glassloop::Builder)) -> (String, String) {
    // A file per test thread too: the tests run at the same time.
    let thread = std::thread::current();
    let test = thread
        .name()
        .unwrap_or("main")
        .rsplit("::")
        .next()
        .unwrap()
        .to_string();
    let file = TempFile(std::env::temp_dir().join(format!(
        "glassloop-html-{name}-{test}-{}.html",
        std::process::id()
    )));
    let lines = Capture::default();
    demo(
        glassloop::Runtime::builder()
            .virtual_time(true)
            .trace(true)
            .trace_to(lines.clone())
            .timeline_html(&file.0),
    );
    (lines.text(), std::fs::read_to_string(&file.0).unwrap())
}

/// The JSON the page's script draws.
fn data(html: &str) -> Value {
    let start = html
        .find(r#"<script id="data" type="application/json">"#)
        .expect("the data script")
        + r#"<script id="data" type="application/json">"#.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the page's data is JSON")
}

type Demo = fn(glassloop::Builder);

fn demos() -> Vec<(&'static str, Demo)> {
    vec![
        ("get_user", |b| {
            tour::get_user::demo(b);
        }),
        ("create_task", |b| {
            tour::create_task::demo(b);
        }),
        ("sync_vs_async", |b| {
            tour::sync_vs_async::demo(b);
        }),
    ]
}

#[test]
fn every_task_has_its_lane_and_every_trace_line_is_on_the_page() {
    for (name, demo) in demos() {
        let (trace, html) = page(name, demo);
        let data = data(&html);
        let lanes: Vec<&str> = data["lanes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let spawned = trace
            .lines()
            .filter(|l| l.contains(" spawned (create_task)"))
            .count();
        assert_eq!(
            lanes.len(),
            spawned + 2,
            "{name}: main, each task, the loop: {lanes:?}"
        );
        assert_eq!(lanes.first(), Some(&"main()"));
        assert_eq!(lanes.last(), Some(&"the loop"));
        // Every string on the page's data; every trace line must be one of them.
        let mut on_page = BTreeSet::new();
        for list in ["polls", "marks", "wakes", "parks", "waits"] {
            for item in data[list].as_array().unwrap() {
                for field in item.as_array().unwrap() {
                    if let Some(text) = field.as_str() {
                        on_page.insert(text.to_string());
                    }
                }
            }
        }
        for line in trace.lines() {
            let Some((_, words)) = line.split_once("s] ") else {
                continue;
            };
            assert!(on_page.contains(words), "{name}: not on the page: {words}");
        }
        let polled = trace.lines().filter(|l| l.ends_with(" polled")).count();
        assert_eq!(
            data["polls"].as_array().unwrap().len(),
            polled,
            "{name}: a bar per poll"
        );
    }
}

#[test]
fn waits_say_what_the_task_waited_on_and_a_blocking_poll_is_wide() {
    let (_, html) = page("sync_vs_async", |b| {
        tour::sync_vs_async::demo(b);
    });
    let data = data(&html);
    let waits: Vec<String> = data["waits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w[3].as_str().unwrap().to_string())
        .collect();
    assert!(
        waits
            .iter()
            .any(|w| w.contains("waiting on a timer due at")),
        "{waits:?}"
    );
    // The blocking task's poll holds the loop for 2 s: its bar is 2 s wide.
    let widest = data["polls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[2].as_f64().unwrap() - p[1].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!((widest - 2.0).abs() < 1e-9, "{widest}");
}

#[test]
fn the_page_is_self_contained() {
    let (_, html) = page("get_user", |b| {
        tour::get_user::demo(b);
    });
    for fetch in [
        " src=",
        " href=",
        "fetch(",
        "XMLHttpRequest",
        "@import",
        "url(http",
    ] {
        assert!(!html.contains(fetch), "the page loads something: {fetch}");
    }
    assert!(html.contains("<svg") && html.contains("<style>") && html.contains("draw();"));
}
