//! Step 4: the same loop on glassloop's own parts — timers on `glassloop_timer::TimerWheel`
//! (O(1) to arm and to fire, where the heap was O(log n)), and the park in `mio::Poll`, the
//! selector glassloop's reactor waits in (epoll), woken by a `mio::Waker`.
//!
//! ```python
//! await asyncio.gather(asyncio.sleep(2), asyncio.sleep(2))          # 2 s
//! await asyncio.gather(*(get_user(i) for i in (1, 2, 3)))           # 1 s
//! task = asyncio.create_task(background()); ...; await task
//! ```
//!
//! The turn is the real loop's: poll the tasks that were ready when the turn began, fire the
//! timers that are due, and if nothing is ready, park in `Poll::poll` until the wheel's next slot.
//! What glassloop's `Core` has on top of this is listed in docs/build-your-own.md, each item
//! pointing at the function that does it.
//!
//! Read next: `executor/src/event_loop/mod.rs`, the real loop.

#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_task::ArcWake;
use glassloop_ramp::{secs, Log, JOBS};
use glassloop_timer::TimerWheel;

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The ready queue, and the poke that ends a park when a task is woken from another thread.
struct Ready {
    queue: Mutex<VecDeque<Arc<Task>>>,
    poke: mio::Waker,
}

struct Task {
    future: Mutex<Option<BoxFuture>>,
    ready: Arc<Ready>,
}

impl ArcWake for Task {
    fn wake_by_ref(task: &Arc<Self>) {
        task.ready.queue.lock().unwrap().push_back(task.clone());
        // One syscall per wake: glassloop pokes only for wakes from *other* threads.
        let _ = task.ready.poke.wake();
    }
}

/// The wheel counts in ticks of 1 ms since the loop started.
struct Timers {
    wheel: TimerWheel<Waker>,
    origin: Instant,
}

impl Timers {
    fn tick(&self, at: Instant) -> u64 {
        // Rounded up: a timer never fires early.
        at.saturating_duration_since(self.origin)
            .as_nanos()
            .div_ceil(1_000_000) as u64
    }
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::new(Timers {
        wheel: TimerWheel::new(),
        origin: Instant::now(),
    });
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
                let mut timers = timers.borrow_mut();
                let tick = timers.tick(deadline);
                timers.wheel.insert(tick, waker);
            });
        }
        Poll::Pending
    }
}

struct Executor {
    poll: mio::Poll,
    ready: Arc<Ready>,
    live: usize,
}

impl Executor {
    fn new() -> std::io::Result<Executor> {
        let poll = mio::Poll::new()?;
        let poke = mio::Waker::new(poll.registry(), mio::Token(0))?;
        Ok(Executor {
            poll,
            ready: Arc::new(Ready {
                queue: Mutex::new(VecDeque::new()),
                poke,
            }),
            live: 0,
        })
    }

    fn spawn(&mut self, future: impl Future<Output = ()> + Send + 'static) {
        self.live += 1;
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            ready: self.ready.clone(),
        });
        self.ready.queue.lock().unwrap().push_back(task);
    }

    /// Turns until every task has finished.
    fn run(&mut self) -> std::io::Result<u64> {
        let (mut events, mut parks) = (mio::Events::with_capacity(8), 0);
        while self.live > 0 {
            // 1. The tasks ready when the turn began (a task woken now waits for the next turn).
            let count = self.ready.queue.lock().unwrap().len();
            for _ in 0..count {
                let Some(task) = self.ready.queue.lock().unwrap().pop_front() else {
                    break;
                };
                let mut slot = task.future.lock().unwrap();
                if let Some(mut future) = slot.take() {
                    let waker = futures_task::waker_ref(&task);
                    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
                        Poll::Pending => *slot = Some(future),
                        Poll::Ready(()) => self.live -= 1,
                    }
                }
            }
            // 2. The timers that are due.
            let mut fired = Vec::new();
            let next_due = TIMERS.with(|timers| {
                let mut timers = timers.borrow_mut();
                // The ticks that have fully passed (rounded down, unlike a deadline).
                let now = Instant::now()
                    .saturating_duration_since(timers.origin)
                    .as_millis() as u64;
                timers.wheel.advance_to(now, &mut fired);
                let next = timers.wheel.next_expiration();
                next.map(|tick| timers.origin + Duration::from_millis(tick))
            });
            fired.into_iter().for_each(Waker::wake);
            // 3. Nothing ready: park in epoll until the wheel's next slot (or a poke).
            if self.ready.queue.lock().unwrap().is_empty() && self.live > 0 {
                let timeout = next_due.map(|due| due.saturating_duration_since(Instant::now()));
                parks += 1;
                self.poll.poll(&mut events, timeout)?;
            }
        }
        Ok(parks)
    }
}

fn main() -> std::io::Result<()> {
    let mut executor = Executor::new()?;
    let log = Log::default();
    for (what, seconds) in JOBS {
        let log = log.clone();
        executor.spawn(async move {
            sleep(secs(seconds)).await;
            log.finished(what);
        });
    }
    let parks = executor.run()?;
    log.report(4, &format!("the loop parked in epoll {parks} times"));
    Ok(())
}
