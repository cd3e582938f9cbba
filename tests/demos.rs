//! Every demo of `examples/` runs here on virtual time, and what it prints it proves is checked
//! exactly: `cargo test` runs the same `demo` functions as `cargo run --example NAME -- --virtual`.
//!
//! The example files are included as modules (`#[path]`, through the tour), so nothing is copied. Their timelines are
//! sent to `io::sink()`, to keep the test output quiet; `tests/trace.rs` checks what they draw.

use std::io;
use std::time::Duration;

// The tour includes every demo as a module; the tests reach them through it, so each file is
// compiled once.
#[allow(dead_code)] // the tour's own `main` is not used here
#[path = "../examples/tour.rs"]
mod tour;

use tour::{async_await, create_task, get_user, sync_vs_async, tea_and_toast};

/// A virtual-time loop whose trace and timeline (if any) go nowhere.
fn virtual_loop() -> glassloop::Builder {
    glassloop::Runtime::builder()
        .virtual_time(true)
        .trace_to(io::sink())
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn sync_vs_async_blocking_takes_the_sum_and_awaiting_the_longest() {
    let report = sync_vs_async::demo(virtual_loop());
    assert_eq!(report.blocking, secs(4));
    assert_eq!(report.gathered, secs(2));
}

#[test]
fn tea_and_toast_together_take_as_long_as_the_tea() {
    let report = tea_and_toast::demo(virtual_loop());
    assert_eq!(report.one_after_the_other, secs(5));
    assert_eq!(report.together, secs(3));
}

#[test]
fn async_await_a_future_waits_for_its_await_and_awaits_run_in_turn() {
    let report = async_await::demo(virtual_loop());
    assert!(
        !report.ran_before_await,
        "the async fn's body ran before it was awaited"
    );
    assert_eq!(report.one, secs(1));
    assert_eq!(report.two_in_a_row, secs(2));
}

#[test]
fn get_user_three_gathered_calls_take_one_second() {
    let report = get_user::demo(virtual_loop());
    assert_eq!(report.took, secs(1));
    let ids: Vec<u32> = report.users.iter().map(|user| user.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(report.users[1].name, "user2");
}

#[test]
fn create_task_runs_in_background_cancels_and_survives_a_panic() {
    let report = create_task::demo(virtual_loop());
    assert_eq!(report.coffee, "coffee");
    // Brewed during the 0.5 s of other work: 1 s in all, not 1.5 s.
    assert_eq!(report.coffee_after, secs(1));
    assert!(report.download_cancelled);
    assert_eq!(report.cancelled_after, Duration::from_millis(200));
    assert_eq!(
        report.toaster_panic.as_deref(),
        Some("the toaster caught fire")
    );
    assert_eq!(report.kettle, Some("hot water"));
}

#[test]
fn the_whole_tour_runs_on_virtual_time_in_well_under_a_second() {
    let wall = tour::tour(true, virtual_loop);
    // The tour's loops wait about 20 s of virtual time; a real wait of even one of them would
    // blow this bound. (Generous, for a debug build on a busy machine.)
    assert!(
        wall < secs(5),
        "the virtual tour took {wall:?} of wall time"
    );
}
