//! `to_thread` and its thread pool — asyncio's `await asyncio.to_thread(func)`.
//!
//! Some work cannot be made non-blocking: reading a file, calling a library that sleeps, crunching
//! numbers. Run on the loop's thread it would freeze every task. `to_thread` sends it to a small pool
//! of helper threads instead and gives back a [`JoinHandle`]; when the job finishes, its thread wakes
//! the waiting task **through the cross-thread road** (the channel and the `mio::Waker`, see
//! [waker.rs](crate::event_loop::waker)) — exactly how asyncio's `to_thread` finishes with
//! `call_soon_threadsafe`.
//!
//! The pool is shared by every loop in the process. Threads are started on demand, up to
//! [`MAX_THREADS`], and an idle thread exits after [`IDLE_TIMEOUT`], so a program that calls
//! `to_thread` once does not keep a crowd of threads around.
//!
//! Read next: [`fs.rs`](super::fs), files through this pool.

use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::event_loop::context;
use crate::observe::Waiting;
use crate::spawn::{spawn_named, JoinHandle};
use crate::store_waker::store_waker;

/// The most threads the pool runs at once (asyncio's default executor allows `min(32, cpus + 4)`;
/// blocking work mostly waits, so more is fine).
pub(crate) const MAX_THREADS: usize = 64;

/// How long an idle pool thread waits for work before it exits.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the blocking function `f` on a helper thread and returns a handle to await its result —
/// asyncio's `await asyncio.to_thread(f)`.
///
/// The loop goes on running other tasks meanwhile. A panic in `f` is caught on the helper thread
/// and surfaces as [`JoinError::is_panic`](crate::JoinError::is_panic) when the handle is awaited.
///
/// **Cancellation:** a thread cannot be interrupted. Aborting or dropping the handle stops the
/// *waiting*; `f` still runs to the end on its thread, and its result is dropped.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let sum = glassloop::to_thread(|| {
///         std::thread::sleep(Duration::from_millis(10)); // blocks the helper, not the loop
///         (1..=10).sum::<u32>()
///     });
///     assert_eq!(sum.await.unwrap(), 55);
/// });
/// ```
///
/// # Panics
///
/// Outside a running loop.
#[track_caller]
pub fn to_thread<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let Some(shared) = context::with_current(|core| core.shared().clone()) else {
        panic!(
            "glassloop::to_thread was called outside a running glassloop loop. Call it from async \
             code inside glassloop::run(...) or Runtime::block_on(...)."
        );
    };
    let slot: Arc<Mutex<JobSlot<T>>> = Arc::new(Mutex::new(JobSlot {
        result: None,
        waker: None,
    }));
    // Counted before the job starts, so virtual time cannot jump past it (see `park` in
    // event_loop/mod.rs): the job's completion is an event the loop must wait for.
    shared.blocking_jobs.fetch_add(1, Ordering::AcqRel);
    let job = Job {
        run: Box::new({
            let slot = slot.clone();
            move || {
                let result = catch_unwind(AssertUnwindSafe(f));
                let waker = {
                    let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                    slot.result = Some(result);
                    slot.waker.take()
                };
                shared.blocking_jobs.fetch_sub(1, Ordering::AcqRel);
                if let Some(waker) = waker {
                    waker.wake(); // from this helper thread: the cross-thread road
                }
            }
        }),
    };
    pool().submit(job);
    spawn_named("to_thread", WaitForJob { slot })
}

/// Where a job leaves its result, and who to wake.
struct JobSlot<T> {
    result: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

/// The task `to_thread` spawns: waits for the job's result.
struct WaitForJob<T> {
    slot: Arc<Mutex<JobSlot<T>>>,
}

impl<T> Future for WaitForJob<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(Ok(value)) => Poll::Ready(value),
            // Re-raise the job's panic inside the task, so the JoinHandle reports it.
            Some(Err(payload)) => {
                drop(slot);
                resume_unwind(payload)
            }
            None => {
                context::note_waiting(|| Waiting::Thread);
                let replaced = store_waker(&mut slot.waker, cx.waker());
                drop(slot);
                drop(replaced);
                Poll::Pending
            }
        }
    }
}

/// A job for the pool.
struct Job {
    run: Box<dyn FnOnce() + Send>,
}

/// The process-wide pool of helper threads.
struct Pool {
    jobs: Sender<Job>,
    queue: Receiver<Job>,
    /// Thread counts, behind one lock so "is anyone idle?" and "start a thread" cannot race.
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    threads: usize,
    idle: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (jobs, queue) = crossbeam_channel::unbounded();
        Pool {
            jobs,
            queue,
            counts: Mutex::new(Counts::default()),
        }
    })
}

impl Pool {
    fn submit(&'static self, job: Job) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        // The receiver lives in the pool itself, so the channel is never closed.
        let _ = self.jobs.send(job);
        if counts.idle == 0 && counts.threads < MAX_THREADS {
            counts.threads += 1;
            let started = thread::Builder::new()
                .name("glassloop-to-thread".into())
                .spawn(move || self.work());
            if started.is_err() {
                // The OS refused a thread: the queued job waits for a busy thread to free up.
                counts.threads -= 1;
            }
        }
    }

    fn work(&self) {
        loop {
            self.counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .idle += 1;
            let next = self.queue.recv_timeout(IDLE_TIMEOUT);
            let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
            counts.idle -= 1;
            match next {
                Ok(job) => {
                    drop(counts);
                    (job.run)();
                }
                Err(RecvTimeoutError::Timeout) if self.queue.is_empty() => {
                    // Checked under the lock: a job submitted from now on sees this thread gone
                    // and starts a new one.
                    counts.threads -= 1;
                    return;
                }
                Err(_) => {}
            }
        }
    }
}
