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
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_task::ArcWake;
use glassloop_ramp::{secs, Log, JOBS};

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

/// The loop's timers: a min-heap of `(deadline, number)` — the number breaks ties in arming
/// order, as asyncio's TimerHandles compare — and each number's waker.
#[derive(Default)]
struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    wakers: HashMap<u64, Waker>,
    armed: u64,
}

thread_local! {
    /// The loop runs on this thread, and so do the polls that arm timers.
    static TIMERS: RefCell<Timers> = RefCell::default();
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
                let timers = &mut *timers.borrow_mut();
                timers.armed += 1;
                timers.heap.push(Reverse((deadline, timers.armed)));
                timers.wakers.insert(timers.armed, waker);
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
        let timers = &mut *timers.borrow_mut();
        while let Some(&Reverse((deadline, number))) = timers.heap.peek() {
            if deadline > now {
                return Some(deadline);
            }
            timers.heap.pop();
            due.extend(timers.wakers.remove(&number));
        }
        None
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

fn main() {
    let executor = Executor::new();
    let log = Log::default();
    for (what, seconds) in JOBS {
        let log = log.clone();
        executor.spawn(async move {
            sleep(secs(seconds)).await;
            log.finished(what);
        });
    }
    executor.run();
    log.report(3, "6 timers on one heap, no timer threads");
}
