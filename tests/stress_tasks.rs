//! Stress: a million tasks and timers come and go, and nothing is left behind — neither in the
//! loop's own counters nor in the process's memory.
//!
//! CI runs a smaller size; `GLASSLOOP_STRESS=1 cargo test --release --test stress_tasks` runs the
//! full million. One `#[test]` runs the scenarios in turn, so memory readings are not muddled by
//! other tests of this binary running at the same time.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use glassloop::Runtime;

fn size() -> usize {
    if std::env::var_os("GLASSLOOP_STRESS").is_some() {
        1_000_000
    } else {
        100_000
    }
}

/// Resident memory, from /proc/self/status (kB).
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn assert_clean(rt: &Runtime, what: &str) {
    let stats = rt.stats();
    assert_eq!(stats.live_tasks, 0, "{what}: tasks left behind");
    assert_eq!(stats.armed_timers, 0, "{what}: timers left behind");
    assert_eq!(stats.registered_sources, 0, "{what}: sources left behind");
}

fn spawn_and_join(rt: &Runtime, n: usize) {
    let sum = rt.block_on(async move {
        let handles: Vec<_> = (0..n).map(|i| glassloop::spawn(async move { i })).collect();
        let mut sum = 0usize;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, n * (n - 1) / 2);
    assert_clean(rt, "spawn and join");
}

fn spawn_and_abort(rt: &Runtime, n: usize) {
    let cancelled = rt.block_on(async move {
        let handles: Vec<_> = (0..n)
            .map(|_| glassloop::spawn(glassloop::sleep(Duration::from_secs(3600))))
            .collect();
        glassloop::yield_now().await; // every task has armed its timer
        for h in &handles {
            h.abort();
        }
        let mut cancelled = 0;
        for h in handles {
            cancelled += usize::from(h.await.unwrap_err().is_cancelled());
        }
        cancelled
    });
    assert_eq!(cancelled, n);
    assert_clean(rt, "spawn and abort");
}

/// Polls a future once and drops it.
struct PollOnce<F>(Option<Pin<Box<F>>>);
impl<F: Future> Future for PollOnce<F> {
    type Output = bool;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let mut inner = self.0.take().expect("polled once");
        Poll::Ready(inner.as_mut().poll(cx).is_pending())
    }
}

fn sleeps_polled_once_and_dropped(rt: &Runtime, n: usize) {
    let pending = rt.block_on(async move {
        let mut pending = 0;
        for i in 0..n {
            let sleep = glassloop::sleep(Duration::from_millis(1 + (i % 100_000) as u64));
            pending += usize::from(PollOnce(Some(Box::pin(sleep))).await);
        }
        pending
    });
    assert_eq!(pending, n);
    assert_clean(rt, "sleeps dropped");
}

fn timeouts_racing_completions(rt: &Runtime, n: usize) {
    // Half the inner futures finish in time, half do not; on virtual time the outcome of each
    // is exact.
    let (ok, elapsed) = rt.block_on(async move {
        let counts = Rc::new(std::cell::Cell::new((0usize, 0usize)));
        let tasks = (0..n / 10).map(|i| {
            let counts = counts.clone();
            async move {
                let work = glassloop::sleep(Duration::from_millis(if i % 2 == 0 { 5 } else { 15 }));
                let outcome = glassloop::timeout(Duration::from_millis(10), work).await;
                let (ok, elapsed) = counts.get();
                match outcome {
                    Ok(()) => counts.set((ok + 1, elapsed)),
                    Err(_) => counts.set((ok, elapsed + 1)),
                }
            }
        });
        glassloop::gather(tasks).await;
        counts.get()
    });
    assert_eq!(ok + elapsed, n / 10);
    assert_eq!(ok, n / 20);
    assert_clean(rt, "timeouts");
}

#[test]
fn a_million_tasks_and_timers_leave_nothing_behind() {
    let n = size();
    let rt = support::virtual_runtime();
    let round = |rt: &Runtime| {
        spawn_and_join(rt, n);
        spawn_and_abort(rt, n);
        sleeps_polled_once_and_dropped(rt, n);
        timeouts_racing_completions(rt, n);
    };
    // One round first, so the allocator, the task table and the wheel reach their working size.
    round(&rt);
    let baseline = rss_kb();
    for number in 1..=3 {
        round(&rt);
        let now = rss_kb();
        // The same work again must not need more memory: nothing may pile up between rounds.
        assert!(
            now <= baseline + baseline / 10 + 16 * 1024,
            "round {number}: RSS grew from {baseline} kB to {now} kB"
        );
    }
}
