//! Reaching a loop from another thread — asyncio's `asyncio.run_coroutine_threadsafe(coro, loop)`.
//!
//! A loop and its tasks live on one thread, but other threads sometimes need to hand it work: a GUI
//! thread, a callback from a C library, a plain `std::thread`. A [`Handle`] is the part of a loop
//! that may cross threads. [`Handle::spawn`] sends a `Send` future through the loop's cross-thread
//! channel (the same road a wake from another thread takes, see [waker.rs](crate::event_loop::waker)); the loop
//! spawns it at its next turn. The result comes back through a [`RemoteJoinHandle`], which the other
//! thread can block on (`join`, like `concurrent.futures.Future.result()`) or await from a loop of
//! its own.
//!
//! Read next: [`gather.rs`](mod@crate::gather), waiting for many futures in one task.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::JoinError;
use crate::event_loop::context;
use crate::event_loop::waker::{Message, Shared};
use crate::spawn::JoinHandle;
use crate::store_waker::store_waker;

/// A `Send + Sync` handle to a loop, for other threads — see the module docs.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// let rt = glassloop::Runtime::new().unwrap();
/// let handle = rt.handle();
/// let worker = std::thread::spawn(move || {
///     // From a plain thread: run a coroutine on the loop and wait for its result.
///     handle
///         .spawn(async {
///             glassloop::sleep(Duration::from_millis(5)).await;
///             "computed on the loop"
///         })
///         .join()
/// });
/// // The loop must be running for the work to happen.
/// rt.block_on(glassloop::sleep(Duration::from_millis(100)));
/// assert_eq!(worker.join().unwrap().unwrap(), "computed on the loop");
/// ```
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handle(loop {})", self.shared.loop_id)
    }
}

impl Handle {
    pub(crate) fn new(shared: Arc<Shared>) -> Handle {
        Handle { shared }
    }

    /// The handle of the loop running on this thread.
    ///
    /// # Panics
    ///
    /// Outside a running loop (use [`Runtime::handle`](crate::Runtime::handle) there).
    pub fn current() -> Handle {
        context::with_current(|core| Handle::new(core.shared().clone())).unwrap_or_else(|| {
            panic!(
                "Handle::current was called outside a running glassloop loop; \
                 use Runtime::handle() to get one from the runtime itself"
            )
        })
    }

    /// Spawns `future` on the loop, from any thread — asyncio's `run_coroutine_threadsafe`.
    ///
    /// The loop spawns it at its next turn (waking up if it was asleep). If the loop has shut
    /// down, or shuts down before the task finishes, the handle yields a cancelled `JoinError`.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> RemoteJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let slot = Arc::new(ResultSlot::default());
        let sender = ResultSender { slot: slot.clone() };
        let location = Location::caller();
        let spawn_it = Box::new(move |core: &crate::event_loop::Core| {
            let slot = sender.slot.clone();
            let task = async move {
                let output = future.await;
                sender.send(output);
            };
            let spawned = core.spawn(task, None, location);
            if let Ok(task) = &spawned {
                slot.number.store(task.number(), Ordering::Relaxed);
            }
            // Detached: the result travels through the slot, not the JoinHandle.
            drop(JoinHandle::<()>::new(spawned));
        });
        self.shared.send(Message::Spawn(spawn_it));
        RemoteJoinHandle { slot }
    }
}

/// Where a remotely spawned task leaves its result.
struct ResultSlot<T> {
    state: Mutex<SlotState<T>>,
    /// For `join`, which blocks a thread.
    ready: Condvar,
    /// The task's number once the loop has spawned it (0 until then), for its `JoinError`.
    number: AtomicU64,
}

struct SlotState<T> {
    result: Option<Result<T, JoinError>>,
    /// The result has been handed out.
    taken: bool,
    /// For `.await`, from a loop on another thread.
    waker: Option<Waker>,
}

impl<T> Default for ResultSlot<T> {
    fn default() -> Self {
        ResultSlot {
            state: Mutex::new(SlotState {
                result: None,
                taken: false,
                waker: None,
            }),
            ready: Condvar::new(),
            number: AtomicU64::new(0),
        }
    }
}

/// The task's side of the slot. If it is dropped without sending — the task was cancelled or
/// panicked, or the loop went away before spawning it — the waiter gets a `JoinError`.
struct ResultSender<T> {
    slot: Arc<ResultSlot<T>>,
}

impl<T> ResultSender<T> {
    fn send(self, value: T) {
        self.fill(Ok(value));
    }

    fn fill(&self, result: Result<T, JoinError>) {
        let waker = {
            let mut state = self
                .slot
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if state.result.is_some() {
                return;
            }
            state.result = Some(result);
            state.waker.take()
        };
        self.slot.ready.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for ResultSender<T> {
    fn drop(&mut self) {
        // A no-op after `send`; otherwise the task never produced a value.
        let failure = match self.slot.number.load(Ordering::Relaxed) {
            0 => JoinError::never_started(),
            number => JoinError::cancelled(number),
        };
        self.fill(Err(failure));
    }
}

/// The result of a future spawned with [`Handle::spawn`]: block on it with [`join`](Self::join),
/// or await it from another loop. Awaited, it is one-shot: polling it again after it returned
/// panics.
#[must_use = "dropping the handle does not cancel the task; it only stops waiting for it"]
pub struct RemoteJoinHandle<T> {
    slot: Arc<ResultSlot<T>>,
}

impl<T> RemoteJoinHandle<T> {
    /// Blocks this thread until the task finishes — `concurrent.futures.Future.result()`.
    ///
    /// Do not call it on the loop's own thread: the loop could not run the task while blocked.
    pub fn join(self) -> Result<T, JoinError> {
        let mut state = self
            .slot
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(result) = state.result.take() {
                return result;
            }
            state = self
                .slot
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<T> Future for RemoteJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self
            .slot
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(result) = state.result.take() {
            state.taken = true;
            return Poll::Ready(result);
        }
        assert!(
            !state.taken,
            "a RemoteJoinHandle was polled again after it returned its output; await it once"
        );
        let replaced = store_waker(&mut state.waker, cx.waker());
        drop(state);
        drop(replaced);
        Poll::Pending
    }
}
