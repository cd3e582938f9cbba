//! One task number everywhere: 1, 2, 3 … in spawn order (the main future is 0), the same in a
//! `JoinError`, the stderr reports, the trace, `all_tasks` and a `JoinHandle`'s `Debug`.

use std::process::Command;

mod support;
use support::Capture;

/// Set when this test binary runs one test in a child process, so that the test can read the
/// child's stderr.
const CHILD: &str = "GLASSLOOP_TEST_CHILD";

/// Runs the test `name` of this binary in a child process and returns what it wrote to stderr.
fn stderr_of_child(name: &str) -> String {
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env_remove("GLASSLOOP_TRACE")
        .output()
        .expect("run the child test");
    assert!(output.status.success(), "the child test failed: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_first_task_that_panics_is_task_1_on_stderr_in_its_join_error_and_in_the_trace() {
    if std::env::var_os(CHILD).is_some() {
        let capture = Capture::default();
        let rt = glassloop::Runtime::builder()
            .trace(true)
            .trace_to(capture.clone())
            .build()
            .unwrap();
        rt.block_on(async {
            // Detached: nobody awaits it, so the loop reports its panic on stderr.
            drop(glassloop::spawn(async { panic!("first") }));
            let second = glassloop::spawn(async { panic!("second") });
            let error = second.await.unwrap_err();
            eprintln!("JoinError Display: {error}");
            eprintln!("JoinError Debug: {error:?}");
        });
        drop(rt);
        eprint!("{}", capture.text());
        return;
    }
    let stderr = stderr_of_child(
        "the_first_task_that_panics_is_task_1_on_stderr_in_its_join_error_and_in_the_trace",
    );
    assert!(
        stderr.contains("glassloop: task 1 panicked: first, and nobody awaited it"),
        "{stderr}"
    );
    assert!(
        stderr.contains("JoinError Display: task 2 panicked: second"),
        "{stderr}"
    );
    assert!(
        stderr.contains("JoinError Debug: JoinError::Panic(task 2, \"second\")"),
        "{stderr}"
    );
    // The trace calls them the same.
    assert!(stderr.contains("] task 1 (task_numbers.rs:"), "{stderr}");
    assert!(stderr.contains("task 1 (task_numbers.rs:"), "{stderr}");
    let panicked_line = stderr
        .lines()
        .find(|line| line.contains("panicked: the panic is its JoinHandle's error"))
        .expect("the trace shows the panic");
    assert!(panicked_line.contains("] task 1 ("), "{panicked_line}");
}

#[test]
fn a_handle_all_tasks_and_a_cancellation_agree_on_the_number() {
    glassloop::run(async {
        let first = glassloop::spawn_named("first", std::future::pending::<()>());
        let second = glassloop::spawn(std::future::pending::<()>());
        glassloop::yield_now().await;
        assert_eq!(format!("{first:?}"), "JoinHandle(task 1)");
        assert_eq!(
            format!("{:?}", second.abort_handle()),
            "AbortHandle(task 2)"
        );
        let numbers: Vec<u64> = glassloop::all_tasks().iter().map(|t| t.number).collect();
        assert_eq!(numbers, [0, 1, 2]);
        second.abort();
        assert_eq!(
            second.await.unwrap_err().to_string(),
            "task 2 was cancelled"
        );
        // A reused slot does not change the count: the next task is task 3.
        let third = glassloop::spawn(async {});
        assert_eq!(format!("{third:?}"), "JoinHandle(task 3)");
        third.await.unwrap();
        first.abort();
    });
}

#[test]
fn a_task_group_names_the_child_that_panicked() {
    glassloop::run(async {
        let group = glassloop::TaskGroup::<()>::new();
        let _quiet = group.spawn(std::future::pending::<Result<(), ()>>());
        let _loud = group.spawn(async { panic!("in the group") as Result<(), ()> });
        match group.join().await {
            Err(glassloop::TaskGroupError::Panicked(error)) => {
                assert_eq!(error.to_string(), "task 2 panicked: in the group");
            }
            other => panic!("expected the panic, got {other:?}"),
        }
    });
}
