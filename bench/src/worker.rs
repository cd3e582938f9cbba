//! Worker processes: every runtime runs in a process of its own.
//!
//! Why: in one shared process, glassloop's `spawn_many` took 1.5 ms when it ran between the other
//! runtimes and 1.07 ms when it ran alone — the heap that tokio's threads, smol and LocalPool left
//! behind changed its allocations. So the runner measures nothing itself. For each workload it
//! starts one worker per runtime — `glassloop-bench --worker KEY` for the Rust ones,
//! `python3 bench/python/worker.py` for asyncio — and asks each for one repetition at a time, so
//! the runtimes still interleave. Every worker warms its allocator the same way before its first
//! run, and its first run (the warm-up) is not counted.
//!
//! The protocol is one line each way: the request `NAME SIZE...`, the answer the workload's
//! numbers, space-separated, in the units of the workload's metrics.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::contenders::Contender;
use crate::workloads;

/// A running worker process.
pub struct Worker {
    what: String,
    process: Child,
    /// `None` only while dropping: closing it tells the worker to stop.
    requests: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
}

/// The folder of the asyncio twin scripts.
pub fn python_scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// `python3 --version`, or `None` when there is no usable python3 (3.11 or later: the
/// `timer_churn` twin uses `asyncio.timeout`).
pub fn python_version() -> Option<String> {
    let output = Command::new("python3").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let mut numbers = text.strip_prefix("Python ")?.split('.');
    let major: u32 = numbers.next()?.parse().ok()?;
    let minor: u32 = numbers.next()?.parse().ok()?;
    (output.status.success() && (major, minor) >= (3, 11)).then_some(text)
}

impl Worker {
    /// Starts a worker for `contender`; `None` for asyncio when python3 (3.11+) is missing.
    pub fn start(contender: Contender) -> Option<Worker> {
        let mut command = if contender == Contender::Asyncio {
            python_version()?;
            let mut command = Command::new("python3");
            command.arg(python_scripts().join("worker.py"));
            command
        } else {
            let mut command = Command::new(std::env::current_exe().expect("the runner's own path"));
            command.arg("--worker").arg(contender.key());
            command
        };
        let mut process = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let requests = process.stdin.take();
        let answers = BufReader::new(process.stdout.take()?);
        Some(Worker {
            what: contender.label().to_string(),
            process,
            requests,
            answers,
        })
    }

    /// Runs one repetition of workload `name` with `sizes`, and returns its numbers.
    ///
    /// # Panics
    ///
    /// When the worker dies or answers nonsense (its own message is on stderr).
    pub fn run(&mut self, name: &str, sizes: &[u64]) -> Vec<f64> {
        let request: Vec<String> = std::iter::once(name.to_string())
            .chain(sizes.iter().map(u64::to_string))
            .collect();
        let requests = self.requests.as_mut().expect("the worker is running");
        let sent = writeln!(requests, "{}", request.join(" ")).and_then(|()| requests.flush());
        let mut answer = String::new();
        let received = self.answers.read_line(&mut answer);
        assert!(
            sent.is_ok() && matches!(received, Ok(n) if n > 0),
            "the {} worker died running {name} (see its message above)",
            self.what
        );
        answer
            .split_whitespace()
            .map(|word| word.parse().expect("a number from a worker"))
            .collect()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin ends the worker's loop; wait for it so no zombie is left behind.
        drop(self.requests.take());
        let _ = self.process.wait();
    }
}

/// The worker side, for a Rust runtime: answer requests on stdin until it closes.
pub fn serve(contender: Contender) {
    crate::measure::warm_allocator();
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let line = line.expect("read a request");
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let workload = workloads::ALL
            .iter()
            .find(|w| w.name == name)
            .unwrap_or_else(|| panic!("no workload {name:?}"));
        let sizes: Vec<u64> = words.map(|w| w.parse().expect("a size")).collect();
        let numbers: Vec<String> = (workload.run)(contender, &sizes)
            .iter()
            .map(|n| format!("{n:?}"))
            .collect();
        writeln!(stdout, "{}", numbers.join(" ")).expect("answer the runner");
        stdout.flush().expect("answer the runner");
    }
}
