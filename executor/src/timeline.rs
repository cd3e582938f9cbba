//! The timeline: an ASCII chart of every task's life, drawn when the loop ends.
//!
//! (Filled in by the tutorial part; for now it records nothing and draws nothing.)

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::task::TaskId;
use crate::trace::Event;

/// What the chart needs to know about each task.
#[derive(Default)]
pub(crate) struct Timeline {}

impl Timeline {
    /// Notes an event at time `at` since the loop started.
    pub(crate) fn record(&mut self, _at: Duration, _event: &Event) {}

    /// The chart.
    pub(crate) fn render(&self, _end: Duration, _names: &HashMap<TaskId, Arc<str>>) -> String {
        String::new()
    }
}
