//! What one workload's run gave — every repetition of every runtime — and how a number or a ratio
//! is written in the report's tables. Both the targets and the report read these.

use crate::contenders::Contender;
use crate::measure::Summary;
use crate::workloads::{Unit, Workload};

/// Every repetition of one workload.
pub struct Outcome {
    pub workload: &'static Workload,
    pub sizes: Vec<u64>,
    /// Measured repetitions per contender (after the warm-up).
    pub reps: usize,
    /// One row per contender that ran, in the workload's order: `samples[metric][repetition]`.
    pub rows: Vec<(Contender, Vec<Vec<f64>>)>,
}

impl Outcome {
    /// The summary of `contender` on metric number `metric`, if it ran.
    pub fn summary(&self, contender: Contender, metric: usize) -> Option<Summary> {
        let (_, samples) = self.rows.iter().find(|(c, _)| *c == contender)?;
        Summary::of(&samples[metric])
    }

    /// The median of `contender` on the metric named `metric`.
    pub fn median(&self, contender: Contender, metric: &str) -> Option<f64> {
        let index = self
            .workload
            .metrics
            .iter()
            .position(|m| m.name == metric)?;
        Some(self.summary(contender, index)?.median)
    }
}

/// A number in a metric's unit, for a table cell.
pub fn format_value(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Seconds if value < 1e-3 => format!("{} µs", three_digits(value * 1e6)),
        Unit::Seconds if value < 1.0 => format!("{} ms", three_digits(value * 1e3)),
        Unit::Seconds => format!("{} s", three_digits(value)),
        Unit::NanosPerOp => format!("{} ns", three_digits(value)),
        Unit::PerSecond if value >= 1e6 => format!("{} M/s", three_digits(value / 1e6)),
        Unit::PerSecond => format!("{} k/s", three_digits(value / 1e3)),
        Unit::Bytes => format!("{} MiB", three_digits(value / (1024.0 * 1024.0))),
        Unit::BytesPerTask => format!("{value:.0} B"),
    }
}

/// About three significant digits: 1.23, 12.3, 123, 1234.
fn three_digits(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// A ratio, `1.93×`.
pub fn format_ratio(ratio: f64) -> String {
    if ratio >= 100.0 {
        format!("{ratio:.0}×")
    } else if ratio >= 10.0 {
        format!("{ratio:.1}×")
    } else {
        format!("{ratio:.2}×")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_in_their_units() {
        assert_eq!(format_value(Unit::Seconds, 0.000_123_4), "123 µs");
        assert_eq!(format_value(Unit::Seconds, 0.012_34), "12.3 ms");
        assert_eq!(format_value(Unit::Seconds, 1.5), "1.50 s");
        assert_eq!(format_value(Unit::PerSecond, 45_600.0), "45.6 k/s");
        assert_eq!(format_value(Unit::Bytes, 3.0 * 1024.0 * 1024.0), "3.00 MiB");
        assert_eq!(format_ratio(21.04), "21.0×");
    }
}
