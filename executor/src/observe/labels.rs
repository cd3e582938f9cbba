//! How a task is named — asyncio's `Task-3` and `name=`, as the trace, the timeline, the dump and
//! `all_tasks` show it.
//!
//! A task is its number, then its name when it was spawned with one (`spawn_named`), otherwise
//! the file and line of the `spawn` call. The file is shown without its directories, so a label
//! is the same whichever crate the file was compiled into.
//!
//! Read next: [`introspect.rs`](super::introspect), what a task is waiting on.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::Arc;

use crate::ids::TaskId;

/// A task's name for people: the name given with `spawn_named`, or `file.rs:12` of its spawn.
pub(crate) fn task_name(name: Option<&str>, location: Option<&Location<'_>>) -> String {
    match (name, location) {
        (Some(name), _) => name.to_owned(),
        (None, Some(location)) => {
            let file = std::path::Path::new(location.file())
                .file_name()
                .and_then(|file| file.to_str())
                .unwrap_or(location.file());
            format!("{file}:{}", location.line())
        }
        (None, None) => String::new(),
    }
}

/// The trace's label of every task seen spawned: `task 3 'fetch'` for a named task,
/// `task 3 (demo.rs:12)` for an unnamed one, `main()` for the main future.
#[derive(Default)]
pub(crate) struct Labels {
    by_task: HashMap<TaskId, Arc<str>>,
}

impl Labels {
    /// Notes a task as it is spawned.
    pub(crate) fn spawned(
        &mut self,
        task: TaskId,
        number: u64,
        name: Option<&str>,
        location: &Location<'_>,
    ) {
        let label = match name {
            Some(name) => format!("task {number} '{name}'"),
            None => format!("task {number} ({})", task_name(None, Some(location))),
        };
        self.by_task.insert(task, Arc::from(label));
    }

    /// How `task` is shown.
    pub(crate) fn get(&self, task: TaskId) -> &str {
        if task == TaskId::MAIN {
            return "main()";
        }
        // Every task is seen spawned: the watchers live as long as the loop.
        self.by_task.get(&task).map_or("a task", |label| label)
    }
}
