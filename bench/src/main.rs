//! `glassloop-bench` — glassloop next to tokio, smol, futures' `LocalPool` and CPython's asyncio.
//!
//! ```text
//! cargo run --release -p glassloop-bench                     # everything; writes bench/RESULTS.md
//! cargo run --release -p glassloop-bench -- --only tcp_echo  # one workload (repeat or comma-separate)
//! cargo run --release -p glassloop-bench -- --quick          # small sizes, few repetitions
//! cargo run --release -p glassloop-bench -- --runtime glassloop,tokio-ct   # only these runtimes
//! cargo run --release -p glassloop-bench -- --list           # the workloads and their sizes
//! ```
//!
//! How it measures, so the numbers can be trusted:
//!
//! - **Same work everywhere.** Every runtime gets the same sizes, and every run checks its own
//!   results (counts, sums, echoed bytes): a runtime that skipped work would panic.
//! - **A process per runtime.** Each runtime runs in a worker process of its own, fresh for each
//!   workload, so no runtime inherits a heap shaped by another (see [`worker`] for the 40% this
//!   made on glassloop's `spawn_many`). Every worker warms glibc's allocator the same way before
//!   measuring (see [`measure::warm_allocator`]); `sleepers_1m` takes a new process per repetition.
//! - **Interleaved.** A repetition asks every worker for one run, in an order that rotates from one
//!   repetition to the next, so a burst of load on the machine spreads over all of them. The first
//!   repetition is a warm-up and is thrown away; then at least 5 are kept (9 for the short
//!   workloads) and summarised as median, min and max.
//! - **Only the work is timed.** Each body times itself from inside its runtime's root task, so
//!   building and dropping runtimes is not measured.
//!
//! Progress goes to stderr, the tables to stdout; a full run of every workload also writes
//! `bench/RESULTS.md` (`--out FILE` writes any run's report to FILE).

#![forbid(unsafe_code)]

mod contenders;
mod measure;
mod outcome;
mod report;
mod targets;
mod worker;
mod workloads;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use contenders::Contender;
use outcome::Outcome;
use report::Setting;
use worker::Worker;
use workloads::Workload;

/// What the command line asked for.
struct Options {
    only: Vec<String>,
    /// Only these runtimes (by key), for profiling one of them; empty means all.
    runtimes: Vec<Contender>,
    quick: bool,
    reps: Option<usize>,
    python: bool,
    out: Option<PathBuf>,
    list: bool,
}

const USAGE: &str = "usage: glassloop-bench [--only NAME[,NAME...]] [--runtime KEY[,KEY...]] [--quick] [--reps N] [--no-python] [--out FILE] [--list]";

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        only: Vec::new(),
        runtimes: Vec::new(),
        quick: false,
        reps: None,
        python: true,
        out: None,
        list: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--only" => options
                .only
                .extend(value("--only")?.split(',').map(str::to_string)),
            "--runtime" => {
                for key in value("--runtime")?.split(',') {
                    let contender = Contender::from_key(key).ok_or(format!(
                        "no runtime {key:?}: one of {}",
                        contenders::ALL.map(Contender::key).join(", ")
                    ))?;
                    options.runtimes.push(contender);
                }
            }
            "--quick" => options.quick = true,
            "--reps" => {
                let reps = value("--reps")?;
                options.reps = Some(
                    reps.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(format!("--reps wants a positive number, not {reps:?}"))?,
                );
            }
            "--no-python" => options.python = false,
            "--out" => options.out = Some(PathBuf::from(value("--out")?)),
            "--list" => options.list = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    for name in &options.only {
        if !workloads::ALL.iter().any(|w| w.name == name) {
            return Err(format!("no workload named {name:?} (try --list)"));
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    match args.peek().map(String::as_str) {
        Some("--child") => {
            args.next();
            run_child(args.collect());
        }
        Some("--worker") => {
            args.next();
            let key = args.next().unwrap_or_default();
            let contender =
                Contender::from_key(&key).unwrap_or_else(|| panic!("no runtime {key:?}"));
            worker::serve(contender);
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let options = match parse_options(args) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    if options.list {
        for workload in workloads::ALL {
            println!(
                "{:<15} {} (full: {}; quick: {})",
                workload.name,
                workload.stresses,
                workload.describe_sizes(false),
                workload.describe_sizes(true)
            );
        }
        return ExitCode::SUCCESS;
    }
    run_benchmark(&options);
    ExitCode::SUCCESS
}

fn run_benchmark(options: &Options) {
    let selected: Vec<&'static Workload> = workloads::ALL
        .iter()
        .copied()
        .filter(|w| options.only.is_empty() || options.only.iter().any(|n| n == w.name))
        .collect();
    let python = options.python && worker::python_version().is_some();
    if options.python && !python {
        eprintln!("python3 (3.11 or later) not found: the asyncio columns stay empty");
    }

    let setting_before = (report::utc_now(), report::load_average());
    warn_if_busy(&setting_before.1);
    let mut outcomes = Vec::new();
    for (position, workload) in selected.iter().enumerate() {
        let progress = format!("[{}/{}] {}", position + 1, selected.len(), workload.name);
        outcomes.push(run_workload(workload, options, python, &progress));
    }
    clear_progress();

    let verdicts = targets::judge(&outcomes);
    let command: Vec<String> = std::env::args().skip(1).collect();
    let setting = Setting {
        date: setting_before.0,
        commit: report::git_commit(),
        rustc: report::rustc_version(),
        cpu: report::cpu_description(),
        python: worker::python_version().unwrap_or_else(|| "not available".to_string()),
        load_before: setting_before.1,
        load_after: report::load_average(),
        command: format!(
            "cargo run --release -p glassloop-bench{}{}",
            if command.is_empty() { "" } else { " -- " },
            command.join(" ")
        ),
        quick: options.quick,
    };
    let markdown = report::render(&setting, &outcomes, &verdicts);
    println!("{markdown}");

    let full_run = !options.quick
        && options.python
        && options.only.is_empty()
        && options.runtimes.is_empty()
        && options.reps.is_none_or(|r| r >= 5);
    let out = options
        .out
        .clone()
        .or_else(|| full_run.then(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md")));
    match out {
        Some(path) => match std::fs::write(&path, &markdown) {
            Ok(()) => eprintln!("wrote {}", path.display()),
            Err(error) => eprintln!("could not write {}: {error}", path.display()),
        },
        None => eprintln!(
            "(a partial or quick run: bench/RESULTS.md left alone; --out FILE saves this report)"
        ),
    }
}

/// All repetitions of one workload on every runtime it runs on.
fn run_workload(
    workload: &'static Workload,
    options: &Options,
    python: bool,
    progress: &str,
) -> Outcome {
    let sizes = workload.sizes(options.quick);
    let contenders: Vec<Contender> = workload
        .contenders
        .iter()
        .copied()
        .filter(|&c| c != Contender::Asyncio || python)
        .filter(|c| options.runtimes.is_empty() || options.runtimes.contains(c))
        .collect();
    let reps = options
        .reps
        .unwrap_or(match (options.quick, workload.heavy) {
            (true, _) => 2,
            (false, true) => 5,
            (false, false) => 9,
        });
    // Fresh workers for each workload: every runtime starts from the same state.
    let mut workers: Vec<Worker> = contenders
        .iter()
        .map(|&c| Worker::start(c).unwrap_or_else(|| panic!("could not start a {c:?} worker")))
        .collect();
    let mut samples: Vec<Vec<Vec<f64>>> =
        vec![vec![Vec::with_capacity(reps); workload.metrics.len()]; contenders.len()];
    for rep in 0..=reps {
        // Rotate the order each repetition, so no runtime always runs right after another.
        for turn in 0..contenders.len() {
            let index = (turn + rep) % contenders.len();
            let contender = contenders[index];
            let what = if rep == 0 {
                "warm-up".to_string()
            } else {
                format!("repetition {rep}/{reps}")
            };
            show_progress(&format!("{progress} · {} · {what}", contender.label()));
            let values = workers[index].run(workload.name, &sizes);
            assert_eq!(
                values.len(),
                workload.metrics.len(),
                "{contender:?} returned the wrong number of metrics for {}",
                workload.name
            );
            if rep > 0 {
                for (metric, value) in values.into_iter().enumerate() {
                    samples[index][metric].push(value);
                }
            }
        }
    }
    Outcome {
        workload,
        sizes,
        reps,
        rows: contenders.into_iter().zip(samples).collect(),
    }
}

/// Says so on stderr when the machine already looks busy: the figures will be noisier.
fn warn_if_busy(load_average: &str) {
    let one_minute: f64 = load_average
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or(0.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if one_minute > cores / 2.0 {
        eprintln!(
            "note: load average {one_minute} on {cores} cores — the machine is busy; \
             the ranges will be wide (re-run when it is quiet)"
        );
    }
}

/// One progress line on stderr: rewritten in place on a terminal, one line per step otherwise.
fn show_progress(line: &str) {
    let mut stderr = std::io::stderr();
    if stderr.is_terminal() {
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
    } else {
        let _ = writeln!(stderr, "{line}");
    }
}

fn clear_progress() {
    let mut stderr = std::io::stderr();
    if stderr.is_terminal() {
        let _ = write!(stderr, "\r\x1b[2K");
    }
}

/// The hidden `--child WORKLOAD RUNTIME SIZE...` mode: one measurement in a process of its own.
fn run_child(args: Vec<String>) -> ! {
    let [name, key, sizes @ ..] = &args[..] else {
        panic!("--child wants WORKLOAD RUNTIME SIZE...");
    };
    let contender = Contender::from_key(key).unwrap_or_else(|| panic!("no runtime {key:?}"));
    let sizes: Vec<u64> = sizes.iter().map(|s| s.parse().expect("a size")).collect();
    match name.as_str() {
        "sleepers_1m" => workloads::sleepers_1m::child(contender, &sizes),
        other => panic!("{other} does not run in a child process"),
    }
}
