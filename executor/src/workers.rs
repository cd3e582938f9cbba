//! One loop per core — what `uvicorn --workers N` does with processes, and what an asyncio
//! program does with one event loop per thread.
//!
//! A glassloop loop runs on one thread, and its tasks never leave it: that is why they need not be
//! `Send`, and why a wake, a spawn and a poll cost what they do (no locks, no atomics on the hot
//! path). A machine has more cores than that. asyncio's answer is more loops: uvicorn forks N
//! worker processes, each with its own loop, all accepting on one listening port. [`run_workers`]
//! is the same on threads: N plain glassloop loops, one per thread, each running the future its
//! closure makes. For a server, each worker binds the same port with
//! [`TcpListener::bind_reuse_port`](crate::net::TcpListener::bind_reuse_port) (`SO_REUSEPORT`) and the
//! kernel spreads new connections over the workers' listeners.
//!
//! tokio's multi-threaded runtime takes the other road: one pool of worker threads that steal tasks
//! from each other, so any task may run on any thread (hence `Send` everywhere). Stealing evens out
//! uneven load — one connection far busier than the rest — at the price of synchronisation on every
//! wake; separate loops pay nothing for what they do not share, and a connection stays on the core
//! that accepted it, but an unlucky worker can be busier than the others. For many similar requests
//! (a web API), separate loops are the model uvicorn, nginx and most event-driven servers use.
//!
//! Read next: [`handle.rs`](crate::handle), reaching a loop from another thread.

use std::future::Future;
use std::panic;
use std::thread;

/// Runs `workers` event loops at once, one per thread, each on the future `worker(index)` makes
/// on that thread (index 0, 1, …), and returns their outputs in worker order once every one has
/// ended — `uvicorn --workers N`, on threads.
///
/// The futures need not be `Send`: each is made, run and dropped on its own worker's thread, with
/// its own loop (as [`run`](crate::run) makes). Only the closure is shared, and the outputs come
/// back across threads. The threads are named `glassloop-worker-N`.
///
/// A panic in a task stays in that worker's loop, as on any loop (its `JoinHandle` reports it). A
/// panic in a worker's own future ends that worker only; the others run on, and once all have
/// ended, `run_workers` panics with the first such panic.
///
/// # Panics
///
/// If `workers` is 0, or as said above.
///
/// ```
/// # use glassloop_executor as glassloop;
/// // Two loops; each one's task runs where it was spawned.
/// let outputs = glassloop::run_workers(2, |index| async move {
///     let here = std::thread::current().name().map(str::to_string);
///     let task = glassloop::spawn(async { std::thread::current().name().map(str::to_string) });
///     assert_eq!(task.await.unwrap(), here);
///     index * 10
/// });
/// assert_eq!(outputs, [0, 10]);
/// ```
pub fn run_workers<Make, Work, Output>(workers: usize, worker: Make) -> Vec<Output>
where
    Make: Fn(usize) -> Work + Sync,
    Work: Future<Output = Output>,
    Output: Send,
{
    assert!(workers > 0, "run_workers needs at least one worker");
    let worker = &worker;
    let ended: Vec<thread::Result<Output>> = thread::scope(|scope| {
        let threads: Vec<_> = (0..workers)
            .map(|index| {
                thread::Builder::new()
                    .name(format!("glassloop-worker-{index}"))
                    .spawn_scoped(scope, move || crate::run(worker(index)))
                    .unwrap_or_else(|error| panic!("cannot start worker {index}: {error}"))
            })
            .collect();
        // Joined one after another, so every worker has ended before a panic is passed on.
        threads.into_iter().map(|thread| thread.join()).collect()
    });
    ended
        .into_iter()
        .map(|outcome| outcome.unwrap_or_else(|payload| panic::resume_unwind(payload)))
        .collect()
}
