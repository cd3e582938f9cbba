//! A task and the life it goes through — asyncio's `Task`.
//!
//! In asyncio a `Task` wraps a coroutine and is scheduled on the loop with `call_soon` each time it
//! can make progress. Here a task is a slot in the loop's [`TaskTable`]: the boxed future, its
//! state, its waker, and — once it is done — its output, waiting for the `JoinHandle` to collect
//! it. This folder is the task alone: it knows nothing of the loop that drives it.
//!
//! - `mod.rs` (this file) — a task's states and what a slot holds;
//! - [`table.rs`](table) — the table of slots, where tasks get their ids and numbers;
//! - [`outputs.rs`](outputs) — where finished tasks leave their outputs.
//!
//! # The states of a task
//!
//! Each arrow is labelled with the function that makes the move (`schedule`, `run_task` and
//! `abort` are in `event_loop/`, `allocate` and `free` in `table.rs`).
//!
//! ```text
//!             allocate, then spawn           run_task: popped from the ready queue
//!   Free ─────────────────────────► Scheduled ─────────────────────────────────► Running
//!    ▲                               ▲     ▲                                     │    │
//!    │                               │     │ run_task: Pending                    │    │ schedule:
//!    │                     schedule: │     │ (woken meanwhile)                    │    │ woken during
//!    │                       woken   │     └──────────────── Notified ◄───────────┼────┘ its own poll
//!    │                               │                          │                 │
//!    │                               │                          │ run_task:       │ run_task:
//!    │                               │   run_task: Pending      │ Ready, panicked │ Ready, panicked
//!    │                              Idle ◄──────────────────────┼─────────────────┘ or Pending
//!    │                               │                          │ or aborted      │ after an abort
//!    │                               │ abort                    ▼ in its poll     │ in its poll
//!    │                               └─────────────────────────► Done ◄───────────┘
//!    │            free: its JoinHandle took the output            │ ▲
//!    └─────────── or was dropped (and shutdown frees all) ────────┘ └── abort (from Scheduled)
//! ```
//!
//! - **Free**: the slot holds no task; it is on the table's free list.
//! - **Scheduled**: its id is in the ready queue exactly once. Another wake does nothing — this is
//!   why a task woken twice before it runs is polled once.
//! - **Running**: being polled right now; its future is out of the table, in the loop's hands. A
//!   wake moves it to *Notified*: it cannot be queued yet (it is running), but the wake must not be
//!   lost.
//! - **Notified**: woken while running. When the poll returns `Pending` it goes straight back to
//!   *Scheduled*, so a task that wakes itself (like `yield_now`) runs again in the next turn. The
//!   state is set to *Running* **before** the poll starts; that order is what makes a wake during
//!   the poll impossible to lose.
//! - **Idle**: waiting for a wake, in no queue. A wake moves it to *Scheduled* and pushes its id
//!   onto the ready queue.
//! - **Done**: finished, panicked or aborted. It is never polled again; a late wake is ignored. The
//!   slot stays until the `JoinHandle` has taken the output (or is dropped), then it is freed.
//!
//! Slots are reused; every [`TaskId`](crate::ids::TaskId) carries the slot's generation, so a wake for a task that has
//! ended and whose slot now holds another task is recognised as stale and ignored.
//!
//! Read next: [`table.rs`](table).

use std::cell::RefCell;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::error::JoinError;
use crate::observe::Waiting;

pub(crate) mod outputs;
mod table;

use outputs::{OutputArenas, StoredOutput};
pub(crate) use table::TaskTable;

/// A type-erased task: the user's future itself, boxed — the one allocation a spawn makes.
pub(crate) type BoxedTask = Pin<Box<dyn Task>>;

/// What the loop needs of a task's future without knowing its output type: poll it, and when it
/// finishes, file its output where its `JoinHandle` will look (see [`outputs.rs`](outputs)).
///
/// Implemented for every future, so the box holds the user's future as it is. (Wrapping it in an
/// `async` block that awaits it would do the same job, but the compiler keeps the block's captured
/// future and the future being awaited in separate places: the box would be twice the size.)
pub(crate) trait Task {
    /// Polls the future; on completion, files its output in `outputs` and says where.
    fn poll_task(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        outputs: &RefCell<OutputArenas>,
    ) -> Poll<StoredOutput>;
}

impl<F> Task for F
where
    F: Future,
    F::Output: 'static,
{
    fn poll_task(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        outputs: &RefCell<OutputArenas>,
    ) -> Poll<StoredOutput> {
        // The arenas are borrowed only once the poll has returned: no borrow is held while the
        // user's code runs.
        self.poll(cx).map(|output| outputs.borrow_mut().put(output))
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

/// One slot of the task table. With a million tasks every byte here is a megabyte, so what only
/// the rare reader needs lives elsewhere: a task's name in the table's side map, and everything
/// the trace keeps in the observation layer.
///
/// `W` is the waker's shared part. The loop decides what that is (an `Arc<TaskWaker>`, see
/// [`waker.rs`](crate::event_loop::waker)); the task layer only keeps it, so it needs to know
/// nothing of the loop above it.
pub(crate) struct TaskSlot<W> {
    pub(crate) generation: u32,
    pub(crate) state: TaskState,
    /// Whether a `JoinHandle` still exists; if not, the slot is freed as soon as the task is done.
    pub(crate) has_handle: bool,
    /// `abort` was called while the task was running; it is cancelled when its poll returns.
    pub(crate) abort_requested: bool,
    /// The task's number: 1, 2, 3 … in spawn order (see [`ids.rs`](crate::ids)). Its waker
    /// carries it too, for a `JoinHandle` on another thread; the loop reads it here, because
    /// while the task is polled the loop holds the waker.
    pub(crate) number: u64,
    /// The future while the task runs; its output or failure once it is done.
    pub(crate) body: TaskBody,
    /// Who is awaiting the `JoinHandle`, to be woken when the task is done.
    pub(crate) join_waker: Option<Waker>,
    /// The waker's shared part. It outlives the task in this slot and is reused by the next task
    /// spawned here when nobody else still holds a clone (saving one allocation per spawn).
    pub(crate) waker: Option<W>,
    /// Where it was spawned, to name an unnamed task.
    pub(crate) location: Option<&'static Location<'static>>,
    /// What it waits on, noted by the leaf future that returned `Pending` in its last poll.
    pub(crate) waiting: Option<Waiting>,
}

/// What a slot holds at each stage of its task's life. One field, not three, because the stages
/// never overlap — a task has a future *or* an output *or* a failure.
pub(crate) enum TaskBody {
    /// Nothing: a free slot, or a task whose future the loop has taken out to poll it.
    Empty,
    /// The future, waiting for its next poll.
    Future(BoxedTask),
    /// Finished: where its output waits, until the `JoinHandle` takes it.
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
