//! A task's record in the loop's task table, and the life it goes through — asyncio's `Task`.
//!
//! In asyncio a `Task` wraps a coroutine and is scheduled on the loop with `call_soon` each time it can
//! make progress. Here a task is a slot in the loop's [`TaskTable`]: the boxed future, its state, its
//! waker, and — once it is done — its output, waiting for the `JoinHandle` to collect it.
//!
//! # The states of a task
//!
//! ```text
//!            spawn                pop from ready queue
//!   (free) ────────► Scheduled ─────────────────────► Running ──► poll returned Ready / panicked ──► Done
//!                       ▲                              │   │
//!                       │ wake                         │   │ wake during its own poll
//!                       │                              │   ▼
//!                      Idle ◄──── poll returned Pending┘  Notified ──► poll returned Pending ──► Scheduled
//! ```
//!
//! - **Idle**: waiting for a wake. It is in no queue. A wake moves it to *Scheduled* and pushes its id
//!   onto the ready queue.
//! - **Scheduled**: its id is in the ready queue exactly once. Another wake does nothing — this is
//!   why a task woken twice before it runs is polled once.
//! - **Running**: being polled right now; its future is out of the table, in the loop's hands. A wake
//!   moves it to *Notified*: we cannot queue it yet (it is running), but we must not lose the wake.
//! - **Notified**: woken while running. When the poll returns `Pending` it goes straight back to
//!   *Scheduled*, so a task that wakes itself (like `yield_now`) runs again in the next turn. The
//!   state is cleared to *Running* **before** the poll starts; that order is what makes a wake during
//!   the poll impossible to lose.
//! - **Done**: finished, panicked or aborted. It is never polled again; a late wake is ignored. The
//!   slot stays until the `JoinHandle` has taken the output (or is dropped), then it is freed.
//!
//! Slots are reused; every [`TaskId`] carries the slot's generation, so a wake for a task that has
//! ended and whose slot now holds another task is recognised as stale and ignored.
//!
//! Read next: [`waker.rs`](crate::waker) for how a wake finds its way back here.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::context;
use crate::introspect::WaitingOn;
use crate::join::JoinError;
use crate::outputs::StoredOutput;
use crate::waker::TaskWaker;

/// A type-erased task: the user's future itself, boxed — the one allocation a spawn makes.
pub(crate) type BoxedTask = Pin<Box<dyn Task>>;

/// What the loop needs of a task's future without knowing its output type: poll it, and when it
/// finishes, file its output where its `JoinHandle` will look (see [`outputs.rs`](crate::outputs)).
///
/// Implemented for every future, so the box holds the user's future as it is. (Wrapping it in an
/// `async` block that awaits it would do the same job, but the compiler keeps the block's captured
/// future and the future being awaited in separate places: the box would be twice the size.)
pub(crate) trait Task {
    /// Polls the future; on completion, files its output and says where.
    fn poll_task(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<StoredOutput>;
}

impl<F> Task for F
where
    F: Future,
    F::Output: 'static,
{
    fn poll_task(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<StoredOutput> {
        self.poll(cx).map(store_output)
    }
}

/// Files a finished task's output — boxed if zero-sized (which allocates nothing), otherwise in
/// the running loop's arena for its type.
fn store_output<T: 'static>(output: T) -> StoredOutput {
    if std::mem::size_of::<T>() == 0 {
        return StoredOutput::Boxed(Box::new(output));
    }
    let mut output = Some(output);
    context::with_current(|core| {
        let value = output.take().expect("stored once");
        StoredOutput::InArena(core.outputs.borrow_mut().put(value))
    })
    // A task is only polled by its own loop, so this is for completeness.
    .unwrap_or_else(|| StoredOutput::Boxed(Box::new(output.take().expect("stored once"))))
}

/// Names one task: the slot it lives in and that slot's generation when it was spawned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl TaskId {
    /// The id the `block_on` future's waker carries: it is not in the table.
    pub(crate) const MAIN: TaskId = TaskId {
        index: u32::MAX,
        generation: 0,
    };

    /// Marks a `JoinHandle` whose never-run task's cancellation has been reported.
    pub(crate) const TAKEN: TaskId = TaskId {
        index: u32::MAX,
        generation: 1,
    };

    /// The number shown to people (in panics and the trace): slot and generation folded together so
    /// that two tasks that shared a slot get different numbers.
    pub(crate) fn number(self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }
}

/// The states of a task; see the module docs for the transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskState {
    /// The slot holds no task.
    Free,
    /// Waiting for a wake; in no queue.
    Idle,
    /// In the ready queue, exactly once.
    Scheduled,
    /// Being polled now.
    Running,
    /// Woken while being polled: goes back to the ready queue when the poll returns `Pending`.
    Notified,
    /// Finished, panicked or aborted; never polled again.
    Done,
}

/// One slot of the task table.
pub(crate) struct TaskSlot {
    pub(crate) generation: u32,
    pub(crate) state: TaskState,
    /// The future while the task runs; its output or failure once it is done.
    pub(crate) body: TaskBody,
    /// Who is awaiting the `JoinHandle`, to be woken when the task is done.
    pub(crate) join_waker: Option<Waker>,
    /// Whether a `JoinHandle` still exists; if not, the slot is freed as soon as the task is done.
    pub(crate) has_handle: bool,
    /// `abort` was called while the task was running; it is cancelled when its poll returns.
    pub(crate) abort_requested: bool,
    /// The waker's shared part. It outlives the task in this slot and is reused by the next task
    /// spawned here when nobody else still holds a clone (saving one allocation per spawn).
    pub(crate) waker: Option<Arc<TaskWaker>>,
    /// The task's name, for the trace and panics.
    pub(crate) name: Option<Arc<str>>,
    /// 1, 2, 3 … in spawn order (as the trace and `all_tasks` number tasks).
    pub(crate) number: u64,
    /// Where it was spawned, to name an unnamed task.
    pub(crate) location: Option<&'static Location<'static>>,
    /// What it waits on, noted by the leaf future that returned `Pending` in its last poll.
    pub(crate) waiting_on: Option<WaitingOn>,
}

impl TaskSlot {
    fn vacant() -> TaskSlot {
        TaskSlot {
            generation: 0,
            state: TaskState::Free,
            body: TaskBody::Empty,
            join_waker: None,
            has_handle: false,
            abort_requested: false,
            waker: None,
            name: None,
            number: 0,
            location: None,
            waiting_on: None,
        }
    }
}

/// What a slot holds at each stage of its task's life. One field, not three, because the stages
/// never overlap — a task has a future *or* an output *or* a failure — and a slot is per task:
/// with a million tasks, every byte here is a megabyte.
pub(crate) enum TaskBody {
    /// Nothing: a free slot, or a task whose future the loop has taken out to poll it.
    Empty,
    /// The future, waiting for its next poll.
    Future(BoxedTask),
    /// Finished: its output (or where it waits), until the `JoinHandle` takes it.
    Output(StoredOutput),
    /// Finished without an output: aborted or panicked.
    Failed(Box<JoinError>),
}

impl TaskBody {
    /// Takes the body out, leaving the slot empty.
    pub(crate) fn take(&mut self) -> TaskBody {
        std::mem::replace(self, TaskBody::Empty)
    }
}

/// The loop's table of tasks: a vector of slots and a stack of free ones.
pub(crate) struct TaskTable {
    slots: Vec<TaskSlot>,
    free: Vec<u32>,
    live: usize,
}

impl Default for TaskTable {
    /// Room for a few hundred tasks from the start, so a fresh loop does not regrow (and copy) its
    /// table again and again as its first tasks arrive.
    fn default() -> TaskTable {
        TaskTable {
            slots: Vec::with_capacity(256),
            free: Vec::with_capacity(256),
            live: 0,
        }
    }
}

impl TaskTable {
    /// Takes a free slot (or grows the table) and returns its id. The caller fills it in.
    pub(crate) fn allocate(&mut self) -> TaskId {
        self.live += 1;
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&i| i < u32::MAX)
                    .expect("glassloop: more than 4 billion live tasks");
                self.slots.push(TaskSlot::vacant());
                index
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.state = TaskState::Idle;
        TaskId {
            index,
            generation: slot.generation,
        }
    }

    /// The slot of a live task, or `None` if the id is stale (its task ended and the slot moved on).
    pub(crate) fn get_mut(&mut self, id: TaskId) -> Option<&mut TaskSlot> {
        self.slots
            .get_mut(id.index as usize)
            .filter(|slot| slot.generation == id.generation && slot.state != TaskState::Free)
    }

    /// Like [`get_mut`](Self::get_mut), read-only.
    pub(crate) fn get(&self, id: TaskId) -> Option<&TaskSlot> {
        self.slots
            .get(id.index as usize)
            .filter(|slot| slot.generation == id.generation && slot.state != TaskState::Free)
    }

    /// Frees a slot: bumps its generation so old ids go stale, and hands back what it held so the
    /// caller can drop it *after* releasing the table (dropping can run user code).
    pub(crate) fn free(&mut self, id: TaskId) -> Option<TaskBody> {
        let slot = self.get_mut(id)?;
        slot.state = TaskState::Free;
        slot.generation = slot.generation.wrapping_add(1);
        slot.has_handle = false;
        slot.abort_requested = false;
        slot.join_waker = None;
        slot.name = None;
        slot.waiting_on = None;
        let leftovers = slot.body.take();
        self.free.push(id.index);
        self.live -= 1;
        Some(leftovers)
    }

    /// How many tasks are alive (not yet freed).
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// Every live slot, with its id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (TaskId, &TaskSlot)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.state != TaskState::Free)
            .map(|(index, slot)| {
                let id = TaskId {
                    index: index as u32,
                    generation: slot.generation,
                };
                (id, slot)
            })
    }

    /// Ids of every task that still holds a future or an output (used at shutdown).
    pub(crate) fn live_ids(&self) -> Vec<TaskId> {
        self.iter().map(|(id, _)| id).collect()
    }
}
