//! Exercise 6: a trace line.

use glassloop_exercises::e06_a_trace_line::{describe, Event, Recorder};

#[test]
fn the_two_new_lines_say_what_glassloops_trace_says() {
    assert_eq!(
        describe(&Event::WokenBy {
            task: 2,
            by: Some(1)
        }),
        "task 2 woken by task 1"
    );
    assert_eq!(
        describe(&Event::WokenBy { task: 3, by: None }),
        "task 3 woken by the loop"
    );
    assert_eq!(
        describe(&Event::Parked {
            timeout_ms: Some(40)
        }),
        "loop parks for 40 ms"
    );
    assert_eq!(
        describe(&Event::Parked { timeout_ms: None }),
        "loop parks until a wake"
    );
}

#[test]
fn a_wake_names_the_task_that_was_running() {
    let trace = Recorder::default();
    trace.poll(1, |trace| {
        trace.wake(2); // task 1 finishes, and wakes the task that awaits it
        true
    });
    trace.park(Some(960));
    trace.wake(3); // a timer fired: no task is running
    trace.poll(2, |_| false);
    assert_eq!(
        trace.lines(),
        [
            "task 1 polled",
            "task 2 woken by task 1",
            "task 1 → Ready: finished",
            "loop parks for 960 ms",
            "task 3 woken by the loop",
            "task 2 polled",
            "task 2 → Pending: waits at an .await",
        ]
    );
}
