//! How a wake travels back to the loop — asyncio's `call_soon` and `call_soon_threadsafe`.
//!
//! A [`Waker`](std::task::Waker) is the only thing a future keeps when it returns `Pending`; calling
//! `wake()` must get its task polled again. Rust requires wakers to be `Send + Sync`, so a waker cannot
//! hold the loop's queue (which is single-threaded, like asyncio's `_ready` deque). Instead it holds
//! only the task's id and a handle to the loop's [`Shared`] part, and decides at wake time:
//!
//! - **on the loop's own thread** (the usual case: a timer fired, a socket became ready, another task
//!   called `wake`): push the id onto the local ready queue. No lock, no atomic. This is asyncio's
//!   `loop.call_soon(task.__step)`.
//! - **from any other thread** (a `to_thread` job finished, a user thread woke us): send the id through
//!   a crossbeam channel and poke the reactor's `mio::Waker`, so a loop asleep in `epoll_wait` wakes
//!   up. This is asyncio's `call_soon_threadsafe`, which writes a byte to the loop's self-pipe. The poke
//!   is skipped when the loop has already been poked and has not yet looked — one system call per
//!   burst of wakes, not one per wake.
//!
//! "Its own thread" means: this thread is running *that* loop right now. Loops are numbered, so two
//! loops on one thread (one after the other, or a second runtime) never take each other's wakes.
//!
//! Read next: [`event_loop.rs`](crate::event_loop), where queued ids are polled.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_channel::Sender;
use futures_task::ArcWake;

use crate::context;
use crate::event_loop::Core;
use crate::reactor::SourceKey;
use crate::task::TaskId;

/// A request that reaches the loop through its channel, from another thread (or from outside
/// `block_on`).
pub(crate) enum Message {
    /// Wake this task (or the `block_on` future, for [`TaskId::MAIN`]).
    Wake(TaskId),
    /// Cancel this task: its `JoinHandle::abort` was called off the loop.
    Abort(TaskId),
    /// Its `JoinHandle` was dropped off the loop: free the task when it is done.
    Detach(TaskId),
    /// A socket was dropped off the loop: free its reactor slot (closing the fd already took it
    /// out of epoll).
    ReleaseSource(SourceKey),
    /// Spawn a task sent by [`Handle::spawn`](crate::Handle::spawn) from another thread.
    Spawn(Box<dyn FnOnce(&Core) + Send>),
}

/// The part of a loop that other threads may touch. Everything here is `Send + Sync`.
pub(crate) struct Shared {
    /// This loop's number.
    pub(crate) loop_id: u64,
    /// The other end is drained by the loop at the start of every turn.
    pub(crate) remote_queue: Sender<Message>,
    /// Set when a message was sent and the reactor poked; cleared when the loop drains the channel.
    pub(crate) notified: AtomicBool,
    /// Interrupts `mio::Poll::poll` from any thread.
    pub(crate) poll_waker: mio::Waker,
    /// `to_thread` jobs still running: under virtual time the clock may not jump while one is
    /// outstanding, because its completion is a wake the loop must wait for.
    pub(crate) blocking_jobs: AtomicUsize,
    /// Set when the loop has shut down: its tasks are all gone.
    pub(crate) closed: AtomicBool,
}

impl Shared {
    /// Delivers `message` from outside the loop's thread, waking the loop if it sleeps.
    pub(crate) fn send(&self, message: Message) {
        // If the loop is gone the channel is closed: the message has nowhere to go, and dropping
        // it is exactly right (a late wake is harmless).
        if self.remote_queue.send(message).is_err() {
            return;
        }
        // Only the first sender of a burst pays for the system call.
        if !self.notified.swap(true, Ordering::AcqRel) {
            // An error here means the eventfd is gone with the loop; nothing to do.
            let _ = self.poll_waker.wake();
        }
    }
}

/// The shared part of a task's waker: which task, and which loop.
pub(crate) struct TaskWaker {
    pub(crate) task: TaskId,
    pub(crate) shared: Arc<Shared>,
}

impl ArcWake for TaskWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        let task = arc_self.task;
        let loop_id = arc_self.shared.loop_id;
        // Fast path: this thread is running the task's own loop.
        let delivered = context::with_current(|core| {
            if core.id == loop_id {
                core.schedule(task);
                true
            } else {
                false
            }
        });
        if delivered != Some(true) {
            arc_self.shared.send(Message::Wake(task));
        }
    }
}
