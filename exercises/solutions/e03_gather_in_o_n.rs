//! Exercise 3, a solution — make `gather` O(n) — asyncio's `gather` gives each child a Task and a
//! done-callback; a Rust gather that polls its children in place can be just as frugal.
//!
//! [`NaiveJoinAll`] (done for you, and correct) polls *every* unfinished child each time it is
//! polled: n children that each wake once cost about n²/2 polls. Write [`JoinAll`] so that each
//! poll polls only the children that were woken since the last one (and, on the first poll, all
//! of them): give each child a waker of its own ([`ChildWaker`]) that notes the child's index in
//! the shared `woken` list and then wakes the parent.
//!
//! Read first: docs/futures.md; the tests: tests/e03_gather_in_o_n.rs. (glassloop's own:
//! `Children::poll_woken` in executor/src/gather.rs.)

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_task::ArcWake;

/// All children at once, polling every unfinished child on every poll.
pub struct NaiveJoinAll<F: Future> {
    children: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
}

// The children are boxed, so moving the gather never moves them: it may be `Unpin` whatever
// `F` and its output are (and `Pin::get_mut` then gives a plain `&mut`).
impl<F: Future> Unpin for NaiveJoinAll<F> {}

/// The naive gather.
pub fn naive_join_all<F: Future>(futures: Vec<F>) -> NaiveJoinAll<F> {
    let outputs = futures.iter().map(|_| None).collect();
    let children = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    NaiveJoinAll { children, outputs }
}

impl<F: Future> Future for NaiveJoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = self.get_mut();
        for (child, output) in this.children.iter_mut().zip(&mut this.outputs) {
            if let Some(future) = child {
                if let Poll::Ready(value) = future.as_mut().poll(cx) {
                    *output = Some(value);
                    *child = None;
                }
            }
        }
        if this.children.iter().all(Option::is_none) {
            Poll::Ready(this.outputs.iter_mut().map(|o| o.take().unwrap()).collect())
        } else {
            Poll::Pending
        }
    }
}

/// What the children's wakers share with the gather: who was woken, and the parent's waker.
#[derive(Default)]
pub struct Woken {
    /// Indices of the children woken since the last poll.
    pub indices: Vec<usize>,
    /// The waker of the task that awaits the gather.
    pub parent: Option<Waker>,
}

/// One child's waker.
pub struct ChildWaker {
    /// Which child.
    pub index: usize,
    /// Shared with the gather.
    pub woken: Arc<Mutex<Woken>>,
}

impl ArcWake for ChildWaker {
    fn wake_by_ref(child: &Arc<Self>) {
        // Take the parent's waker out before waking it: no lock is held while it runs.
        let parent = {
            let mut woken = child.woken.lock().unwrap();
            if !woken.indices.contains(&child.index) {
                woken.indices.push(child.index);
            }
            woken.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// All children at once, polling only the woken ones.
pub struct JoinAll<F: Future> {
    /// The children; `None` once finished.
    pub children: Vec<Option<Pin<Box<F>>>>,
    /// Their outputs, in input order.
    pub outputs: Vec<Option<F::Output>>,
    /// One waker per child.
    pub wakers: Vec<Arc<ChildWaker>>,
    /// Shared with the wakers.
    pub woken: Arc<Mutex<Woken>>,
    /// Whether it has been polled yet.
    pub started: bool,
}

impl<F: Future> Unpin for JoinAll<F> {}

/// The O(n) gather.
pub fn join_all<F: Future>(futures: Vec<F>) -> JoinAll<F> {
    let woken = Arc::new(Mutex::new(Woken::default()));
    let wakers = (0..futures.len())
        .map(|index| {
            Arc::new(ChildWaker {
                index,
                woken: woken.clone(),
            })
        })
        .collect();
    JoinAll {
        outputs: futures.iter().map(|_| None).collect(),
        children: futures.into_iter().map(|f| Some(Box::pin(f))).collect(),
        wakers,
        woken,
        started: false,
    }
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = self.get_mut();
        let to_poll: Vec<usize> = {
            let mut woken = this.woken.lock().unwrap();
            woken.parent = Some(cx.waker().clone());
            let indices = std::mem::take(&mut woken.indices);
            if this.started {
                indices
            } else {
                (0..this.children.len()).collect()
            }
        };
        this.started = true;
        for index in to_poll {
            let Some(future) = this.children[index].as_mut() else {
                continue;
            };
            let waker = futures_task::waker(this.wakers[index].clone());
            if let Poll::Ready(value) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
                this.outputs[index] = Some(value);
                this.children[index] = None;
            }
        }
        if this.children.iter().all(Option::is_none) {
            Poll::Ready(this.outputs.iter_mut().map(|o| o.take().unwrap()).collect())
        } else {
            Poll::Pending
        }
    }
}
