//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Counts its own drops into a shared counter.
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future that is ready after `pending_polls` polls, waking itself each time it is not, and
/// adds every poll to the shared `polls` counter.
pub struct CountPolls {
    pub polls: Rc<Cell<usize>>,
    pub pending_polls: usize,
}

impl Future for CountPolls {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.pending_polls == 0 {
            Poll::Ready(())
        } else {
            self.pending_polls -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A virtual-time runtime.
pub fn virtual_runtime() -> glassloop::Runtime {
    glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .expect("runtime")
}

/// The message of a caught panic, whether it was a literal or a formatted string.
pub fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}
