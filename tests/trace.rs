//! The trace and the timeline: golden transcripts of the demos on virtual time, a snapshot of the
//! timeline, the book's copy of a transcript, and what each kind of line must say.
//!
//! Golden files live in `tests/golden/`. After a deliberate change to what the trace says, rewrite
//! them (and the transcript quoted in `docs/reading-the-trace.md`) with
//!
//! ```sh
//! GLASSLOOP_BLESS=1 cargo test --test trace
//! ```
//!
//! and read the diff before committing it. These tests expect `GLASSLOOP_TRACE` to be unset: it
//! would add lines of its own to what they capture.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

mod support;
use support::{assert_golden, assert_same_text, blessing, repo_path, Capture};

#[allow(dead_code)] // each demo's own `main` is not used here, only its `demo`
#[path = "../examples/get_user.rs"]
mod get_user;

#[allow(dead_code)]
#[path = "../examples/sync_vs_async.rs"]
mod sync_vs_async;

#[allow(dead_code)]
#[path = "../examples/tea_and_toast.rs"]
mod tea_and_toast;

/// A virtual-time loop with the trace lines on, writing to `capture`.
fn traced(capture: &Capture) -> glassloop::Builder {
    check_environment();
    glassloop::Runtime::builder()
        .virtual_time(true)
        .trace(true)
        .trace_to(capture.clone())
}

fn check_environment() {
    assert!(
        std::env::var_os("GLASSLOOP_TRACE").is_none(),
        "unset GLASSLOOP_TRACE to run the trace tests: it adds output of its own"
    );
}

#[test]
fn get_user_trace_matches_its_golden_transcript() {
    let capture = Capture::default();
    get_user::demo(traced(&capture));
    assert_golden("get_user.trace.txt", &capture.text());
}

#[test]
fn sync_vs_async_trace_and_timeline_match_their_golden_transcript() {
    let capture = Capture::default();
    sync_vs_async::demo(traced(&capture));
    let text = capture.text();
    // The heart of the demo, said in the trace: a blocking call holds the loop.
    assert!(text.contains("the loop is blocked for 2000 ms by a blocking call"));
    assert_golden("sync_vs_async.trace.txt", &text);
}

#[test]
fn tea_and_toast_timeline_matches_its_snapshot() {
    check_environment();
    let capture = Capture::default();
    // No trace lines: tea_and_toast turns on only the timeline.
    tea_and_toast::demo(
        glassloop::Runtime::builder()
            .virtual_time(true)
            .trace_to(capture.clone()),
    );
    let chart = capture.text();
    assert!(chart.starts_with("timeline (virtual time): 8.000 s in all"));
    assert_golden("tea_and_toast.timeline.txt", &chart);
}

/// The chapter that reads get_user's trace quotes the whole golden transcript, in the ```text
/// block after its marker (see `tests/book.rs`); it must quote it exactly, so the book cannot
/// drift from what the loop prints.
#[test]
fn the_book_quotes_the_real_get_user_transcript() {
    const BEGIN: &str = "<!-- output: tests/golden/get_user.trace.txt -->\n```text\n";
    const END: &str = "```\n";
    let chapter_path = repo_path("docs/reading-the-trace.md");
    let chapter = std::fs::read_to_string(&chapter_path).expect("read the chapter");
    let golden = std::fs::read_to_string(repo_path("tests/golden/get_user.trace.txt"))
        .expect("read the golden transcript");
    let start = chapter
        .find(BEGIN)
        .expect("the chapter has the marker and the block")
        + BEGIN.len();
    let end = start + chapter[start..].find(END).expect("the block is closed");
    if blessing() {
        let rewritten = format!("{}{golden}{}", &chapter[..start], &chapter[end..]);
        std::fs::write(&chapter_path, rewritten).expect("rewrite the chapter");
        return;
    }
    assert_same_text(
        &golden,
        &chapter[start..end],
        "the transcript in the chapter",
    );
}

/// Runs `body` on a traced virtual-time loop named `main()` and returns the trace.
fn trace_of(body: impl std::future::Future<Output = ()>) -> String {
    let capture = Capture::default();
    let runtime = traced(&capture).build().expect("runtime");
    runtime.block_on(body);
    drop(runtime);
    capture.text()
}

/// The trace lines without their time stamps.
fn events(trace: &str) -> Vec<&str> {
    trace
        .lines()
        .map(|line| line.split_once("] ").map_or(line, |(_, event)| event))
        .collect()
}

#[test]
fn an_unnamed_task_is_labelled_with_the_line_that_spawned_it() {
    let mut line = 0;
    let trace = trace_of(async {
        line = line!() + 1;
        let handle = glassloop::spawn(async {});
        handle.await.expect("the task finishes");
    });
    let expected = format!("task 1 (trace.rs:{line}) spawned (create_task)");
    assert!(events(&trace).contains(&expected.as_str()), "{trace}");
    assert!(trace.contains(&format!("main() woken by task 1 (trace.rs:{line})")));
}

#[test]
fn wakes_say_who_woke_the_task() {
    let trace = trace_of(async {
        // Woken by itself: yield_now wakes its own task and returns Pending once.
        let yielder = glassloop::spawn_named("yielder", glassloop::yield_now());
        // Woken by another task: `waiter` parks its waker where `waker` finds it.
        let parked: Rc<RefCell<Option<Waker>>> = Rc::default();
        let done = Rc::new(RefCell::new(false));
        let waiter = glassloop::spawn_named("waiter", {
            let (parked, done) = (parked.clone(), done.clone());
            poll_fn(move |cx| {
                if *done.borrow() {
                    return Poll::Ready(());
                }
                *parked.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            })
        });
        glassloop::yield_now().await; // let `waiter` park its waker
        let waker = glassloop::spawn_named("waker", async move {
            *done.borrow_mut() = true;
            if let Some(waker) = parked.borrow_mut().take() {
                waker.wake();
            }
        });
        // Woken by a timer.
        let sleeper = glassloop::spawn_named("sleeper", glassloop::sleep(Duration::from_secs(1)));
        for handle in [yielder, waiter, waker, sleeper] {
            handle.await.expect("no task fails");
        }
    });
    let events = events(&trace);
    for expected in [
        "task 1 'yielder' woken by itself",
        "task 2 'waiter' woken by task 3 'waker'",
        "task 4 'sleeper' woken by a timer",
        "main() woken by task 1 'yielder'",
        "timer armed by task 4 'sleeper': due at 1.000s, wheel level 1 slot 15",
    ] {
        assert!(events.contains(&expected), "no {expected:?} in\n{trace}");
    }
}

#[test]
fn a_second_wake_of_a_queued_task_is_not_an_event() {
    let trace = trace_of(async {
        let mut woken_twice = false;
        poll_fn(|cx| {
            if woken_twice {
                return Poll::Ready(());
            }
            woken_twice = true;
            cx.waker().wake_by_ref();
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
    });
    let wakes = events(&trace)
        .into_iter()
        .filter(|event| event.contains("woken"))
        .count();
    assert_eq!(wakes, 1, "{trace}");
}

#[test]
fn a_wake_from_another_thread_pokes_a_parked_loop() {
    check_environment();
    let capture = Capture::default();
    // Real time: the loop really parks in epoll until the other thread pokes it.
    let runtime = glassloop::Runtime::builder()
        .trace(true)
        .trace_to(capture.clone())
        .build()
        .expect("runtime");
    let handed_over: Arc<Mutex<Option<Waker>>> = Arc::default();
    let thread = std::thread::spawn({
        let handed_over = handed_over.clone();
        move || loop {
            if let Some(waker) = handed_over.lock().expect("not poisoned").take() {
                waker.wake();
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    runtime.block_on(async {
        let mut handed = false;
        poll_fn(|cx| {
            if handed {
                return Poll::Ready(());
            }
            handed = true;
            *handed_over.lock().expect("not poisoned") = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
    });
    thread.join().expect("the waking thread finishes");
    drop(runtime);
    let trace = capture.text();
    let events = events(&trace);
    for expected in [
        "loop parks in the selector: no task ready, no timer armed (waits for I/O or another thread)",
        "loop wakes: poked from another thread",
        "main() woken from another thread",
    ] {
        assert!(events.contains(&expected), "no {expected:?} in\n{trace}");
    }
}

#[test]
fn abort_shows_the_task_cancelled_and_its_timer_leaving_the_wheel() {
    let trace = trace_of(async {
        let download =
            glassloop::spawn_named("download", glassloop::sleep(Duration::from_secs(3600)));
        glassloop::yield_now().await; // the download arms its timer
        download.abort();
        assert!(download.await.expect_err("aborted").is_cancelled());
    });
    let events = events(&trace);
    let aborted = events
        .iter()
        .position(|event| *event == "task 1 'download' aborted (cancelled): its future is dropped")
        .unwrap_or_else(|| panic!("no abort in\n{trace}"));
    assert_eq!(
        events[aborted + 1],
        "timer cancelled by main(): its sleep was dropped before the deadline"
    );
}

#[test]
fn a_panicking_task_is_traced_and_the_loop_goes_on() {
    let trace = trace_of(async {
        let crash = glassloop::spawn_named("crash", async { panic!("on purpose") });
        assert!(crash.await.expect_err("it panicked").is_panic());
    });
    let events = events(&trace);
    assert!(events.contains(
        &"task 1 'crash' panicked: the panic is its JoinHandle's error, the loop goes on"
    ));
    assert_eq!(
        events.last(),
        Some(&"main() → Ready: block_on returns its output")
    );
}

#[test]
fn with_the_trace_off_nothing_is_written() {
    check_environment();
    let capture = Capture::default();
    let runtime = glassloop::Runtime::builder()
        .virtual_time(true)
        .trace_to(capture.clone())
        .build()
        .expect("runtime");
    runtime.block_on(async {
        glassloop::spawn(glassloop::sleep(Duration::from_secs(1)))
            .await
            .expect("the task finishes");
    });
    drop(runtime);
    assert_eq!(capture.text(), "");
}

#[test]
fn the_timeline_alone_is_drawn_when_the_runtime_is_dropped() {
    check_environment();
    let capture = Capture::default();
    let runtime = glassloop::Runtime::builder()
        .virtual_time(true)
        .timeline(true)
        .trace_to(capture.clone())
        .build()
        .expect("runtime");
    runtime.block_on(async {
        glassloop::spawn_named("one second", glassloop::sleep(Duration::from_secs(1)))
            .await
            .expect("the task finishes");
    });
    assert_eq!(capture.text(), "", "nothing is drawn before the loop ends");
    drop(runtime);
    let chart = capture.text();
    let rows: Vec<&str> = chart.lines().skip(5).collect();
    // 1 s at 20 ms a column: spawned at column 0, done at column 50. main() is polled again at
    // 1 s too, but in the column where it ends, and the end mark wins.
    assert_eq!(
        rows,
        [
            format!("main()                S{}D", "-".repeat(49)),
            format!("task 1 'one second'   S{}D", "-".repeat(49)),
        ],
        "{chart}"
    );
}
