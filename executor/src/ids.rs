//! The names the loop gives its tasks — what asyncio's `Task-1`, `Task-2` … are here.
//!
//! A task has two names, for two readers. The loop finds a task by its [`TaskId`]: the slot it
//! lives in and that slot's generation. People read its *number*: 1, 2, 3 … in spawn order (the
//! main future, what `run` or `block_on` drives, is 0), as asyncio names its tasks `Task-1`,
//! `Task-2` …. The number is handed out in one place,
//! [`TaskTable::allocate`](crate::task::TaskTable::allocate), and every report says it: the
//! trace, the timeline, the dump, [`all_tasks`](crate::all_tasks), a
//! [`JoinError`](crate::JoinError) and the stderr reports.
//!
//! This file depends on nothing; everything else may use it.
//!
//! Read next: [`error.rs`](crate::error), the other word every layer shares.

/// Names one task for the loop: the slot it lives in and that slot's generation when it was
/// spawned. Slots are reused; the generation makes an id of a task that has ended go stale, so a
/// late wake, abort or detach for it is ignored instead of hitting the slot's new owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl TaskId {
    /// The id the main future's waker carries: it has no slot in the table.
    pub(crate) const MAIN: TaskId = TaskId {
        index: u32::MAX,
        generation: 0,
    };
}

/// The number people see for the main future.
pub(crate) const MAIN_NUMBER: u64 = 0;
