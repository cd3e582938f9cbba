//! Every step of "build the loop yourself" runs the tutorial's demo and prints its times; these
//! tests run each program (waits scaled by 0.2: the 2 s sleeps take 0.4 s) and check the times
//! with generous bounds — CI machines are shared — and what each step is there to show: step 1
//! burns the CPU it waits with, step 2 starts a thread per timer, steps 3 and 4 wait for free.

use std::process::Command;

/// Runs `step` with `--scale 0.2`; its output.
fn run(step: &str) -> String {
    let output = Command::new(match step {
        "step1" => env!("CARGO_BIN_EXE_step1"),
        "step2" => env!("CARGO_BIN_EXE_step2"),
        "step3" => env!("CARGO_BIN_EXE_step3"),
        _ => env!("CARGO_BIN_EXE_step4"),
    })
    .args(["--scale", "0.2"])
    .output()
    .expect("run the step");
    assert!(output.status.success(), "{step} failed: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The number just before `unit` after `after`, on the first line that has `after`.
fn number(output: &str, after: &str, unit: &str) -> f64 {
    let line = output
        .lines()
        .find(|line| line.contains(after))
        .unwrap_or_else(|| panic!("no line with {after:?} in:\n{output}"));
    let rest = &line[line.find(after).unwrap() + after.len()..];
    let end = rest
        .find(unit)
        .unwrap_or_else(|| panic!("no {unit:?} in {line:?}"));
    rest[..end]
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no number before {unit:?} in {line:?}"))
}

/// A wall time of about `expected` seconds: never less, and not much more on a busy machine.
fn about(seconds: f64, expected: f64, what: &str) {
    assert!(
        seconds >= expected - 0.005 && seconds < expected + 1.0,
        "{what}: {seconds} s, expected {expected} s"
    );
}

#[test]
fn step_1_joins_two_sleeps_and_burns_the_cpu_meanwhile() {
    let out = run("step1");
    about(number(&out, "joined:", " s"), 0.4, "the joined sleeps");
    let cpu = number(&out, "CPU used", " s of");
    assert!(
        cpu >= 0.1,
        "busy-polling should burn CPU, used {cpu} s:\n{out}"
    );
    assert!(number(&out, "CPU used", " s of") <= number(&out, " s of", " s —") + 0.05);
    let polls: f64 = out
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(polls > 1000.0, "it polled {polls} times:\n{out}");
}

#[test]
fn step_2_runs_tasks_with_real_wakers_and_a_thread_per_timer() {
    let out = run("step2");
    assert!(out.contains(r#"["user1", "user2", "user3"]"#), "{out}");
    about(number(&out, "all in", " s"), 0.4, "everything");
    about(
        number(&out, "finished after", " s"),
        0.1,
        "the background task",
    );
    assert!(out.contains("6 timer threads for 6 sleeps"), "{out}");
    assert!(number(&out, "CPU used", " s;") < 0.2, "{out}");
}

#[test]
fn steps_3_and_4_keep_the_timers_in_the_loop_and_wait_for_free() {
    for step in ["step3", "step4"] {
        let out = run(step);
        let finished = |what: &str| number(&out, &format!("{what} finished after"), " s");
        about(finished("the background task"), 0.1, step);
        about(finished("a get_user call"), 0.2, step);
        about(finished("a 2 s sleep"), 0.4, step);
        about(number(&out, "all in", " s"), 0.4, step);
        assert!(
            number(&out, "CPU used", " s") < 0.2,
            "{step} waits without spinning:\n{out}"
        );
    }
}
