//! Exercise 7: a one-shot channel — an asyncio `Future` that one task awaits and another sets
//! (`fut = loop.create_future()`, `fut.set_result(x)`, `await fut`).
//!
//! The two ends share an [`Inner`]: the value, once sent; the receiver's waker, while it waits;
//! and whether either end is gone. Write:
//! - [`Sender::send`]: store the value and wake the receiver — or, if the receiver is gone, give
//!   the value back (`Err(value)`);
//! - `Receiver`'s `poll`: the value if it is there; `Err(Canceled)` if the sender is gone without
//!   sending; otherwise store the waker and wait;
//! - the two `Drop`s: the sender's wakes the receiver (it must find out it will never get a
//!   value); the receiver's marks it gone.
//!
//! Read first: docs/waiting-for-each-other.md. The tests: tests/e07_oneshot.rs.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// What both ends share.
#[derive(Default)]
pub struct Inner<T> {
    /// The value, once sent and until received.
    pub value: Option<T>,
    /// The receiver's waker, while it waits.
    pub waker: Option<Waker>,
    /// The sender was dropped (after sending or not).
    pub sender_gone: bool,
    /// The receiver was dropped.
    pub receiver_gone: bool,
}

/// The sending end.
pub struct Sender<T>(pub Rc<RefCell<Inner<T>>>);
/// The receiving end: a future of the value.
pub struct Receiver<T>(pub Rc<RefCell<Inner<T>>>);

/// The sender went away without sending.
#[derive(Debug, PartialEq, Eq)]
pub struct Canceled;

/// A new channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(RefCell::new(Inner {
        value: None,
        waker: None,
        sender_gone: false,
        receiver_gone: false,
    }));
    (Sender(inner.clone()), Receiver(inner))
}

impl<T> Sender<T> {
    /// Sends `value`; `Err(value)` if the receiver is gone.
    pub fn send(self, value: T) -> Result<(), T> {
        let _ = value;
        todo!("exercise 7: store the value and wake the receiver")
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        todo!("exercise 7: mark the sender gone and wake the receiver")
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        todo!("exercise 7: mark the receiver gone")
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, Canceled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _ = cx;
        todo!("exercise 7: the value, or Canceled, or wait")
    }
}
