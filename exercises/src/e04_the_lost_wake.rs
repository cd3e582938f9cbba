//! Exercise 4: find the lost wake. [`MiniLoop`] is a small scheduler with one bug: a task that
//! wakes itself *while it is being polled* (as `yield_now` does) is never polled again, and the
//! loop waits for ever. The tests hang (and are stopped after a few seconds) until it is fixed.
//!
//! Each task has a `queued` flag, so that a task woken ten times is queued once: the waker
//! queues the task only if the flag was clear. Find where the flag is cleared, and think about a
//! wake that happens during the poll. The fix is one line, moved.
//!
//! Read first: docs/event-loop.md (a task's states: glassloop's `Running` → `Notified`). The tests:
//! tests/e04_the_lost_wake.rs. (glassloop's own: `Core::run_task` in
//! executor/src/event_loop/mod.rs sets the state *before* the poll.)

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::Context;

use futures_task::ArcWake;

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// The ready queue, shared with the wakers (which may be woken from other threads).
#[derive(Default)]
pub struct Ready {
    queue: Mutex<VecDeque<usize>>,
    changed: Condvar,
}

/// One task's waker.
pub struct TaskWaker {
    index: usize,
    queued: AtomicBool,
    ready: Arc<Ready>,
}

impl ArcWake for TaskWaker {
    fn wake_by_ref(task: &Arc<Self>) {
        // Queued already? Then it will be polled anyway.
        if !task.queued.swap(true, Ordering::AcqRel) {
            task.ready.queue.lock().unwrap().push_back(task.index);
            task.ready.changed.notify_one();
        }
    }
}

/// A scheduler: tasks, a ready queue, and a loop that sleeps when nothing is ready.
#[derive(Default)]
pub struct MiniLoop {
    tasks: Vec<Option<Task>>,
    wakers: Vec<Arc<TaskWaker>>,
    ready: Arc<Ready>,
}

impl MiniLoop {
    /// Adds a task, queued to run.
    pub fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        let index = self.tasks.len();
        self.tasks.push(Some(Box::pin(future)));
        let waker = Arc::new(TaskWaker {
            index,
            queued: AtomicBool::new(false),
            ready: self.ready.clone(),
        });
        futures_task::waker_ref(&waker).wake_by_ref();
        self.wakers.push(waker);
    }

    /// Runs until every task has finished (waiting for wakes when nothing is ready).
    pub fn run(&mut self) {
        while self.tasks.iter().any(Option::is_some) {
            let index = {
                let mut queue = self.ready.queue.lock().unwrap();
                loop {
                    if let Some(index) = queue.pop_front() {
                        break index;
                    }
                    queue = self.ready.changed.wait(queue).unwrap();
                }
            };
            self.run_task(index);
        }
    }

    fn run_task(&mut self, index: usize) {
        let Some(task) = self.tasks[index].as_mut() else {
            return;
        };
        let waker = self.wakers[index].clone();
        let done = task
            .as_mut()
            .poll(&mut Context::from_waker(&futures_task::waker_ref(&waker)))
            .is_ready();
        waker.queued.store(false, Ordering::Release);
        if done {
            self.tasks[index] = None;
        }
    }
}
