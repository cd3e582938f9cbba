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
//! A task's [`TaskWaker`] is also what its `JoinHandle` holds: the one piece of a task that other
//! threads may see, so it carries what they may ask — the task's number, and whether it has
//! finished.
//!
//! Read next: the layers above the loop: [`time/`](crate::time), then [`io/`](crate::io).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use futures_task::ArcWake;

use super::{context, Core};
use crate::driver::reactor::{Reactor, SourceKey, WAKE_TOKEN};
use crate::ids::TaskId;

/// Resolves a host name and port to socket addresses, on a helper thread (see
/// `Builder::resolver`; the default asks the system, as `std::net::ToSocketAddrs` does).
pub(crate) type Resolver = Arc<dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync>;

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
    /// Replaces the system's name resolution, when the `Builder` was given one.
    pub(crate) resolver: Option<Resolver>,
}

impl Shared {
    /// The shared part of loop `loop_id`, whose selector is `reactor`, and the receiving end of
    /// its channel.
    pub(crate) fn new(
        loop_id: u64,
        reactor: &Reactor,
        resolver: Option<Resolver>,
    ) -> io::Result<(Shared, Receiver<Message>)> {
        let poll_waker = mio::Waker::new(reactor.registry(), WAKE_TOKEN)?;
        let (remote_queue, remote_inbox) = crossbeam_channel::unbounded();
        let shared = Shared {
            loop_id,
            remote_queue,
            notified: AtomicBool::new(false),
            poll_waker,
            blocking_jobs: AtomicUsize::new(0),
            resolver,
        };
        Ok((shared, remote_inbox))
    }

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

/// The shared part of a task's waker: which task, and which loop — and, for its `JoinHandle`,
/// the task's number and whether it has finished.
pub(crate) struct TaskWaker {
    pub(crate) task: TaskId,
    /// The task's number, shifted left by one, and in the lowest bit whether it has finished. One
    /// word, so the whole allocation stays in the same size class as before it carried them
    /// (48 bytes with its reference counts and malloc's header).
    progress: AtomicU64,
    pub(crate) shared: Arc<Shared>,
}

impl TaskWaker {
    pub(crate) fn new(task: TaskId, number: u64, shared: Arc<Shared>) -> TaskWaker {
        TaskWaker {
            task,
            progress: AtomicU64::new(number << 1),
            shared,
        }
    }

    /// Makes this waker the new task's, when nobody else holds it any more (hence `&mut`).
    pub(crate) fn reuse(&mut self, task: TaskId, number: u64) {
        self.task = task;
        *self.progress.get_mut() = number << 1;
    }

    /// The task's number (1, 2, 3 … in spawn order).
    pub(crate) fn number(&self) -> u64 {
        self.progress.load(Ordering::Relaxed) >> 1
    }

    /// Whether the task has finished: returned, panicked, or was cancelled. Any thread may ask.
    pub(crate) fn is_finished(&self) -> bool {
        self.progress.load(Ordering::Acquire) & 1 == 1
    }

    /// The loop marks the task finished (only the loop's thread writes, so a plain store does).
    pub(crate) fn mark_finished(&self) {
        let number = self.progress.load(Ordering::Relaxed);
        self.progress.store(number | 1, Ordering::Release);
    }
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
