//! The workloads, one file each, named after the benchmarks in tokio's and smol's suites.
//!
//! A workload says what it stresses, its sizes (full and `--quick`), what it reports, and which
//! contenders run it; its `run` function does one repetition on one contender and returns one
//! number per metric. Every contender gets exactly the same sizes, and every run checks its own
//! results (counts, sums, echoed bytes), so a runtime that skipped work would panic, not win.
//!
//! Each file keeps the versions for all runtimes side by side, so the reader can see that the
//! work is the same; the CPython versions are the twin scripts in `bench/python/`.

use crate::contenders::Contender;

pub mod chained_spawn;
pub mod gather_yield;
pub mod ping_pong;
pub mod scaling;
pub mod sleep_many;
pub mod sleepers_1m;
pub mod spawn_many;
pub mod tcp_echo;
pub mod timer_churn;
pub mod yield_many;

/// One size parameter of a workload.
pub struct Param {
    pub name: &'static str,
    pub full: u64,
    pub quick: u64,
}

/// What a metric's numbers are. `run` returns them in these units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Seconds (printed as µs, ms or s).
    Seconds,
    /// Nanoseconds per operation.
    NanosPerOp,
    /// Round trips per second.
    PerSecond,
    /// Bytes (printed in MiB).
    Bytes,
    /// Bytes per task (printed as is).
    BytesPerTask,
}

/// One number a workload reports.
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    /// `true` for throughput, where more is better; `false` for times and sizes.
    pub higher_is_better: bool,
}

/// The common metric: how long the workload took, start to finish, inside the runtime.
pub const TIME: Metric = Metric {
    name: "time",
    unit: Unit::Seconds,
    higher_is_better: false,
};

/// A benchmark workload.
pub struct Workload {
    pub name: &'static str,
    /// One line: what it measures, for the tables and `docs/performance.md`.
    pub stresses: &'static str,
    pub params: &'static [Param],
    pub metrics: &'static [Metric],
    pub contenders: &'static [Contender],
    /// One repetition on one (non-Python) contender, with the sizes in `params` order.
    pub run: fn(Contender, &[u64]) -> Vec<f64>,
    /// Repetitions are fewer for the heavy ones (still at least 5 on a full run).
    pub heavy: bool,
}

impl Workload {
    /// The sizes to use.
    pub fn sizes(&self, quick: bool) -> Vec<u64> {
        self.params
            .iter()
            .map(|p| if quick { p.quick } else { p.full })
            .collect()
    }

    /// The sizes as text, e.g. `tasks=200 yields=1000`.
    pub fn describe_sizes(&self, quick: bool) -> String {
        self.params
            .iter()
            .zip(self.sizes(quick))
            .map(|(p, v)| format!("{}={}", p.name, v))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every workload, in the order they run and print.
pub const ALL: &[&Workload] = &[
    &spawn_many::WORKLOAD,
    &yield_many::WORKLOAD,
    &ping_pong::WORKLOAD,
    &chained_spawn::WORKLOAD,
    &gather_yield::WORKLOAD,
    &timer_churn::WORKLOAD,
    &sleep_many::WORKLOAD,
    &tcp_echo::WORKLOAD,
    &sleepers_1m::WORKLOAD,
    &scaling::SPAWN,
    &scaling::TIMERS,
];

/// The runtimes that run scheduler-only workloads: all of them.
pub const SCHEDULER_CONTENDERS: &[Contender] = &[
    Contender::Glassloop,
    Contender::TokioCurrentThread,
    Contender::TokioMultiThread,
    Contender::Smol,
    Contender::LocalPool,
    Contender::Asyncio,
];

/// The runtimes that have timers (LocalPool has none).
pub const TIMER_CONTENDERS: &[Contender] = &[
    Contender::Glassloop,
    Contender::TokioCurrentThread,
    Contender::TokioMultiThread,
    Contender::Smol,
    Contender::Asyncio,
];

/// Converts an elapsed time to the `Seconds` unit.
pub fn seconds(elapsed: std::time::Duration) -> f64 {
    elapsed.as_secs_f64()
}

/// Every workload, on every runtime, at a tenth of its quick size: the benchmark cannot rot
/// unnoticed (CI runs this). `sleepers_1m` is left out: it re-executes the runner binary, which a
/// test binary is not.
#[cfg(test)]
mod smoke {
    use super::*;
    use crate::worker::Worker;

    fn tiny(workload: &Workload) -> Vec<u64> {
        workload
            .sizes(true)
            .into_iter()
            .map(|size| (size / 10).max(1))
            .collect()
    }

    #[test]
    fn every_workload_runs_on_every_runtime() {
        for workload in ALL.iter().filter(|w| w.name != "sleepers_1m") {
            let sizes = tiny(workload);
            for &contender in workload.contenders {
                if contender == Contender::Asyncio {
                    continue;
                }
                let values = (workload.run)(contender, &sizes);
                assert_eq!(values.len(), workload.metrics.len(), "{}", workload.name);
                assert!(
                    values.iter().any(|v| v.is_finite()),
                    "{} on {contender:?}: {values:?}",
                    workload.name
                );
            }
        }
    }

    #[test]
    fn every_asyncio_twin_runs() {
        let Some(mut python) = Worker::start(Contender::Asyncio) else {
            eprintln!("no python3 (3.11+): the asyncio twins are not checked");
            return;
        };
        for workload in ALL {
            if workload.contenders.contains(&Contender::Asyncio) {
                let values = python.run(workload.name, &tiny(workload));
                assert_eq!(values.len(), workload.metrics.len(), "{}", workload.name);
            }
        }
    }
}
