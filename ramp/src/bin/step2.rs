//! Step 2: a ready queue and real wakers — several tasks, `spawn`, and a sleep that wakes its
//! task from a thread of its own (the async book's first executor does it this way).
//!
//! ```python
//! await asyncio.gather(asyncio.sleep(2), asyncio.sleep(2))   # 2 s
//! await asyncio.gather(*(get_user(i) for i in (1, 2, 3)))   # 1 s
//! task = asyncio.create_task(background()); ...; await task
//! ```
//!
//! A task is a boxed future behind a lock and a handle on the ready queue. Its waker
//! (`ArcWake::wake`) puts the task on the queue; the loop takes tasks off the queue and polls
//! them, and waits on the queue when it is empty — asleep, not spinning. The sleep's first poll
//! starts a thread that sleeps and then wakes the task: correct, and no CPU burned, but one thread
//! per timer — a thousand sleeps are a thousand threads. Step 3 keeps the timers in the loop.
//!
//! Read next: `step3.rs`.

#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_task::ArcWake;
use glassloop_ramp::{cpu_time, secs};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A spawned future, and the way back onto the ready queue.
struct Task {
    future: Mutex<Option<BoxFuture>>,
    ready: Sender<Arc<Task>>,
}

impl ArcWake for Task {
    fn wake_by_ref(task: &Arc<Self>) {
        let _ = task.ready.send(task.clone()); // the loop may be gone at the very end
    }
}

/// How many timer threads were started.
static TIMER_THREADS: AtomicUsize = AtomicUsize::new(0);

struct Sleep {
    deadline: Instant,
    started: bool,
}

fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
        started: false,
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        if !self.started {
            self.started = true;
            TIMER_THREADS.fetch_add(1, Ordering::Relaxed);
            let (deadline, waker) = (self.deadline, cx.waker().clone());
            std::thread::spawn(move || {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                waker.wake();
            });
        }
        Poll::Pending
    }
}

/// The output of a spawned task, once it is there, and who waits for it.
struct Joined<T> {
    output: Option<T>,
    waiter: Option<Waker>,
}

struct JoinHandle<T>(Arc<Mutex<Joined<T>>>);

impl<T> Future for JoinHandle<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut joined = self.0.lock().unwrap();
        match joined.output.take() {
            Some(output) => Poll::Ready(output),
            None => {
                joined.waiter = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// What `spawn` needs: a way onto the ready queue. (A clone of it goes to every task: it is how
/// a task's waker puts the task back.)
#[derive(Clone)]
struct Spawner(Sender<Arc<Task>>);

impl Spawner {
    /// asyncio's `create_task`: the future becomes a task, queued at once.
    fn spawn<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> JoinHandle<T> {
        let joined = Arc::new(Mutex::new(Joined {
            output: None,
            waiter: None,
        }));
        let slot = joined.clone();
        let future: BoxFuture = Box::pin(async move {
            let output = future.await;
            let mut slot = slot.lock().unwrap();
            slot.output = Some(output);
            if let Some(waiter) = slot.waiter.take() {
                waiter.wake();
            }
        });
        let task = Arc::new(Task {
            future: Mutex::new(Some(future)),
            ready: self.0.clone(),
        });
        let _ = self.0.send(task);
        JoinHandle(joined)
    }
}

struct Executor {
    ready: Receiver<Arc<Task>>,
    spawner: Spawner,
}

impl Executor {
    fn new() -> Executor {
        let (sender, ready) = channel();
        Executor {
            ready,
            spawner: Spawner(sender),
        }
    }

    /// Runs tasks as they become ready until `main` has finished.
    fn block_on<T: Send + 'static>(&self, main: impl Future<Output = T> + Send + 'static) -> T {
        let handle = self.spawner.spawn(main);
        loop {
            if let Some(output) = handle.0.lock().unwrap().output.take() {
                return output;
            }
            // Sleeps here, on the queue, until some waker sends a task.
            let task = self.ready.recv().expect("the executor holds a sender");
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

async fn get_user(id: u32) -> String {
    sleep(secs(1.0)).await;
    format!("user{id}")
}

fn main() {
    let executor = Executor::new();
    let spawner = executor.spawner.clone();
    let (start, cpu_start) = (Instant::now(), cpu_time());
    let (users, background_done) = executor.block_on(async move {
        let background = spawner.spawn(async {
            sleep(secs(0.5)).await;
            Instant::now()
        });
        let naps: Vec<_> = (0..2).map(|_| spawner.spawn(sleep(secs(2.0)))).collect();
        let calls: Vec<_> = (1..=3).map(|id| spawner.spawn(get_user(id))).collect();
        let mut users = Vec::new();
        for call in calls {
            users.push(call.await);
        }
        let background_done = background.await;
        for nap in naps {
            nap.await;
        }
        (users, background_done)
    });
    let wall = start.elapsed();
    println!("step 2: three get_user calls as tasks: {users:?}");
    println!(
        "step 2: with two 2 s sleeps as tasks too, all in {:.2} s",
        wall.as_secs_f64()
    );
    println!(
        "step 2: the background task finished after {:.2} s, while main awaited the calls",
        (background_done - start).as_secs_f64()
    );
    println!(
        "step 2: CPU used {:.2} s; {} timer threads for {} sleeps — a thread per timer",
        (cpu_time() - cpu_start).as_secs_f64(),
        TIMER_THREADS.load(Ordering::Relaxed),
        6
    );
}
