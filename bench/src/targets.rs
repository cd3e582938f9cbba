//! The performance targets of the issue, checked against the medians: for each, what glassloop
//! scored, what it is compared with, the ratio, and whether the target holds.
//!
//! - on `spawn_many`, `yield_many`, `ping_pong`, `chained_spawn` and `gather_yield`: glassloop's time
//!   ≤ the fastest of tokio current-thread, smol and LocalPool;
//! - `timer_churn`: per-timeout cost ≤ the fastest runtime's;
//! - `sleep_many`: CPU time ≤ the lowest;
//! - `tcp_echo`: round trips/s ≥ tokio current-thread's; and on 2 loops (`run_workers`), ≥ tokio
//!   multi-thread's with its 2 workers — two cores against two cores;
//! - `sleepers_1m`: peak RSS ≤ the smallest;
//! - ≥ 20× faster than CPython's asyncio on the scheduler and timer workloads both run, ≥ 2× on
//!   `tcp_echo`.

use crate::contenders::Contender;
use crate::outcome::{format_ratio, format_value, Outcome};

/// Whether a target holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    Yes,
    No,
    /// The workload or the other side was not run (`--only`, no python3).
    NotMeasured,
}

impl Held {
    pub fn label(self) -> &'static str {
        match self {
            Held::Yes => "**held**",
            Held::No => "**not held**",
            Held::NotMeasured => "not measured",
        }
    }
}

/// One target's verdict, ready for the table.
pub struct Verdict {
    pub target: String,
    pub glassloop: String,
    pub compared_with: String,
    pub ratio: String,
    pub held: Held,
}

const SCHEDULER_WORKLOADS: [&str; 5] = [
    "spawn_many",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    "gather_yield",
];

/// Every target that the outcomes say something about.
pub fn judge(outcomes: &[Outcome]) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    let peers = [
        Contender::TokioCurrentThread,
        Contender::Smol,
        Contender::LocalPool,
    ];
    for name in SCHEDULER_WORKLOADS {
        verdicts.push(at_most_the_best(outcomes, name, "time", &peers));
    }
    let timer_peers = [
        Contender::TokioCurrentThread,
        Contender::TokioMultiThread,
        Contender::Smol,
    ];
    verdicts.push(at_most_the_best(
        outcomes,
        "timer_churn",
        "per timeout",
        &timer_peers,
    ));
    verdicts.push(at_most_the_best(
        outcomes,
        "sleep_many",
        "CPU time",
        &[
            Contender::TokioCurrentThread,
            Contender::TokioMultiThread,
            Contender::Smol,
            Contender::Asyncio,
        ],
    ));
    verdicts.push(at_least(
        outcomes,
        "tcp_echo",
        "round trips/s",
        Contender::Glassloop,
        Contender::TokioCurrentThread,
        1.0,
    ));
    verdicts.push(at_least(
        outcomes,
        "tcp_echo",
        "round trips/s",
        Contender::GlassloopWorkers,
        Contender::TokioMultiThread,
        1.0,
    ));
    verdicts.push(at_most_the_best(
        outcomes,
        "sleepers_1m",
        "peak RSS",
        &timer_peers,
    ));
    for name in SCHEDULER_WORKLOADS {
        verdicts.push(times_faster_than_asyncio(outcomes, name, "time", 20.0));
    }
    verdicts.push(times_faster_than_asyncio(
        outcomes,
        "timer_churn",
        "per timeout",
        20.0,
    ));
    verdicts.push(times_faster_than_asyncio(
        outcomes,
        "sleep_many",
        "CPU time",
        20.0,
    ));
    verdicts.push(at_least(
        outcomes,
        "tcp_echo",
        "round trips/s",
        Contender::Glassloop,
        Contender::Asyncio,
        2.0,
    ));
    verdicts.retain(|v| v.held != Held::NotMeasured || !v.glassloop.is_empty());
    verdicts
}

fn find<'a>(outcomes: &'a [Outcome], name: &str) -> Option<&'a Outcome> {
    outcomes.iter().find(|o| o.workload.name == name)
}

fn unit_of(outcome: &Outcome, metric: &str) -> crate::workloads::Unit {
    outcome
        .workload
        .metrics
        .iter()
        .find(|m| m.name == metric)
        .expect("a metric of this workload")
        .unit
}

/// A verdict for a workload that did not run at all; dropped from the table by `judge`.
fn unmeasured(target: String) -> Verdict {
    Verdict {
        target,
        glassloop: String::new(),
        compared_with: String::new(),
        ratio: String::new(),
        held: Held::NotMeasured,
    }
}

/// glassloop's median ≤ the lowest median among `peers` (a cost: time, CPU, memory).
fn at_most_the_best(
    outcomes: &[Outcome],
    name: &str,
    metric: &str,
    peers: &[Contender],
) -> Verdict {
    let labels: Vec<&str> = peers.iter().map(|p| p.label()).collect();
    let target = format!("{name}: {metric} ≤ the best of {}", labels.join(", "));
    let Some(outcome) = find(outcomes, name) else {
        return unmeasured(target);
    };
    let unit = unit_of(outcome, metric);
    let best = peers
        .iter()
        .filter_map(|&p| outcome.median(p, metric).map(|m| (p, m)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match (outcome.median(Contender::Glassloop, metric), best) {
        (Some(glassloop), Some((peer, theirs))) => Verdict {
            target,
            glassloop: format_value(unit, glassloop),
            compared_with: format!("{}: {}", peer.label(), format_value(unit, theirs)),
            ratio: format!("{} (glassloop ÷ best)", format_ratio(glassloop / theirs)),
            held: if glassloop <= theirs {
                Held::Yes
            } else {
                Held::No
            },
        },
        _ => Verdict {
            glassloop: "—".to_string(),
            ..unmeasured(target)
        },
    }
}

/// The median of `ours` — glassloop on one loop or on several — ≥ `factor` × `peer`'s (a
/// throughput).
fn at_least(
    outcomes: &[Outcome],
    name: &str,
    metric: &str,
    ours: Contender,
    peer: Contender,
    factor: f64,
) -> Verdict {
    // Which glassloop is meant is said only when it is not the plain one-loop glassloop.
    let what = if ours == Contender::Glassloop {
        metric.to_string()
    } else {
        format!("{metric} of {}", ours.label())
    };
    let target = if factor == 1.0 {
        format!("{name}: {what} ≥ {}", peer.label())
    } else {
        format!("{name}: {what} ≥ {factor}× {}", peer.label())
    };
    let Some(outcome) = find(outcomes, name) else {
        return unmeasured(target);
    };
    let unit = unit_of(outcome, metric);
    match (outcome.median(ours, metric), outcome.median(peer, metric)) {
        (Some(glassloop), Some(theirs)) => Verdict {
            target,
            glassloop: format_value(unit, glassloop),
            compared_with: format!("{}: {}", peer.label(), format_value(unit, theirs)),
            ratio: format!(
                "{} ({} ÷ them)",
                format_ratio(glassloop / theirs),
                ours.label()
            ),
            held: if glassloop >= factor * theirs {
                Held::Yes
            } else {
                Held::No
            },
        },
        _ => Verdict {
            glassloop: "—".to_string(),
            ..unmeasured(target)
        },
    }
}

/// asyncio's median ≥ `factor` × glassloop's (a cost).
fn times_faster_than_asyncio(
    outcomes: &[Outcome],
    name: &str,
    metric: &str,
    factor: f64,
) -> Verdict {
    let target = format!("{name}: {metric} ≥ {factor}× better than CPython asyncio");
    let Some(outcome) = find(outcomes, name) else {
        return unmeasured(target);
    };
    let unit = unit_of(outcome, metric);
    match (
        outcome.median(Contender::Glassloop, metric),
        outcome.median(Contender::Asyncio, metric),
    ) {
        (Some(glassloop), Some(theirs)) => Verdict {
            target,
            glassloop: format_value(unit, glassloop),
            compared_with: format!("asyncio: {}", format_value(unit, theirs)),
            ratio: format!("{} (asyncio ÷ glassloop)", format_ratio(theirs / glassloop)),
            held: if theirs >= factor * glassloop {
                Held::Yes
            } else {
                Held::No
            },
        },
        _ => Verdict {
            glassloop: "—".to_string(),
            ..unmeasured(target)
        },
    }
}
