//! `Semaphore` — asyncio's `asyncio.Semaphore`: at most N holders at once.
//!
//! `acquire` takes a permit if one is free **and nobody is queued ahead** (otherwise a steady stream
//! of newcomers could starve the queue); otherwise it waits in line. `release` (dropping a permit)
//! hands the permit straight to the first waiter if there is one, so the permit cannot be taken by a
//! newcomer between the wake and the waiter's poll.
//!
//! [`BoundedSemaphore`] is asyncio's too: one whose permits can never outnumber the ones it began
//! with (asyncio's `release` raises `ValueError` beyond that; glassloop's `add_permits` returns
//! [`TooManyPermits`]).
//!
//! Read next: [`condition.rs`](super::condition).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::observe::Primitive;

use super::wait_list::{wake_all, WaitList, Waiter};

/// Limits how many tasks hold a permit at once — asyncio's `Semaphore`.
///
/// Clones share the same permits.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::sync::Semaphore;
/// use std::time::Duration;
///
/// glassloop::run(async {
///     let db_connections = Semaphore::new(2);
///     let queries = (0..6).map(|_| {
///         let db = db_connections.clone();
///         async move {
///             let _permit = db.acquire().await; // at most two queries at a time
///             glassloop::sleep(Duration::from_millis(10)).await;
///         }
///     });
///     glassloop::gather(queries).await;
///     assert_eq!(db_connections.available_permits(), 2);
/// });
/// ```
#[derive(Clone)]
pub struct Semaphore {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    permits: usize,
    /// Permits in existence: free, held, or handed to a waiter. Only `add_permits` and
    /// [`SemaphorePermit::forget`] change it.
    total: usize,
    waiters: WaitList,
}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            inner: Rc::new(RefCell::new(Inner {
                permits,
                total: permits,
                waiters: WaitList::new(Primitive::SemaphoreAcquire),
            })),
        }
    }

    /// How many permits are free right now.
    pub fn available_permits(&self) -> usize {
        self.inner.borrow().permits
    }

    /// Whether `acquire` would have to wait — asyncio's `locked()`.
    pub fn is_locked(&self) -> bool {
        let inner = self.inner.borrow();
        inner.permits == 0 || !inner.waiters.is_clear()
    }

    /// Waits for a permit — asyncio's `async with sem:`. The permit is returned when dropped.
    ///
    /// **Cancellation:** dropping the future gives up the place in line; if a permit had already
    /// been handed to it, the permit goes to the next waiter.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            waiter: None,
            done: false,
        }
    }

    /// Takes a permit if one is free and nobody waits, without waiting.
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        let mut inner = self.inner.borrow_mut();
        if inner.permits > 0 && inner.waiters.is_clear() {
            inner.permits -= 1;
            Some(SemaphorePermit { semaphore: self })
        } else {
            None
        }
    }

    /// Adds a permit — asyncio's `release()`; hands it to the first waiter if any.
    pub fn add_permits(&self, count: usize) {
        self.inner.borrow_mut().total += count;
        for _ in 0..count {
            self.release_one();
        }
    }

    fn release_one(&self) {
        let waker = {
            let mut inner = self.inner.borrow_mut();
            match inner.waiters.notify_one() {
                // Handed over: the permit count does not change.
                Some(waker) => Some(waker),
                None => {
                    inner.permits += 1;
                    None
                }
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A held permit; dropping it releases the permit.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken for good: the semaphore has one permit fewer (tokio's `forget`).
    pub fn forget(self) {
        self.semaphore.inner.borrow_mut().total -= 1;
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.release_one();
    }
}

/// A [`Semaphore`] that never has more permits than it began with — asyncio's
/// `BoundedSemaphore`. Clones share the same permits.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::sync::{BoundedSemaphore, TooManyPermits};
///
/// glassloop::run(async {
///     let sem = BoundedSemaphore::new(1);
///     assert_eq!(sem.add_permits(1), Err(TooManyPermits)); // asyncio: ValueError
///     sem.acquire().await.forget(); // one permit fewer, for good
///     assert_eq!(sem.add_permits(1), Ok(())); // back to one
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
#[derive(Clone)]
pub struct BoundedSemaphore {
    semaphore: Semaphore,
    bound: usize,
}

/// More permits than a [`BoundedSemaphore`] began with — asyncio's `ValueError` from `release`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyPermits;

impl std::fmt::Display for TooManyPermits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a BoundedSemaphore would have more permits than it began with")
    }
}

impl std::error::Error for TooManyPermits {}

impl BoundedSemaphore {
    /// A semaphore with `permits` permits, and never more.
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            semaphore: Semaphore::new(permits),
            bound: permits,
        }
    }

    /// Waits for a permit, as [`Semaphore::acquire`] does.
    pub fn acquire(&self) -> Acquire<'_> {
        self.semaphore.acquire()
    }

    /// Takes a permit if one is free and nobody waits, as [`Semaphore::try_acquire`] does.
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire()
    }

    /// Adds `count` permits — asyncio's `release()` — unless that would make more than the
    /// semaphore began with.
    pub fn add_permits(&self, count: usize) -> Result<(), TooManyPermits> {
        if self.semaphore.inner.borrow().total + count > self.bound {
            return Err(TooManyPermits);
        }
        self.semaphore.add_permits(count);
        Ok(())
    }

    /// How many permits are free right now.
    pub fn available_permits(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// Whether `acquire` would have to wait — asyncio's `locked()`.
    pub fn is_locked(&self) -> bool {
        self.semaphore.is_locked()
    }
}

/// The future returned by [`Semaphore::acquire`]. It is one-shot: polling it again after it
/// returned its permit panics (it would take a second one).
#[must_use = "acquire does nothing unless awaited"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    waiter: Option<Rc<Waiter>>,
    /// It has returned its permit.
    done: bool,
}

impl<'a> Acquire<'a> {
    fn poll_unbudgeted(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<SemaphorePermit<'a>> {
        let semaphore = self.semaphore;
        assert!(
            !self.done,
            "a Semaphore::acquire future was polled again after it returned its permit; await it once"
        );
        match &self.waiter {
            // Our turn came: the releaser handed us its permit.
            Some(waiter) if waiter.is_notified() => {
                let wakers = {
                    let mut inner = semaphore.inner.borrow_mut();
                    inner.waiters.claim(waiter);
                    // Waiters that came while we were promised a permit had to queue behind us
                    // though permits were free: let in as many as there are permits now
                    // (asyncio's `acquire` does the same once it is through).
                    let mut wakers = Vec::new();
                    while inner.permits > 0 {
                        let Some(waker) = inner.waiters.notify_one() else {
                            break;
                        };
                        inner.permits -= 1;
                        wakers.push(waker);
                    }
                    wakers
                };
                wake_all(wakers);
                self.waiter = None;
                self.done = true;
                Poll::Ready(SemaphorePermit { semaphore })
            }
            Some(waiter) => {
                waiter.register(cx);
                Poll::Pending
            }
            None => {
                if let Some(permit) = semaphore.try_acquire() {
                    self.done = true;
                    return Poll::Ready(permit);
                }
                let waiter = semaphore.inner.borrow_mut().waiters.push(cx, false);
                self.waiter = Some(waiter);
                Poll::Pending
            }
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    /// A `Ready` costs one operation of the task's budget (see [`budget.rs`](crate::event_loop::budget)).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        crate::event_loop::budget::spend(cx, |cx| self.poll_unbudgeted(cx))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            let was_notified = self.semaphore.inner.borrow_mut().waiters.remove(&waiter);
            if was_notified {
                // We were given a permit we will never use: pass it on.
                self.semaphore.release_one();
            }
        }
    }
}
