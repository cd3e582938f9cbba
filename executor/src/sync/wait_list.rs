//! The first-come-first-served list of waiters that every primitive here is built on.
//!
//! A waiter is shared (`Rc`) between the list and the future that waits: the list marks it
//! *notified* and wakes it; the future sees the mark on its next poll. A future dropped while still
//! in the list takes itself out; one dropped *after* being notified reports that, so its owner can
//! hand the notification to the next waiter.
//!
//! Read next: [`queue.rs`](super::queue), the first primitive built on it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Context, Waker};

use crate::event_loop::context::note_waiting;
use crate::observe::{Primitive, Waiting};
use crate::store_waker::store_waker;

/// One waiting task.
pub(crate) struct Waiter {
    waker: RefCell<Option<Waker>>,
    notified: Cell<bool>,
    /// What `all_tasks` says the task waits on, e.g. `Queue.get`.
    what: Primitive,
}

impl Waiter {
    /// Whether this waiter has been chosen.
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.get()
    }

    /// Stores the waker of whoever polls now (replacing a stale one).
    pub(crate) fn register(&self, cx: &Context<'_>) {
        note_waiting(|| Waiting::Primitive(self.what));
        let replaced = store_waker(&mut self.waker.borrow_mut(), cx.waker());
        drop(replaced);
    }
}

/// Waiters in arrival order.
pub(crate) struct WaitList {
    queue: VecDeque<Rc<Waiter>>,
    /// Waiters notified (handed an item, a permit, a place) that have not run yet to take it.
    /// They are out of `queue` but still ahead of any newcomer: a `put_nowait` or `try_acquire`
    /// that ran before them must not take what was promised to them.
    promised: usize,
    what: Primitive,
}

impl WaitList {
    /// An empty list; `what` names it in `all_tasks` (e.g. `Queue.get`).
    pub(crate) fn new(what: Primitive) -> WaitList {
        WaitList {
            queue: VecDeque::new(),
            promised: 0,
            what,
        }
    }

    /// Adds a waiter at the back (or the front, for one that was notified and lost its turn).
    pub(crate) fn push(&mut self, cx: &Context<'_>, at_front: bool) -> Rc<Waiter> {
        let waiter = Rc::new(Waiter {
            waker: RefCell::new(None),
            notified: Cell::new(false),
            what: self.what,
        });
        waiter.register(cx);
        if at_front {
            self.queue.push_front(waiter.clone());
        } else {
            self.queue.push_back(waiter.clone());
        }
        waiter
    }

    /// Whether nobody is ahead of a newcomer: no one waits, and no one was promised anything it
    /// has not taken yet.
    pub(crate) fn is_clear(&self) -> bool {
        self.queue.is_empty() && self.promised == 0
    }

    /// How many notified waiters have not taken what they were promised yet.
    pub(crate) fn promised(&self) -> usize {
        self.promised
    }

    /// A notified waiter runs and takes what it was promised.
    pub(crate) fn claim(&mut self, waiter: &Waiter) {
        if waiter.notified.replace(false) {
            self.promised -= 1;
        }
    }

    /// Marks the first waiter notified and returns its waker, for the caller to wake once it has
    /// released its own borrows. `None` if nobody waits.
    #[must_use = "wake the returned waker"]
    pub(crate) fn notify_one(&mut self) -> Option<Waker> {
        let waiter = self.queue.pop_front()?;
        waiter.notified.set(true);
        self.promised += 1;
        let waker = waiter.waker.borrow_mut().take();
        waker
    }

    /// Notifies every waiter; returns their wakers.
    #[must_use = "wake the returned wakers"]
    pub(crate) fn notify_all(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::with_capacity(self.queue.len());
        while let Some(waker) = self.notify_one() {
            wakers.push(waker);
        }
        wakers
    }

    /// Takes a cancelled waiter out of the list. Returns whether it had been notified (then the
    /// caller passes the notification on).
    pub(crate) fn remove(&mut self, waiter: &Rc<Waiter>) -> bool {
        if waiter.notified.replace(false) {
            self.promised -= 1;
            return true;
        }
        // O(n), but n is the number of tasks waiting on one primitive, and this is only paid on
        // cancellation.
        self.queue.retain(|other| !Rc::ptr_eq(other, waiter));
        false
    }
}

/// Wakes every waker in `wakers` (after the caller has released its borrows).
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    for waker in wakers {
        waker.wake();
    }
}
