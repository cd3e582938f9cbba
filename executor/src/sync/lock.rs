//! `Lock` — asyncio's `asyncio.Lock`, holding the data it protects.
//!
//! A lock is a semaphore with one permit. Unlike asyncio's, glassloop's lock owns the value it
//! protects (`Lock<T>`), so the only way to reach the value is through a held guard: forgetting to
//! lock is a compile error instead of a race.
//!
//! Read next: [`semaphore.rs`](super::semaphore), the lock's own machinery.

use std::cell::{RefCell, RefMut};
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use super::semaphore::{Semaphore, SemaphorePermit};

/// A first-come-first-served mutual-exclusion lock for the tasks of one loop — asyncio's `Lock`.
///
/// Clones share the same lock and value.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::sync::Lock;
///
/// glassloop::run(async {
///     let balance = Lock::new(100);
///     let withdraw = |amount: i32| {
///         let balance = balance.clone();
///         async move {
///             let mut guard = balance.lock().await;
///             let before = *guard;
///             glassloop::yield_now().await; // others run, but cannot touch the balance
///             *guard = before - amount;
///         }
///     };
///     glassloop::gather([withdraw(10), withdraw(20), withdraw(30)]).await;
///     assert_eq!(*balance.lock().await, 40);
/// });
/// ```
pub struct Lock<T = ()> {
    semaphore: Semaphore,
    value: Rc<RefCell<T>>,
}

impl<T> Clone for Lock<T> {
    fn clone(&self) -> Self {
        Lock {
            semaphore: self.semaphore.clone(),
            value: self.value.clone(),
        }
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> Lock<T> {
    /// A lock around `value`.
    pub fn new(value: T) -> Lock<T> {
        Lock {
            semaphore: Semaphore::new(1),
            value: Rc::new(RefCell::new(value)),
        }
    }

    /// Waits until the lock is free and takes it — asyncio's `async with lock:`. Waiters get the
    /// lock in the order they asked.
    ///
    /// **Cancellation:** dropping the future gives up the place in line (and passes the lock on if
    /// it had just been handed over).
    pub async fn lock(&self) -> LockGuard<'_, T> {
        let permit = self.semaphore.acquire().await;
        LockGuard {
            value: self.value.borrow_mut(),
            _permit: permit,
        }
    }

    /// Takes the lock if it is free, without waiting.
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        let permit = self.semaphore.try_acquire()?;
        Some(LockGuard {
            value: self.value.borrow_mut(),
            _permit: permit,
        })
    }

    /// Whether the lock is held (or others are queued for it) — asyncio's `locked()`.
    pub fn is_locked(&self) -> bool {
        self.semaphore.is_locked()
    }
}

/// Access to the locked value; dropping it unlocks.
pub struct LockGuard<'a, T> {
    // Field order matters: the value's borrow ends before the permit is released.
    value: RefMut<'a, T>,
    _permit: SemaphorePermit<'a>,
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}
