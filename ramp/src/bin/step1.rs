//! Step 1: a loop that polls one future until it is ready — asyncio's `loop.run_until_complete`
//! with nothing else in the loop.
//!
//! ```python
//! await asyncio.gather(asyncio.sleep(2), asyncio.sleep(2))   # 2 s
//! ```
//!
//! `block_on` polls the future again and again; the sleep is ready once its deadline has passed.
//! Nobody is woken, so the loop never rests: the waker it hands out does nothing, and the loop
//! spins, burning a whole core for the two seconds. `join` polls both sleeps on every turn — a
//! gather of two, run as one future. There are no tasks, so nothing can run "in the background".
//!
//! Read next: `step2.rs`, which gives the waker a job.

#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use glassloop_ramp::{cpu_time, secs};

/// Polls `future` until it is ready. Returns its output and how many polls it took.
fn block_on<F: Future>(future: F) -> (F::Output, u64) {
    let mut future = pin!(future);
    let waker = futures_task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
        // Nothing tells us when to try again, so: right away.
    }
}

/// Ready once `deadline` has passed; it checks the clock each time it is polled.
struct Sleep {
    deadline: Instant,
}

fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Both futures at once: each poll polls whichever is not done yet.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    std::future::poll_fn(|cx| {
        if out_a.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        if out_a.is_some() && out_b.is_some() {
            Poll::Ready((out_a.take().unwrap(), out_b.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

fn main() {
    let (start, cpu_start) = (Instant::now(), cpu_time());
    let ((), polls) = block_on(async {
        join(sleep(secs(2.0)), sleep(secs(2.0))).await;
    });
    let (wall, cpu) = (start.elapsed(), cpu_time() - cpu_start);
    println!(
        "step 1: two {:.1} s sleeps, joined: {:.2} s",
        secs(2.0).as_secs_f64(),
        wall.as_secs_f64()
    );
    println!(
        "step 1: {polls} polls; CPU used {:.2} s of {:.2} s — busy-polling burns the core the whole time",
        cpu.as_secs_f64(),
        wall.as_secs_f64()
    );
}
