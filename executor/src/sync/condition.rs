//! `Condition` — asyncio's `asyncio.Condition`: wait, with the lock released, until another task
//! says the data has changed.
//!
//! A condition is a [`Lock`] plus a waiting list. A task locks it, looks at the data, and if it
//! must wait, `wait`s: the lock is released while it waits and taken again before `wait` returns,
//! so it always looks at the data with the lock held. Whoever changes the data calls `notify` (one
//! or `n` waiters) or `notify_all`, also with the lock held — in glassloop both are methods of the
//! guard, so "notify without holding the lock", asyncio's `RuntimeError`, cannot be written.
//!
//! Read next: [`barrier.rs`](super::barrier).

use std::cell::RefCell;
use std::future::poll_fn;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;
use std::task::Poll;

use super::lock::{Lock, LockGuard};
use super::wait_list::{wake_all, WaitList, Waiter};
use crate::observe::Primitive;

/// A lock and the tasks waiting to be told its data changed — asyncio's `Condition`.
///
/// Clones share the same condition.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::sync::Condition;
///
/// glassloop::run(async {
///     let ready = Condition::new(false);
///     let waiter = glassloop::spawn({
///         let ready = ready.clone();
///         async move {
///             let guard = ready.lock().await;
///             let guard = guard.wait_for(|ready| *ready).await; // the lock is free meanwhile
///             assert!(*guard);
///         }
///     });
///     glassloop::yield_now().await;
///     let mut guard = ready.lock().await;
///     *guard = true;
///     guard.notify_all();
///     drop(guard);
///     waiter.await.unwrap();
/// });
/// ```
pub struct Condition<T = ()> {
    lock: Lock<T>,
    waiters: Rc<RefCell<WaitList>>,
}

impl<T> Clone for Condition<T> {
    fn clone(&self) -> Self {
        Condition {
            lock: self.lock.clone(),
            waiters: self.waiters.clone(),
        }
    }
}

impl<T> Condition<T> {
    /// A condition guarding `value`.
    pub fn new(value: T) -> Condition<T> {
        Condition {
            lock: Lock::new(value),
            waiters: Rc::new(RefCell::new(WaitList::new(Primitive::ConditionWait))),
        }
    }

    /// Takes the lock — asyncio's `async with cond:`.
    ///
    /// **Cancellation:** as [`Lock::lock`].
    pub async fn lock(&self) -> ConditionGuard<'_, T> {
        ConditionGuard {
            guard: self.lock.lock().await,
            condition: self,
        }
    }

    /// Whether the lock is held.
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }
}

/// The held lock of a [`Condition`]: the data, and the right to wait or notify.
pub struct ConditionGuard<'a, T> {
    guard: LockGuard<'a, T>,
    condition: &'a Condition<T>,
}

impl<'a, T> ConditionGuard<'a, T> {
    /// Releases the lock, waits until notified, and takes the lock again — asyncio's
    /// `await cond.wait()`. As in asyncio, a task may be woken with nothing changed for it (another
    /// waiter got there first): look at the data again, or use [`wait_for`](Self::wait_for).
    ///
    /// **Cancellation:** if dropped while waiting, the task leaves the line; a notification that
    /// had already reached it passes to the next waiter (asyncio 3.13 does the same).
    pub async fn wait(self) -> ConditionGuard<'a, T> {
        let ConditionGuard { guard, condition } = self;
        let mut guard = Some(guard);
        let mut waiting = Waiting {
            list: &condition.waiters,
            waiter: None,
        };
        poll_fn(|cx| match &waiting.waiter {
            // First poll: join the line *before* letting go of the lock, so that a notify made
            // the moment the lock is free already finds us.
            None => {
                waiting.waiter = Some(waiting.list.borrow_mut().push(cx, false));
                drop(guard.take());
                Poll::Pending
            }
            Some(waiter) if waiter.is_notified() => {
                waiting.list.borrow_mut().claim(waiter);
                waiting.waiter = None;
                Poll::Ready(())
            }
            Some(waiter) => {
                waiter.register(cx);
                Poll::Pending
            }
        })
        .await;
        condition.lock().await
    }

    /// Waits until `predicate` holds for the data — asyncio's `await cond.wait_for(predicate)`.
    pub async fn wait_for(
        mut self,
        mut predicate: impl FnMut(&T) -> bool,
    ) -> ConditionGuard<'a, T> {
        while !predicate(&self) {
            self = self.wait().await;
        }
        self
    }

    /// Wakes up to `n` waiters — asyncio's `cond.notify(n)`. They run once this guard is dropped
    /// and they get the lock.
    pub fn notify(&self, n: usize) {
        let wakers: Vec<_> = {
            let mut waiters = self.condition.waiters.borrow_mut();
            (0..n).map_while(|_| waiters.notify_one()).collect()
        };
        wake_all(wakers);
    }

    /// Wakes every waiter — asyncio's `cond.notify_all()`.
    pub fn notify_all(&self) {
        let wakers = self.condition.waiters.borrow_mut().notify_all();
        wake_all(wakers);
    }
}

impl<T> Deref for ConditionGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for ConditionGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

/// A place in a condition's line, given up if the waiting future is dropped.
struct Waiting<'a> {
    list: &'a RefCell<WaitList>,
    waiter: Option<Rc<Waiter>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            let mut list = self.list.borrow_mut();
            // Notified of a change it will not look at: the next waiter gets it.
            if list.remove(&waiter) {
                let next = list.notify_one();
                drop(list);
                wake_all(next);
            }
        }
    }
}
