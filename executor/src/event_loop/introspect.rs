//! Looking inside a running loop — asyncio's `asyncio.all_tasks()`, and the loop's counters.
//!
//! The records themselves ([`TaskInfo`], [`WaitingOn`](crate::WaitingOn)) are words of the
//! observation layer, `observe/introspect.rs`; here the loop fills them in from its table. The same
//! view is what the watchers see of the loop ([`LoopView`]): the dump prints it.
//!
//! Read next: [`shutdown.rs`](super::shutdown).

use super::context;
use super::Core;
use crate::ids::{TaskId, MAIN_NUMBER};
use crate::observe::{task_name, LoopView, TaskInfo, TaskStatus};
use crate::task::TaskState;

/// Everything a `Runtime` can report about itself (see [`Runtime::stats`](crate::Runtime::stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tasks spawned and not yet freed (a finished task whose `JoinHandle` is alive still counts).
    pub live_tasks: usize,
    /// Timers armed in the wheel.
    pub armed_timers: usize,
    /// I/O sources registered with the reactor.
    pub registered_sources: usize,
    /// Tasks polled since the loop was created.
    pub polls: u64,
}

/// Every task of the running loop that has not finished, with what each waits on — asyncio's
/// `asyncio.all_tasks()`. The main future comes first, as number 0.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// use glassloop::{TaskStatus, WaitingOn};
///
/// glassloop::run(async {
///     let napper = glassloop::spawn_named("napper", glassloop::sleep(Duration::from_secs(5)));
///     glassloop::yield_now().await; // let it start and arm its timer
///     let tasks = glassloop::all_tasks();
///     let napper_info = tasks.iter().find(|t| t.name == "napper").unwrap();
///     assert_eq!(napper_info.number, 1);
///     assert_eq!(napper_info.status, TaskStatus::Waiting);
///     assert!(matches!(napper_info.waiting_on, Some(WaitingOn::Timer { .. })));
///     napper.abort();
/// });
/// ```
///
/// # Panics
///
/// Outside a running loop.
pub fn all_tasks() -> Vec<TaskInfo> {
    context::with_current(|core| core.tasks()).unwrap_or_else(|| {
        panic!("glassloop::all_tasks was called outside a running glassloop loop")
    })
}

/// The task being polled now — asyncio's `asyncio.current_task()`: its number, name, and status
/// (`Running`). The main future is task 0. `None` outside a running loop.
///
/// ```
/// # use glassloop_executor as glassloop;
/// glassloop::run(async {
///     assert_eq!(glassloop::current_task().unwrap().number, 0); // main()
///     let me = glassloop::spawn_named("worker", async { glassloop::current_task().unwrap() });
///     let info = me.await.unwrap();
///     assert_eq!((info.number, info.name.as_str()), (1, "worker"));
/// });
/// assert!(glassloop::current_task().is_none());
/// ```
pub fn current_task() -> Option<TaskInfo> {
    context::with_current(|core| match core.watch.running.get()? {
        TaskId::MAIN => core.tasks().into_iter().next(),
        task => core.task(task),
    })
    .flatten()
}

impl LoopView for Core {
    fn tasks(&self) -> Vec<TaskInfo> {
        let running = self.watch.running.get();
        let main = TaskInfo {
            number: MAIN_NUMBER,
            name: "main()".to_owned(),
            status: if running == Some(TaskId::MAIN) {
                TaskStatus::Running
            } else if self.main_woken.get() {
                TaskStatus::Ready
            } else {
                TaskStatus::Waiting
            },
            waiting_on: self.watch.main_waiting.get().map(Into::into),
        };
        let table = self.tasks.borrow();
        let mut live: Vec<TaskInfo> = table
            .iter()
            .filter(|(_, slot)| slot.state != TaskState::Done)
            .filter_map(|(id, _)| self.task_in(&table, id))
            .collect();
        live.sort_by_key(|info| info.number);
        live.insert(0, main);
        live
    }

    fn task(&self, task: TaskId) -> Option<TaskInfo> {
        self.task_in(&self.tasks.borrow(), task)
    }

    fn ready(&self) -> Vec<TaskId> {
        let mut ready = Vec::new();
        if self.main_woken.get() {
            ready.push(TaskId::MAIN);
        }
        ready.extend(self.ready_queue.snapshot());
        ready
    }

    fn timers(&self) -> Vec<(glassloop_timer::Position, usize)> {
        self.timers.occupancy()
    }

    fn sockets(&self) -> Vec<crate::driver::reactor::SourceState> {
        // The reactor may be borrowed by the loop right now (an event recorded mid-poll of the
        // selector): then there is nothing to show rather than a panic.
        self.reactor
            .try_borrow()
            .map(|reactor| reactor.sources())
            .unwrap_or_default()
    }
}

impl Core {
    /// One task of `table`, as `all_tasks` shows it.
    fn task_in(&self, table: &super::Tasks, id: TaskId) -> Option<TaskInfo> {
        let slot = table.get(id)?;
        Some(TaskInfo {
            number: slot.number,
            name: task_name(table.name(id), slot.location),
            status: match slot.state {
                TaskState::Scheduled => TaskStatus::Ready,
                TaskState::Running | TaskState::Notified => TaskStatus::Running,
                _ => TaskStatus::Waiting,
            },
            waiting_on: slot.waiting.map(Into::into),
        })
    }

    /// Counters for tests and the curious.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            live_tasks: self.tasks.borrow().live(),
            armed_timers: self.timers.armed(),
            registered_sources: self.reactor.borrow().registered(),
            polls: self.polls.get(),
        }
    }
}
