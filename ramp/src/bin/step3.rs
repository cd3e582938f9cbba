//! Step 3: the loop keeps the timers — a heap of deadlines (asyncio's own `_scheduled`, a
//! `heapq`), and the loop parks until the earliest one instead of a thread per sleep.
//!
//! ```python
//! await asyncio.gather(asyncio.sleep(2), asyncio.sleep(2))          # 2 s
//! await asyncio.gather(*(get_user(i) for i in (1, 2, 3)))           # 1 s
//! task = asyncio.create_task(background()); ...; await task
//! ```
//!
//! A sleep's first poll pushes `(deadline, waker)` onto the heap. When no task is ready, the loop
//! waits on its ready queue *with a timeout*: until the heap's first deadline. Then it pops every
//! due entry and wakes its task — `_run_once`'s "move due timers to `_ready`". No threads, no
//! spinning; a push and a pop cost O(log n) each (step 4 makes them O(1)).
//!
//! Read next: `step4.rs`.

#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_task::ArcWake;
use glassloop_ramp::{cpu_time, secs};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Task {
    future: Mutex<Option<BoxFuture>>,
    ready: Sender<Arc<Task>>,
}

impl ArcWake for Task {
    fn wake_by_ref(task: &Arc<Self>) {
        let _ = task.ready.send(task.clone());
    }
}

/// One armed timer; the heap orders them by deadline, then by arming order.
struct Timer {
    deadline: Instant,
    seq: u64,
    waker: Waker,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

thread_local! {
    /// The loop's timers (the loop runs on this thread, and so do the polls that arm them).
    static TIMERS: RefCell<(BinaryHeap<Reverse<Timer>>, u64)> =
        const { RefCell::new((BinaryHeap::new(), 0)) };
}

struct Sleep {
    deadline: Instant,
    armed: bool,
}

fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
        armed: false,
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        if !self.armed {
            self.armed = true;
            let (deadline, waker) = (self.deadline, cx.waker().clone());
            TIMERS.with(|timers| {
                let (heap, seq) = &mut *timers.borrow_mut();
                *seq += 1;
                heap.push(Reverse(Timer {
                    deadline,
                    seq: *seq,
                    waker,
                }));
            });
        }
        Poll::Pending
    }
}

/// Wakes the task of every timer that is due; returns the next deadline, if any.
fn fire_due_timers() -> Option<Instant> {
    let now = Instant::now();
    let mut due = Vec::new();
    let next = TIMERS.with(|timers| {
        let (heap, _) = &mut *timers.borrow_mut();
        while heap.peek().is_some_and(|Reverse(t)| t.deadline <= now) {
            due.push(heap.pop().unwrap().0.waker);
        }
        heap.peek().map(|Reverse(t)| t.deadline)
    });
    // Woken with no borrow held: waking runs code.
    due.into_iter().for_each(Waker::wake);
    next
}

struct Executor {
    ready: Receiver<Arc<Task>>,
    spawner: Sender<Arc<Task>>,
}

impl Executor {
    fn new() -> Executor {
        let (spawner, ready) = channel();
        Executor { ready, spawner }
    }

    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            ready: self.spawner.clone(),
        });
        let _ = self.spawner.send(task);
    }

    /// Runs every task until none is left and no timer is armed.
    fn run(&self) {
        loop {
            let next = fire_due_timers();
            let task = match next {
                // Park until a task is woken or the next timer is due.
                Some(deadline) => match self
                    .ready
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                {
                    Ok(task) => task,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                },
                None => match self.ready.try_recv() {
                    Ok(task) => task,
                    Err(_) => return, // nothing ready, nothing armed: done
                },
            };
            let mut slot = task.future.lock().unwrap();
            if let Some(mut future) = slot.take() {
                let waker = futures_task::waker_ref(&task);
                if future
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
                {
                    *slot = Some(future);
                }
            }
        }
    }
}

/// Counts down as tasks finish; the demo's way to see when each part ended.
fn mark(log: &Arc<Mutex<Vec<(&'static str, Instant)>>>, what: &'static str) {
    log.lock().unwrap().push((what, Instant::now()));
}

fn main() {
    let executor = Executor::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (start, cpu_start) = (Instant::now(), cpu_time());
    for _ in 0..2 {
        let log = log.clone();
        executor.spawn(async move {
            sleep(secs(2.0)).await;
            mark(&log, "a 2 s sleep");
        });
    }
    for id in 1..=3u32 {
        let log = log.clone();
        executor.spawn(async move {
            sleep(secs(1.0)).await; // get_user's database call
            let _user = format!("user{id}");
            mark(&log, "a get_user call");
        });
    }
    let log_bg = log.clone();
    executor.spawn(async move {
        sleep(secs(0.5)).await;
        mark(&log_bg, "the background task");
    });
    executor.run();
    for (what, at) in log.lock().unwrap().iter() {
        println!(
            "step 3: {what} finished after {:.2} s",
            (*at - start).as_secs_f64()
        );
    }
    println!(
        "step 3: all in {:.2} s; CPU used {:.2} s; 6 timers on one heap, no timer threads",
        start.elapsed().as_secs_f64(),
        (cpu_time() - cpu_start).as_secs_f64()
    );
}
