//! The stepper (`Builder::step_with`, `GLASSLOOP_STEP=1`): it pauses after each event and shows
//! the loop's state; its keys (Enter, t, c, q) drive it. Here a script of keys drives it through
//! `get_user`, and the screens it printed are checked.

#[allow(dead_code)]
#[path = "../examples/get_user.rs"]
mod get_user;

mod support;

use std::io::Cursor;
use std::process::{Command, Stdio};

use support::Capture;

/// get_user's run, stepped with `keys`; the screens.
fn stepped(keys: &str) -> String {
    let screens = Capture::default();
    get_user::demo(
        glassloop::Runtime::builder()
            .virtual_time(true)
            .step_with(Cursor::new(keys.to_string()))
            .trace_to(screens.clone()),
    );
    screens.text()
}

/// The screens, one string each.
fn screens(text: &str) -> Vec<String> {
    text.split("── step ")
        .skip(1)
        .map(|screen| format!("── step {screen}"))
        .collect()
}

#[test]
fn each_enter_shows_the_next_event_with_the_loops_state() {
    let text = stepped("\n\n\n\nq\n");
    let shown = screens(&text);
    assert_eq!(shown.len(), 5, "four Enters and a q: five screens\n{text}");
    assert!(shown[0].starts_with("── step 1 ── [   0.000s] block_on: the loop starts"));
    assert!(shown[0].contains("ready queue: main()"), "{}", shown[0]);
    assert!(
        shown[0].contains("task 0 'main()' ready to run"),
        "{}",
        shown[0]
    );
    // The third event is main() arming the first of its three timers.
    assert!(
        shown[2].contains("timer armed by main(): due at 1.000s"),
        "{}",
        shown[2]
    );
    assert!(
        shown[2].contains("timers: 1 armed; level 1 slot 15: 1"),
        "{}",
        shown[2]
    );
    assert!(
        shown[4].contains("timers: 3 armed; level 1 slot 15: 3"),
        "{}",
        shown[4]
    );
    assert!(shown.iter().all(|s| s.contains("[Enter] next event")));
    assert!(shown.iter().all(|s| s.contains("sockets: 0")));
}

#[test]
fn t_runs_to_the_end_of_the_turn_and_q_stops_stepping() {
    let text = stepped("t\nq\n");
    let shown = screens(&text);
    assert_eq!(shown.len(), 2, "{text}");
    assert!(
        shown[1].contains("loop parks: no task ready"),
        "t stops at the park:\n{}",
        shown[1]
    );
    assert!(shown[1].contains("ready queue: (empty)"));
}

#[test]
fn c_shows_every_screen_without_waiting_and_the_end_of_the_keys_is_c() {
    let all = screens(&stepped("c\n"));
    let ran_out = screens(&stepped(""));
    assert!(all.len() > 10);
    assert_eq!(all.len(), ran_out.len());
    assert!(all
        .last()
        .unwrap()
        .contains("main() → Ready: block_on returns its output"));
    assert!(all[1..].iter().all(|s| !s.contains("[Enter] next event")));
}

/// Set in the copy of this test binary that runs with `GLASSLOOP_STEP=1`.
const CHILD: &str = "GLASSLOOP_STEPPER_TEST_CHILD";

#[test]
fn glassloop_step_reads_its_keys_from_a_piped_stdin() {
    if std::env::var_os(CHILD).is_some() {
        let runtime = glassloop::Runtime::builder()
            .virtual_time(true)
            .build()
            .unwrap();
        runtime.block_on(glassloop::sleep(std::time::Duration::from_millis(3)));
        return;
    }
    let name = "glassloop_step_reads_its_keys_from_a_piped_stdin";
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .env("GLASSLOOP_STEP", "1")
        .env_remove("GLASSLOOP_TRACE")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"\nq\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("── step ").count(), 2, "{stderr}");
}
