//! `Event` — asyncio's `asyncio.Event`: a flag tasks can wait for.
//!
//! Read next: [`lock.rs`](super::lock).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::observe::Primitive;

use super::wait_list::{wake_all, WaitList, Waiter};

/// A flag that tasks wait on until another task sets it — asyncio's `Event`.
///
/// `set` wakes every waiter, and each of them returns even if the event is cleared again before it
/// runs (as in asyncio). Clones share the same flag.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::sync::Event;
///
/// glassloop::run(async {
///     let ready = Event::new();
///     let waiter = glassloop::spawn({
///         let ready = ready.clone();
///         async move {
///             ready.wait().await;
///             "saw it"
///         }
///     });
///     glassloop::yield_now().await;
///     assert!(!waiter.is_finished());
///     ready.set();
///     assert_eq!(waiter.await.unwrap(), "saw it");
/// });
/// ```
#[derive(Clone)]
pub struct Event {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    is_set: bool,
    waiters: WaitList,
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl Event {
    /// A new, unset event.
    pub fn new() -> Event {
        Event {
            inner: Rc::new(RefCell::new(Inner {
                is_set: false,
                waiters: WaitList::new(Primitive::EventWait),
            })),
        }
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let wakers = {
            let mut inner = self.inner.borrow_mut();
            inner.is_set = true;
            inner.waiters.notify_all()
        };
        wake_all(wakers);
    }

    /// Clears the flag; later `wait`s wait again.
    pub fn clear(&self) {
        self.inner.borrow_mut().is_set = false;
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.inner.borrow().is_set
    }

    /// Waits until the flag is set (returns at once if it is).
    ///
    /// **Cancellation:** dropping the future just leaves the list of waiters.
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            event: self,
            waiter: None,
        }
    }
}

/// The future returned by [`Event::wait`]. It is level-like, as asyncio's `wait()` is: polled
/// again after it completed, it is ready again (the event was set).
#[must_use = "wait does nothing unless awaited"]
pub struct Wait<'a> {
    event: &'a Event,
    waiter: Option<Rc<Waiter>>,
}

impl Wait<'_> {
    fn poll_unbudgeted(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.waiter {
            Some(waiter) if waiter.is_notified() => {
                self.event.inner.borrow_mut().waiters.claim(waiter);
                self.waiter = None;
                Poll::Ready(())
            }
            Some(waiter) => {
                waiter.register(cx);
                Poll::Pending
            }
            None => {
                let mut inner = self.event.inner.borrow_mut();
                if inner.is_set {
                    return Poll::Ready(());
                }
                let waiter = inner.waiters.push(cx, false);
                drop(inner);
                self.waiter = Some(waiter);
                Poll::Pending
            }
        }
    }
}

impl Future for Wait<'_> {
    type Output = ();

    /// A `Ready` costs one operation of the task's budget (see [`budget.rs`](crate::event_loop::budget)).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        crate::event_loop::budget::spend(cx, |cx| self.poll_unbudgeted(cx))
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            // Everyone is woken by `set`, so there is nothing to pass on.
            let _ = self.event.inner.borrow_mut().waiters.remove(&waiter);
        }
    }
}
