//! What the exercises' tests share: a waker that counts its wakes, and a deadline for tests that
//! would hang on a wrong answer.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use futures_task::ArcWake;

/// Counts how many times it was woken.
#[derive(Default)]
pub struct Counter(pub AtomicUsize);

impl ArcWake for Counter {
    fn wake_by_ref(counter: &Arc<Self>) {
        counter.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Counter {
    pub fn wakes(self: &Arc<Self>) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A waker that counts, and its counter.
pub fn counting_waker() -> (Waker, Arc<Counter>) {
    let counter = Arc::new(Counter::default());
    (futures_task::waker(counter.clone()), counter)
}

/// Runs `test` on a thread of its own and fails if it has not finished within `limit` — so a
/// wrong answer that hangs fails instead.
pub fn within(limit: Duration, what: &str, test: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let runner = std::thread::spawn(move || {
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(limit) {
        Ok(()) => runner.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = runner.join() {
                std::panic::resume_unwind(panic)
            }
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {limit:?} — it hangs")
        }
    }
}
