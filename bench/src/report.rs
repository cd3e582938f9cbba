//! Turning repetitions into markdown: the machine description, the summary table, the targets and
//! one detailed table per workload (median, min and max, and each runtime ÷ glassloop).

use std::fmt::Write as _;

use crate::contenders::Contender;
use crate::outcome::{format_ratio, format_value, Outcome};
use crate::targets::Verdict;

/// What the report says about where and how it was measured.
pub struct Setting {
    pub date: String,
    pub commit: String,
    pub rustc: String,
    pub cpu: String,
    pub python: String,
    pub load_before: String,
    pub load_after: String,
    pub command: String,
    pub quick: bool,
}

/// The whole report.
pub fn render(setting: &Setting, outcomes: &[Outcome], verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# glassloop benchmark results\n");
    let _ = writeln!(out, "- date: {}", setting.date);
    let _ = writeln!(out, "- glassloop commit: {}", setting.commit);
    let _ = writeln!(out, "- rustc: `{}`", setting.rustc);
    let _ = writeln!(out, "- CPU: {}", setting.cpu);
    let _ = writeln!(out, "- python: {}", setting.python);
    let _ = writeln!(
        out,
        "- load average (1, 5, 15 min) before: {}; after: {}",
        setting.load_before, setting.load_after
    );
    let _ = writeln!(out, "- command: `{}`", setting.command);
    let _ = writeln!(
        out,
        "- method: every runtime runs in a worker process of its own; each repetition runs every \
         runtime once, interleaved (the order rotates each repetition), after one warm-up \
         repetition that is not counted; figures are medians, \
         ratios are the runtime's median ÷ glassloop's (for a time, above 1 means glassloop is \
         faster; for round trips/s, below 1 does).{}",
        if setting.quick {
            " **Quick pass: small sizes, few repetitions — not for comparison.**"
        } else {
            ""
        }
    );
    out.push('\n');

    render_summary(&mut out, outcomes);
    if !verdicts.is_empty() {
        render_verdicts(&mut out, verdicts);
    }
    let _ = writeln!(out, "## Details\n");
    for outcome in outcomes {
        render_details(&mut out, outcome);
    }
    out
}

/// The runtimes the summary has a column for. glassloop on 2 loops has none: it runs `tcp_echo`
/// only, so a column of its own would be empty but for one row; it is in that workload's details
/// and in the targets.
const SUMMARY_COLUMNS: [Contender; 6] = [
    Contender::Glassloop,
    Contender::TokioCurrentThread,
    Contender::TokioMultiThread,
    Contender::Smol,
    Contender::LocalPool,
    Contender::Asyncio,
];

fn render_summary(out: &mut String, outcomes: &[Outcome]) {
    let _ = writeln!(
        out,
        "## Summary (medians; ratio to glassloop in brackets)\n"
    );
    let header: Vec<&str> = SUMMARY_COLUMNS.iter().map(|c| c.label()).collect();
    let _ = writeln!(out, "| workload | metric | {} |", header.join(" | "));
    let _ = writeln!(out, "|---|---|{}", "---:|".repeat(SUMMARY_COLUMNS.len()));
    for outcome in outcomes {
        let workload = outcome.workload;
        // The scaling tables only make sense in full; they are in the details.
        if workload.name.starts_with("scaling") {
            continue;
        }
        for (index, metric) in workload.metrics.iter().enumerate() {
            let glassloop = outcome.summary(Contender::Glassloop, index);
            let cells: Vec<String> = SUMMARY_COLUMNS
                .iter()
                .map(|&contender| match outcome.summary(contender, index) {
                    None => "—".to_string(),
                    Some(s) => match glassloop {
                        Some(g) if contender != Contender::Glassloop => format!(
                            "{} ({})",
                            format_value(metric.unit, s.median),
                            format_ratio(s.median / g.median)
                        ),
                        _ => format_value(metric.unit, s.median),
                    },
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {}{} | {} |",
                workload.name,
                metric.name,
                if metric.higher_is_better {
                    " (higher is better)"
                } else {
                    ""
                },
                cells.join(" | ")
            );
        }
    }
    out.push('\n');
}

fn render_verdicts(out: &mut String, verdicts: &[Verdict]) {
    let _ = writeln!(out, "## Targets\n");
    let _ = writeln!(
        out,
        "| target | glassloop | compared with | ratio | held? |"
    );
    let _ = writeln!(out, "|---|---:|---|---:|---|");
    for verdict in verdicts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            verdict.target,
            verdict.glassloop,
            verdict.compared_with,
            verdict.ratio,
            verdict.held.label()
        );
    }
    out.push('\n');
}

fn render_details(out: &mut String, outcome: &Outcome) {
    let workload = outcome.workload;
    let sizes: Vec<String> = workload
        .params
        .iter()
        .zip(&outcome.sizes)
        .map(|(p, v)| format!("{}={}", p.name, v))
        .collect();
    let _ = writeln!(out, "### {} — {}\n", workload.name, workload.stresses);
    let _ = writeln!(
        out,
        "Sizes: {}. {} measured repetitions per runtime after a warm-up.\n",
        sizes.join(", "),
        outcome.reps
    );
    let mut header = vec!["runtime".to_string()];
    let mut rule = vec!["---".to_string()];
    for metric in workload.metrics {
        header.push(format!("{}: median (min – max)", metric.name));
        header.push("÷ glassloop".to_string());
        rule.push("---:".to_string());
        rule.push("---:".to_string());
    }
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for (contender, _) in &outcome.rows {
        let mut cells = vec![contender.label().to_string()];
        for (index, metric) in workload.metrics.iter().enumerate() {
            match outcome.summary(*contender, index) {
                None => {
                    cells.push("—".to_string());
                    cells.push(String::new());
                }
                Some(s) => {
                    cells.push(format!(
                        "{} ({} – {})",
                        format_value(metric.unit, s.median),
                        format_value(metric.unit, s.min),
                        format_value(metric.unit, s.max)
                    ));
                    let ratio = outcome
                        .summary(Contender::Glassloop, index)
                        .map(|g| format_ratio(s.median / g.median))
                        .unwrap_or_default();
                    cells.push(ratio);
                }
            }
        }
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Today's date (UTC) from the system clock, as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// The CPU model from `/proc/cpuinfo`, and how many cores this process may use.
pub fn cpu_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} cores available")
}

/// The first three fields of `/proc/loadavg`.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_string())
}

/// The commit the benchmark was built from (`git rev-parse --short HEAD`), marked when the work
/// tree has uncommitted changes.
pub fn git_commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match (
        git(&["rev-parse", "--short", "HEAD"]),
        git(&["status", "--porcelain"]),
    ) {
        (Some(commit), Some(changes)) if !changes.is_empty() => {
            format!("{commit} (with uncommitted changes)")
        }
        (Some(commit), _) => commit,
        (None, _) => "unknown".to_string(),
    }
}

/// `rustc -V`, as cargo would run it.
pub fn rustc_version() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    std::process::Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_is_plausible() {
        let date = utc_now();
        assert!(date.starts_with("20") && date.ends_with("UTC"), "{date}");
    }
}
