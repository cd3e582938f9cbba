//! The contenders — the runtimes every workload is run on — and one helper per runtime that
//! starts a fresh runtime, runs a workload's body as its **root task**, and shuts the runtime down.
//!
//! Why a root task and not the `block_on` future itself: tokio's multi-thread runtime runs the
//! `block_on` future on the calling thread, not on its workers, so a body run there would measure
//! wake-ups between threads instead of the scheduler. Spawning the body makes it an ordinary task on
//! every runtime; the body times itself, so building and dropping the runtime is never measured.
//!
//! glassloop runs twice: on one loop, and on [`WORKERS`] loops — one per thread, each with tasks of
//! its own (`glassloop::run_workers`, uvicorn's `--workers` on threads) — as many loops as tokio's
//! multi-thread runtime has workers, so that the two can be compared core for core. Only the
//! workloads that have a shape for several loops (`tcp_echo`) run the second.
//!
//! The two last contenders are not runtimes: they are the data-structure baselines of the timer
//! scaling table (glassloop's wheel on its own, and a `BTreeMap` as a heap-like timer queue).

use std::future::Future;
use std::rc::Rc;

use async_executor::LocalExecutor;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;

/// One runtime (or baseline) a workload can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// This project: one loop on one thread.
    Glassloop,
    /// This project on [`WORKERS`] loops, one per thread (`glassloop::run_workers`); a task stays
    /// on the loop that spawned it.
    GlassloopWorkers,
    /// tokio's `current_thread` runtime (everything on the calling thread).
    TokioCurrentThread,
    /// tokio's work-stealing runtime with 2 worker threads.
    TokioMultiThread,
    /// smol: `async_executor::LocalExecutor` driven by `async_io::block_on` (the reactor and timers).
    Smol,
    /// `futures::executor::LocalPool`: a plain single-threaded pool with no timers and no I/O.
    LocalPool,
    /// CPython's asyncio, through the twin scripts in `bench/python/`.
    Asyncio,
    /// glassloop's timer wheel on its own (`glassloop_timer::TimerWheel`), no runtime around it.
    WheelAlone,
    /// A `BTreeMap<(Instant, u64), ()>`: the ordered-map timer queue async-io and many others use.
    BTreeMapAlone,
}

impl Contender {
    /// The name the tables print.
    pub fn label(self) -> &'static str {
        match self {
            Contender::Glassloop => "glassloop",
            Contender::GlassloopWorkers => "glassloop, 2 loops",
            Contender::TokioCurrentThread => "tokio current-thread",
            Contender::TokioMultiThread => "tokio multi-thread (2 workers)",
            Contender::Smol => "smol (async-executor + async-io)",
            Contender::LocalPool => "futures LocalPool",
            Contender::Asyncio => "CPython asyncio",
            Contender::WheelAlone => "glassloop-timer wheel alone",
            Contender::BTreeMapAlone => "BTreeMap<(Instant, u64), ()> alone",
        }
    }

    /// A short name for the command line and the hidden child-process flag.
    pub fn key(self) -> &'static str {
        match self {
            Contender::Glassloop => "glassloop",
            Contender::GlassloopWorkers => "glassloop-2",
            Contender::TokioCurrentThread => "tokio-ct",
            Contender::TokioMultiThread => "tokio-mt",
            Contender::Smol => "smol",
            Contender::LocalPool => "localpool",
            Contender::Asyncio => "asyncio",
            Contender::WheelAlone => "wheel",
            Contender::BTreeMapAlone => "btreemap",
        }
    }

    /// The contender whose [`key`](Self::key) is `key`.
    pub fn from_key(key: &str) -> Option<Contender> {
        ALL.iter().copied().find(|c| c.key() == key)
    }
}

/// Every contender, in the order the tables list them.
pub const ALL: [Contender; 9] = [
    Contender::Glassloop,
    Contender::GlassloopWorkers,
    Contender::TokioCurrentThread,
    Contender::TokioMultiThread,
    Contender::Smol,
    Contender::LocalPool,
    Contender::Asyncio,
    Contender::WheelAlone,
    Contender::BTreeMapAlone,
];

/// Runs `body` as the root task of a fresh glassloop runtime.
pub fn glassloop<F>(body: F) -> F::Output
where
    F: Future + 'static,
{
    let runtime = glassloop::Runtime::new().expect("glassloop runtime");
    let root = runtime.spawn(body);
    runtime
        .block_on(root)
        .expect("the glassloop root task panicked")
}

/// How many loops [`Contender::GlassloopWorkers`] runs: as many as tokio's multi-thread contender
/// has workers (the label says 2 as well).
pub const WORKERS: usize = 2;

/// Runs the future `body(index)` as the root task of each of [`WORKERS`] fresh glassloop loops, one
/// per thread (`glassloop::run_workers`), and returns their outputs in worker order once all have
/// ended. Each body is made on its own worker's thread, so it need not be `Send`; and it is spawned
/// there, as [`glassloop`] spawns its body, so it runs as an ordinary task on every loop.
pub fn glassloop_workers<B, F>(body: B) -> Vec<F::Output>
where
    B: Fn(usize) -> F + Sync,
    F: Future + 'static,
    F::Output: Send,
{
    let body = &body;
    glassloop::run_workers(WORKERS, move |index| async move {
        glassloop::spawn(body(index))
            .await
            .expect("a glassloop worker's root task panicked")
    })
}

/// Runs `body` as the root task of a fresh tokio runtime: `current_thread`, or multi-thread with
/// 2 workers. tokio's `spawn` wants `Send` futures on both kinds.
pub fn tokio<F>(contender: Contender, body: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = match contender {
        Contender::TokioCurrentThread => tokio::runtime::Builder::new_current_thread(),
        Contender::TokioMultiThread => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(2);
            builder
        }
        other => panic!("{other:?} is not a tokio runtime"),
    }
    .enable_all()
    .build()
    .expect("tokio runtime");
    let root = runtime.spawn(body);
    runtime
        .block_on(root)
        .expect("the tokio root task panicked")
}

/// Runs the future `body(executor)` as the root task of a fresh smol setup — a `LocalExecutor`
/// driven by `async_io::block_on`, which parks in async-io's reactor (timers and I/O) when idle.
/// The body gets the executor to spawn on.
pub fn smol<B, F>(body: B) -> F::Output
where
    B: FnOnce(Rc<LocalExecutor<'static>>) -> F,
    F: Future + 'static,
{
    let executor = Rc::new(LocalExecutor::new());
    let root = executor.spawn(body(executor.clone()));
    async_io::block_on(executor.run(root))
}

/// Runs the future `body(spawner)` as the root task of a fresh `futures::executor::LocalPool`.
/// The body gets the pool's spawner.
pub fn local_pool<B, F>(body: B) -> F::Output
where
    B: FnOnce(futures::executor::LocalSpawner) -> F,
    F: Future + 'static,
{
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let root = spawner
        .spawn_local_with_handle(body(spawner.clone()))
        .expect("LocalPool spawn");
    pool.run_until(root)
}

/// Spawns `future` on a `LocalPool` and returns a handle to await its output.
pub fn pool_spawn<F>(
    spawner: &futures::executor::LocalSpawner,
    future: F,
) -> futures::future::RemoteHandle<F::Output>
where
    F: Future + 'static,
{
    spawner
        .spawn_local_with_handle(future)
        .expect("LocalPool spawn")
}
