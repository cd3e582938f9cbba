//! The CPython contender: one long-lived `python3 bench/python/worker.py` process, asked for one
//! repetition at a time so its runs interleave with the Rust ones like any other runtime's.
//!
//! The worker warms its allocator as the Rust process does, then answers each request line
//! (`NAME SIZE...`) with one line of numbers in the same units as the Rust workload's metrics.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A running asyncio worker.
pub struct PythonWorker {
    process: Child,
    /// `None` only while dropping: closing it tells the worker to stop.
    requests: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
}

/// The folder of the twin scripts.
pub fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// `python3 --version`, or `None` when there is no usable python3 (3.11 or later: the
/// `timer_churn` twin uses `asyncio.timeout`).
pub fn version() -> Option<String> {
    let output = Command::new("python3").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let mut numbers = text.strip_prefix("Python ")?.split('.');
    let major: u32 = numbers.next()?.parse().ok()?;
    let minor: u32 = numbers.next()?.parse().ok()?;
    (output.status.success() && (major, minor) >= (3, 11)).then_some(text)
}

impl PythonWorker {
    /// Starts the worker; `None` when python3 (3.11+) is not available.
    pub fn start() -> Option<PythonWorker> {
        version()?;
        let mut process = Command::new("python3")
            .arg(scripts_dir().join("worker.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let requests = process.stdin.take();
        let answers = BufReader::new(process.stdout.take()?);
        Some(PythonWorker {
            process,
            requests,
            answers,
        })
    }

    /// Runs one repetition of workload `name` with `sizes`, and returns its numbers.
    ///
    /// # Panics
    ///
    /// When the worker dies or answers nonsense (its traceback is on stderr).
    pub fn run(&mut self, name: &str, sizes: &[u64]) -> Vec<f64> {
        let request: Vec<String> = std::iter::once(name.to_string())
            .chain(sizes.iter().map(u64::to_string))
            .collect();
        let requests = self.requests.as_mut().expect("the worker is running");
        writeln!(requests, "{}", request.join(" ")).expect("the asyncio worker died");
        requests.flush().expect("the asyncio worker died");
        let mut answer = String::new();
        self.answers
            .read_line(&mut answer)
            .expect("read from the asyncio worker");
        assert!(
            !answer.is_empty(),
            "the asyncio worker died running {name} (see its traceback above)"
        );
        answer
            .split_whitespace()
            .map(|word| word.parse().expect("a number from the asyncio worker"))
            .collect()
    }
}

impl Drop for PythonWorker {
    fn drop(&mut self) {
        // Closing stdin ends the worker's loop; wait for it so no zombie is left behind.
        drop(self.requests.take());
        let _ = self.process.wait();
    }
}
