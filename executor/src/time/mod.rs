//! `sleep` and the loop's clock — asyncio's `asyncio.sleep` and `loop.time()`.
//!
//! `asyncio.sleep(2)` schedules a callback on the loop's timer heap and suspends the coroutine until
//! it runs. Here, [`sleep`] returns a [`Sleep`] future: the first time it is polled it puts its
//! task's waker into the loop's timer wheel, and returns `Pending`; when the loop sees the deadline
//! pass it fires the timer, which wakes the task, which polls the `Sleep` again, which now sees the
//! clock past its deadline and returns `Ready`.
//!
//! A `Sleep` is plain data — a deadline and the key of its wheel entry — so it is `Send + Sync` and
//! can be handed to libraries such as hyper. It reaches the wheel through the running loop.
//!
//! This module is public as `glassloop::time` (its main items are also at the crate root), with
//! [`interval`](fn@interval) for repeating ticks and [`advance`] for stepping virtual time by hand.
//!
//! Read next: [`timeout.rs`](mod@timeout), built on this; [`interval.rs`](mod@interval); and the wheel
//! itself, in `driver/timers.rs` and the `glassloop-timer` crate.

use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use glassloop_timer::TimerKey;

use crate::driver::clock::{deadline_after, PackedInstant};
use crate::event_loop::context;
use crate::event_loop::Core;
use crate::observe::Waiting;

mod interval;
mod timeout;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use timeout::{timeout, Elapsed};

/// The loop's current time — asyncio's `loop.time()`.
///
/// Inside a running loop this is the loop's clock: `Instant::now()`, or under
/// [virtual time](crate::Builder::virtual_time) the loop's own clock, which jumps from timer to timer.
/// Outside a loop it is `Instant::now()`. Measure demos with this, not `Instant::now()`, so they
/// report the same figures on virtual time.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// let rt = glassloop::Runtime::builder().virtual_time(true).build().unwrap();
/// rt.block_on(async {
///     let start = glassloop::now();
///     glassloop::sleep(Duration::from_secs(60)).await; // takes microseconds of real time
///     assert_eq!(glassloop::now() - start, Duration::from_secs(60));
/// });
/// ```
pub fn now() -> Instant {
    context::with_current(|core| core.now()).unwrap_or_else(Instant::now)
}

/// Waits until `duration` has passed — asyncio's `await asyncio.sleep(seconds)`.
///
/// The deadline is fixed when `sleep` is called; the timer is armed when the future is first
/// polled. It never completes early; it may complete up to about a millisecond late (the wheel's
/// tick), plus however long the loop is busy.
///
/// **Cancellation:** dropping the `Sleep` before it completes removes its timer from the wheel, so
/// nothing is left behind.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let start = glassloop::now();
///     glassloop::sleep(Duration::from_millis(20)).await;
///     assert!(glassloop::now() - start >= Duration::from_millis(20));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(now(), duration))
}

/// Waits until the loop's clock reaches `deadline` (compare with [`now`]).
///
/// A deadline in the past completes at the first poll.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline: PackedInstant::new(deadline),
        timer: None,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It is `Unpin`, `Send` and `Sync`. Dropping it cancels its timer. It is level-like, as tokio's
/// `Sleep` is: polled again after it completed, it is ready again (the deadline has passed).
#[derive(Debug)]
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    /// In 8 bytes rather than an `Instant`'s 16 (see [`PackedInstant`]): with the timer's 16,
    /// a `Sleep` is 24 bytes, and every sleeping task carries one.
    deadline: PackedInstant,
    /// The loop the timer is armed in (loops are numbered from 1), and its key in that loop's
    /// wheel.
    timer: Option<(NonZeroU64, TimerKey)>,
}

impl Sleep {
    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline.get()
    }

    /// Moves the deadline — to sleep again without building a new `Sleep` (an [`Interval`] does
    /// this every tick), or to push a keep-alive timeout back.
    ///
    /// If the timer is armed it is moved at once, keeping the waker it has, so the task waiting on
    /// it is woken at the new time even if it does not poll the `Sleep` again first.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// use std::time::Duration;
    /// let rt = glassloop::Runtime::builder().virtual_time(true).build().unwrap();
    /// rt.block_on(async {
    ///     let start = glassloop::now();
    ///     let mut sleep = glassloop::sleep(Duration::from_secs(10));
    ///     sleep.reset(start + Duration::from_secs(3));
    ///     sleep.await;
    ///     assert_eq!(glassloop::now() - start, Duration::from_secs(3));
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = PackedInstant::new(deadline);
        let Some((loop_id, key)) = self.timer.take() else {
            return; // not armed: the next poll arms it at the new deadline
        };
        context::with_current(|core| {
            if core.id == loop_id.get() {
                self.timer = core.reset_timer(key, deadline).map(|key| (loop_id, key));
            }
        });
    }

    /// Whether the deadline has passed on the current loop's clock.
    pub fn is_elapsed(&self) -> bool {
        now() >= self.deadline.get()
    }

    /// Takes the timer out of the wheel, if it is in one. Safe to call with a stale key: the wheel
    /// checks generations, so a key whose timer already fired cancels nothing.
    fn disarm(&mut self, core: &Core) {
        if let Some((loop_id, key)) = self.timer.take() {
            if loop_id.get() == core.id {
                core.cancel_timer(key);
            }
        }
    }

    fn arm(&mut self, core: &Core, deadline: Instant, cx: &mut Context<'_>) {
        let key = core.arm_timer(deadline, cx.waker().clone());
        let loop_id = NonZeroU64::new(core.id).expect("loops are numbered from 1");
        self.timer = Some((loop_id, key));
    }
}

impl Sleep {
    fn poll_unbudgeted(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        context::with_current(|core| {
            // The latest clock reading is enough to tell: the timer fires only once the loop has
            // read a time past the deadline (see `Clock::last_read`).
            let deadline = this.deadline.get();
            if core.last_read() >= deadline {
                this.disarm(core);
                return Poll::Ready(());
            }
            match this.timer {
                // Already armed: make sure the stored waker wakes whoever polls us now (gather
                // gives each child its own waker, and futures move between tasks).
                Some((loop_id, key)) if loop_id.get() == core.id => {
                    if !core.refresh_timer(key, cx.waker()) {
                        // Fired but the deadline is still ahead: only possible if the clock went
                        // backwards under us. Arm again rather than sleep forever.
                        this.arm(core, deadline, cx);
                    }
                }
                // First poll, or polled by a different loop than before: arm in this one.
                _ => this.arm(core, deadline, cx),
            }
            core.note_waiting(|| Waiting::Timer(deadline));
            Poll::Pending
        })
        .unwrap_or_else(|| {
            panic!(
                "a glassloop Sleep was polled outside a glassloop loop. Await it inside \
                 glassloop::run(...) or Runtime::block_on(...)."
            )
        })
    }
}

impl Future for Sleep {
    type Output = ();

    /// A `Ready` costs one operation of the task's budget (see [`budget.rs`](crate::event_loop::budget)).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        crate::event_loop::budget::spend(cx, |cx| self.poll_unbudgeted(cx))
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if self.timer.is_some() {
            context::with_current(|core| self.disarm(core));
        }
    }
}

/// Blocks the whole thread for `duration` — what `time.sleep()` does inside an `async def`.
///
/// This is the *wrong* way to wait inside async code, and the demos use it on purpose to show why:
/// while it runs, the loop runs nothing else. In real time it calls `std::thread::sleep`. Under
/// virtual time it moves the loop's clock forward by `duration` without running anything, which is
/// exactly what blocking does to a loop (and the trace shows it).
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// let rt = glassloop::Runtime::builder().virtual_time(true).build().unwrap();
/// rt.block_on(async {
///     let start = glassloop::now();
///     glassloop::blocking_sleep(Duration::from_secs(2));
///     assert_eq!(glassloop::now() - start, Duration::from_secs(2));
/// });
/// ```
pub fn blocking_sleep(duration: Duration) {
    // Said before the sleep: the trace line marks when the blocking began.
    let moved = context::with_current(|core| core.block_for(duration));
    if moved != Some(true) {
        std::thread::sleep(duration);
    }
}

/// Moves virtual time forward by `duration`, then lets the loop run the timers that became due —
/// for tests that step the clock by hand.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// let rt = glassloop::Runtime::builder().virtual_time(true).build().unwrap();
/// rt.block_on(async {
///     let alarm = glassloop::spawn(glassloop::sleep(Duration::from_secs(60)));
///     glassloop::time::advance(Duration::from_secs(59)).await;
///     assert!(!alarm.is_finished());
///     glassloop::time::advance(Duration::from_secs(1)).await;
///     assert!(alarm.is_finished());
/// });
/// ```
///
/// # Panics
///
/// Outside a loop, or on a loop without virtual time (real time cannot be stepped): build the
/// runtime with `Runtime::builder().virtual_time(true)`.
pub async fn advance(duration: Duration) {
    let moved = context::with_current(|core| core.advance_clock(duration));
    if moved != Some(true) {
        panic!(
            "glassloop::time::advance needs a loop with virtual time: build it with \
             Runtime::builder().virtual_time(true)"
        );
    }
    // Two turns: the first fires the timers that are now due, the second runs the tasks they woke.
    crate::yield_now().await;
    crate::yield_now().await;
}
