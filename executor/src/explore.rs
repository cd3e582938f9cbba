//! Seed exploration: run one async test body under many seeds, on virtual time, and report the
//! first seed that fails — with the command that replays it — and how many different schedules
//! the seeds tried. asyncio has no twin (its FIFO order is fixed, so an order-dependent bug hides
//! until production timing shifts it); this is deterministic simulation testing in miniature, as
//! FoundationDB's simulator, madsim and turmoil do it.
//!
//! [`explore_seeds`] is the plain function; `#[glassloop::test(seeds = 1000)]` writes the call
//! for an `async fn` test. Each seed gets a fresh loop (as `asyncio.run` makes one), with
//! [`Builder::seed`](crate::Builder::seed) and virtual time: no real waiting, and the same seed
//! always gives the same run.
//!
//! Read next: [`task_group.rs`](crate::task_group), tasks that finish together.

use std::collections::HashSet;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::error::panic_message;
use crate::runtime::{seed_from_env, Runtime};

/// What [`explore_seeds`] saw when every seed passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exploration {
    /// How many seeds ran (`0..seeds`).
    pub seeds: u64,
    /// How many different schedules they produced: runs whose every seeded choice came out the
    /// same count once. A body with nothing to choose between has one.
    pub schedules: usize,
}

/// Runs `body()` once per seed `0..seeds`, each on a fresh loop with that seed and virtual time,
/// and returns how many distinct schedules the seeds produced (it prints nothing; the
/// [`Exploration`] displays as `100 seeds passed, 8 distinct schedules`). The first seed whose run panics
/// stops the exploration with a panic that names the seed and how to replay it with the trace on.
///
/// From the environment:
/// - `GLASSLOOP_SEED=N` runs seed `N` alone (the replay: add `GLASSLOOP_TRACE=1` to watch it);
/// - `GLASSLOOP_SEEDS=M` runs `M` seeds instead of `seeds` (for a longer search, as the stress
///   tests' `GLASSLOOP_STRESS` does).
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// // Two tasks that each add one: whatever the order, the total is 2.
/// let seen = glassloop::explore_seeds(100, || async {
///     let total = Rc::new(Cell::new(0));
///     let add = |total: Rc<Cell<i32>>| async move { total.set(total.get() + 1) };
///     let a = glassloop::spawn(add(total.clone()));
///     let b = glassloop::spawn(add(total.clone()));
///     a.await.unwrap();
///     b.await.unwrap();
///     assert_eq!(total.get(), 2);
/// });
/// assert_eq!(seen.seeds, 100);
/// assert_eq!(seen.schedules, 2); // a first, or b first
/// ```
///
/// # Panics
///
/// When a seed's run panics (the message says which seed, and how to replay it), or when
/// `GLASSLOOP_SEED` or `GLASSLOOP_SEEDS` is set to something that is not a number.
pub fn explore_seeds<F, Fut>(seeds: u64, body: F) -> Exploration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let replay = seed_from_env().unwrap_or_else(|error| panic!("{error}"));
    if let Some(seed) = replay {
        eprintln!("glassloop: replaying seed {seed} alone (GLASSLOOP_SEED)");
        run_one(seed, &body).unwrap_or_else(|payload| resume_unwind(payload));
        return Exploration {
            seeds: 1,
            schedules: 1,
        };
    }
    let seeds = match std::env::var("GLASSLOOP_SEEDS") {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            panic!("GLASSLOOP_SEEDS={text:?} is not a number of seeds: give a whole number")
        }),
        Err(_) => seeds,
    };
    let mut schedules = HashSet::new();
    for seed in 0..seeds {
        match run_one(seed, &body) {
            Ok(fingerprint) => {
                schedules.insert(fingerprint);
            }
            Err(payload) => panic!(
                "glassloop: seed {seed} failed, after {seed} seeds that passed ({} distinct \
                 schedules): {}\n  replay it with the trace on:\n    {}",
                schedules.len(),
                panic_message(payload.as_ref()),
                replay_command(seed)
            ),
        }
    }
    Exploration {
        seeds,
        schedules: schedules.len(),
    }
}

/// `100 seeds passed, 8 distinct schedules` — what `#[glassloop::test(seeds = N)]` prints.
impl std::fmt::Display for Exploration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} seed{} passed, {} distinct schedule{}",
            self.seeds,
            if self.seeds == 1 { "" } else { "s" },
            self.schedules,
            if self.schedules == 1 { "" } else { "s" }
        )
    }
}

/// One seed's run: its schedule's fingerprint, or the panic that ended it.
fn run_one<F, Fut>(seed: u64, body: &F) -> Result<u64, Box<dyn std::any::Any + Send>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let runtime = Runtime::builder()
        .virtual_time(true)
        .seed(seed)
        .build()
        .unwrap_or_else(|error| {
            panic!("glassloop could not create an event loop (epoll) for seed {seed}: {error}")
        });
    catch_unwind(AssertUnwindSafe(|| runtime.block_on(body())))?;
    Ok(runtime.schedule_fingerprint().unwrap_or(0))
}

/// The command that replays `seed`: under `cargo test` the test harness names the thread after
/// the test, so the command can name the test too.
fn replay_command(seed: u64) -> String {
    let thread = std::thread::current();
    match thread.name() {
        Some(test) if test != "main" => format!(
            "GLASSLOOP_SEED={seed} GLASSLOOP_TRACE=1 cargo test {test} -- --exact --nocapture"
        ),
        _ => format!("GLASSLOOP_SEED={seed} GLASSLOOP_TRACE=1 <the same command>"),
    }
}
