//! `Barrier` — asyncio's `asyncio.Barrier` (3.11): a number of tasks wait for each other, and all
//! go on together once the last one arrives.
//!
//! Each `wait` joins the current round. The last of `parties` to arrive releases the whole round,
//! and the barrier is ready for the next. `abort` breaks it: everyone waiting, and everyone who
//! waits until `reset`, gets [`BrokenBarrier`]. `reset` also breaks the round under way (its
//! waiters get the error) and makes the barrier usable again.
//!
//! That is the last of the primitives; the book's chapter "Waiting for each other" tells their
//! story, and the tests in `tests/fidelity/` hold them to asyncio's own.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use super::wait_list::{wake_all, WaitList, Waiter};
use crate::observe::Primitive;

/// A meeting point for `parties` tasks — asyncio's `Barrier`. Clones share the same barrier.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::sync::Barrier;
///
/// glassloop::run(async {
///     let barrier = Barrier::new(3);
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             glassloop::spawn(async move { barrier.wait().await.unwrap() })
///         })
///         .collect();
///     let mut places = Vec::new();
///     for task in tasks {
///         places.push(task.await.unwrap());
///     }
///     places.sort();
///     assert_eq!(places, [0, 1, 2]); // each got its place in the round
/// });
/// ```
#[derive(Clone)]
pub struct Barrier {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    parties: usize,
    /// Arrived in the round under way.
    arrived: usize,
    /// The round under way (counting from 0).
    round: u64,
    /// Rounds that ended with everyone released (not broken).
    released: u64,
    /// Set by `abort`, cleared by `reset`.
    broken: bool,
    waiters: WaitList,
}

/// The barrier was aborted or reset — asyncio's `BrokenBarrierError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken (aborted or reset)")
    }
}

impl Error for BrokenBarrier {}

impl Barrier {
    /// A barrier for `parties` tasks.
    ///
    /// # Panics
    ///
    /// If `parties` is 0 (asyncio raises `ValueError`).
    pub fn new(parties: usize) -> Barrier {
        assert!(parties > 0, "a Barrier needs at least one party");
        Barrier {
            inner: Rc::new(RefCell::new(Inner {
                parties,
                arrived: 0,
                round: 0,
                released: 0,
                broken: false,
                waiters: WaitList::new(Primitive::BarrierWait),
            })),
        }
    }

    /// Waits until `parties` tasks are waiting, then returns this task's place in the round
    /// (0 for the first to arrive … `parties − 1` for the last) — asyncio's `await barrier.wait()`.
    ///
    /// **Cancellation:** a task dropped while waiting leaves the round, which then needs one more
    /// arrival, as in asyncio.
    pub async fn wait(&self) -> Result<usize, BrokenBarrier> {
        let (place, round, wakers) = {
            let mut inner = self.inner.borrow_mut();
            if inner.broken {
                return Err(BrokenBarrier);
            }
            let (place, round) = (inner.arrived, inner.round);
            inner.arrived += 1;
            if inner.arrived < inner.parties {
                (place, round, None)
            } else {
                // The last one: release the round, and open the next.
                inner.arrived = 0;
                inner.round += 1;
                inner.released = inner.round;
                (place, round, Some(inner.waiters.notify_all()))
            }
        };
        if let Some(wakers) = wakers {
            wake_all(wakers);
            return Ok(place);
        }
        let mut waiting = Waiting {
            barrier: self,
            waiter: None,
        };
        poll_fn(|cx| match &waiting.waiter {
            None => {
                waiting.waiter = Some(self.inner.borrow_mut().waiters.push(cx, false));
                Poll::Pending
            }
            Some(waiter) if waiter.is_notified() => {
                let mut inner = self.inner.borrow_mut();
                inner.waiters.claim(waiter);
                waiting.waiter = None;
                // Released with the round, or woken because it broke.
                Poll::Ready(if inner.released > round {
                    Ok(place)
                } else {
                    Err(BrokenBarrier)
                })
            }
            Some(waiter) => {
                waiter.register(cx);
                Poll::Pending
            }
        })
        .await
    }

    /// Breaks the barrier: every waiting task, and every later `wait` until [`reset`](Self::reset),
    /// gets [`BrokenBarrier`] — asyncio's `abort()`.
    pub fn abort(&self) {
        self.inner.borrow_mut().broken = true;
        self.break_round();
    }

    /// Breaks the round under way (its waiters get [`BrokenBarrier`]) and makes the barrier
    /// usable again, empty — asyncio's `reset()`.
    pub fn reset(&self) {
        self.inner.borrow_mut().broken = false;
        self.break_round();
    }

    fn break_round(&self) {
        let wakers = {
            let mut inner = self.inner.borrow_mut();
            inner.arrived = 0;
            inner.round += 1;
            inner.waiters.notify_all()
        };
        wake_all(wakers);
    }

    /// How many tasks the barrier waits for — asyncio's `parties`.
    pub fn parties(&self) -> usize {
        self.inner.borrow().parties
    }

    /// How many are waiting now — asyncio's `n_waiting`.
    pub fn n_waiting(&self) -> usize {
        self.inner.borrow().arrived
    }

    /// Whether it was aborted (and not reset since) — asyncio's `broken`.
    pub fn is_broken(&self) -> bool {
        self.inner.borrow().broken
    }
}

/// A place in the round, given back if the waiting future is dropped.
struct Waiting<'a> {
    barrier: &'a Barrier,
    waiter: Option<Rc<Waiter>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            let mut inner = self.barrier.inner.borrow_mut();
            // Not released yet: the round needs one more arrival again.
            if !inner.waiters.remove(&waiter) {
                inner.arrived = inner.arrived.saturating_sub(1);
            }
        }
    }
}
