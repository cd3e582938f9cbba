//! `gather` — asyncio's `await asyncio.gather(*aws)`.
//!
//! Gathering runs many futures *inside one task* and finishes when all have. The naive way polls
//! every child whenever any of them is woken, which makes n children that each wake once cost
//! n² polls. Instead each child gets **its own waker**: waking it records the child's index in a
//! shared "woken" list and wakes the gathering task; the next poll polls exactly the listed children.
//! n children that each wake once cost O(n) polls.
//!
//! ```text
//!   child 7's waker ──wake──► woken list: [7]  ──► parent task's waker ──► ready queue
//!   parent polled  ──► takes [7] ──► polls child 7 only
//! ```
//!
//! The list sits behind a `Mutex` because a waker may be woken from any thread; on the loop's thread
//! the lock is never contended.
//!
//! The children woken together are polled in the order they were woken — or, when the loop has a
//! seed, in a seeded order ([`driver/seed.rs`](crate::driver::seed)). The outputs keep the input
//! order either way. (`gather!` polls every unfinished child in written order, seed or no seed.)
//!
//! The [`gather!`](crate::gather!) macro is the fixed-size, mixed-type form: `gather!(a, b).await`
//! is a tuple.
//!
//! Read next: [`select.rs`](mod@crate::select), waiting for the first of many.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use futures_task::ArcWake;

use crate::event_loop::context;
use crate::store_waker::store_waker;

/// Runs all `futures` concurrently and returns their outputs in input order — asyncio's
/// `await asyncio.gather(*aws)`.
///
/// The children run inside the task that awaits the gather (they are not spawned), so they need not
/// be `Send` or `'static`.
///
/// **Cancellation:** dropping the `Gather` drops every child that has not finished.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let waits = [30, 10, 20].map(|ms| async move {
///         glassloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     });
///     // Outputs come back in the order given, not the order finished.
///     assert_eq!(glassloop::gather(waits).await, vec![30, 10, 20]);
/// });
/// ```
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let children = Children::new(futures);
    let outputs = Some((0..children.remaining).map(|_| None).collect());
    Gather { children, outputs }
}

/// Like [`gather`] for futures that return `Result`: all `Ok` outputs in order, or the first `Err`
/// — asyncio's `gather` without `return_exceptions=True`.
///
/// **Cancellation:** on the first error every child still running is dropped at once (asyncio
/// leaves them running; Rust's cancel-by-drop makes stopping them the natural choice).
///
/// ```
/// # use glassloop_executor as glassloop;
/// async fn check(n: u32) -> Result<u32, String> {
///     if n < 10 { Ok(n) } else { Err(format!("{n} is too big")) }
/// }
///
/// glassloop::run(async {
///     assert_eq!(glassloop::try_gather([check(1), check(2)]).await, Ok(vec![1, 2]));
///     assert_eq!(
///         glassloop::try_gather([check(1), check(20), check(30)]).await,
///         Err("20 is too big".to_string())
///     );
/// });
/// ```
pub fn try_gather<I, T, E>(futures: I) -> TryGather<I::Item>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    let children = Children::new(futures);
    let outputs = Some((0..children.remaining).map(|_| None).collect());
    TryGather { children, outputs }
}

/// The future returned by [`gather`]. It is one-shot: polling it again after it returned its
/// outputs panics.
#[must_use = "gather does nothing unless awaited"]
pub struct Gather<F: Future> {
    children: Children<F>,
    /// Each child's output, in input order, as they finish; `None` once handed out.
    outputs: Option<Vec<Option<F::Output>>>,
}

/// The future returned by [`try_gather`]. It is one-shot: polling it again after it returned
/// panics.
#[must_use = "try_gather does nothing unless awaited"]
pub struct TryGather<F: Future> {
    children: Children<F>,
    outputs: Option<Vec<Option<F::Output>>>,
}

const POLLED_AGAIN: &str =
    "a gather was polled again after it completed; it yields its outputs once, so await it once";

// The children are boxed and the outputs are never pinned, so moving a gather is fine whatever the
// children are.
impl<F: Future> Unpin for Gather<F> {}
impl<F: Future> Unpin for TryGather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = &mut *self;
        let outputs = this.outputs.as_mut().expect(POLLED_AGAIN);
        this.children.poll_woken(cx, |index, output| {
            outputs[index] = Some(output);
            ControlFlow::Continue(())
        });
        if this.children.remaining > 0 {
            return Poll::Pending;
        }
        let outputs = this.outputs.take().expect(POLLED_AGAIN);
        Poll::Ready(
            outputs
                .into_iter()
                .map(|o| o.expect("every child finished"))
                .collect(),
        )
    }
}

impl<F, T, E> Future for TryGather<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, E>> {
        let this = &mut *self;
        let outputs = this.outputs.as_mut().expect(POLLED_AGAIN);
        let mut failure = None;
        this.children.poll_woken(cx, |index, output| match output {
            Ok(value) => {
                outputs[index] = Some(Ok(value));
                ControlFlow::Continue(())
            }
            Err(error) => {
                failure = Some(error);
                ControlFlow::Break(())
            }
        });
        if let Some(error) = failure {
            // Drop the children still running *now*, not when the TryGather itself is dropped.
            this.children.drop_all();
            this.outputs = None;
            return Poll::Ready(Err(error));
        }
        if this.children.remaining > 0 {
            return Poll::Pending;
        }
        let outputs = this.outputs.take().expect(POLLED_AGAIN);
        Poll::Ready(Ok(outputs
            .into_iter()
            .map(|o| match o {
                Some(Ok(value)) => value,
                _ => unreachable!("every child finished with Ok"),
            })
            .collect()))
    }
}

/// The children of a gather (or of `as_completed`), and which of them were woken.
pub(crate) struct Children<F> {
    /// `None` once a child has finished (it is dropped as soon as it has).
    futures: Vec<Option<Pin<Box<F>>>>,
    /// Children not finished yet.
    pub(crate) remaining: usize,
    wakers: Vec<Arc<ChildWaker>>,
    woken: Arc<WokenList>,
    /// Woken children not yet polled (a round can stop early), reused between polls.
    to_poll: Vec<usize>,
    started: bool,
    /// Whether the loop has a seed (looked up once, at the first poll): then the children woken
    /// together are polled in a seeded order. (A flag, not the generator itself, which is the
    /// loop's and not `Send`: a `Gather` of `Send` futures stays `Send`.)
    seeded: bool,
}

/// Which children were woken since the gather last looked, and whom to tell.
#[derive(Default)]
struct WokenList {
    inner: Mutex<WokenInner>,
}

#[derive(Default)]
struct WokenInner {
    indices: Vec<usize>,
    parent: Option<Waker>,
}

/// One child's waker.
struct ChildWaker {
    index: usize,
    /// Already in the woken list: a second wake before the next poll adds nothing.
    queued: AtomicBool,
    list: Arc<WokenList>,
}

impl ArcWake for ChildWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        if arc_self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let parent = {
            let mut inner = arc_self
                .list
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            inner.indices.push(arc_self.index);
            inner.parent.clone()
        };
        // Wake the gathering task outside the lock.
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl<F: Future> Children<F> {
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let futures: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
        Children {
            remaining: futures.len(),
            futures,
            wakers: Vec::new(),
            woken: Arc::new(WokenList::default()),
            to_poll: Vec::new(),
            started: false,
            seeded: false,
        }
    }

    /// Polls the children that were woken (all of them the first time), handing each output to
    /// `on_ready` with the child's index. `on_ready` may stop the round early; the children not
    /// polled yet stay listed for the next round.
    pub(crate) fn poll_woken(
        &mut self,
        cx: &mut Context<'_>,
        mut on_ready: impl FnMut(usize, F::Output) -> ControlFlow<()>,
    ) {
        {
            let mut inner = self
                .woken
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let replaced = store_waker(&mut inner.parent, cx.waker());
            self.to_poll.append(&mut inner.indices);
            drop(inner);
            drop(replaced);
        }
        if !self.started {
            self.started = true;
            self.seeded = context::current_seeded().is_some();
            self.to_poll = (0..self.futures.len()).collect();
            self.wakers = (0..self.futures.len())
                .map(|index| {
                    Arc::new(ChildWaker {
                        index,
                        queued: AtomicBool::new(false),
                        list: self.woken.clone(),
                    })
                })
                .collect();
        }
        if self.seeded {
            if let Some(seeded) = context::current_seeded() {
                seeded.shuffle(&mut self.to_poll, |&index| index as u64);
            }
        }
        let mut polled = 0;
        while polled < self.to_poll.len() {
            let index = self.to_poll[polled];
            polled += 1;
            let child_waker = &self.wakers[index];
            // Clear before polling, so a wake during the poll queues the child again.
            child_waker.queued.store(false, Ordering::Release);
            let Some(future) = self.futures[index].as_mut() else {
                continue;
            };
            let waker = futures_task::waker_ref(child_waker);
            let mut child_cx = Context::from_waker(&waker);
            if let Poll::Ready(output) = future.as_mut().poll(&mut child_cx) {
                self.futures[index] = None;
                self.remaining -= 1;
                if on_ready(index, output).is_break() {
                    break;
                }
            }
        }
        self.to_poll.drain(..polled);
    }

    /// Drops every unfinished child.
    pub(crate) fn drop_all(&mut self) {
        self.futures.clear();
        self.to_poll.clear();
        self.remaining = 0;
    }
}

/// Runs several futures of different types concurrently and returns their outputs as a tuple —
/// asyncio's `await asyncio.gather(a, b, c)`.
///
/// The futures are created when the macro is evaluated (like the coroutine objects passed to
/// `asyncio.gather`) and start running when the result is awaited. Each unfinished child is polled
/// when the gathering task wakes; for the handful of children a macro call has, that is cheaper than
/// a waker per child (use [`gather()`] for many).
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// async fn fetch(name: &str, ms: u64) -> String {
///     glassloop::sleep(Duration::from_millis(ms)).await;
///     format!("{name} after {ms} ms")
/// }
///
/// glassloop::run(async {
///     let start = glassloop::now();
///     let (a, b) = glassloop::gather!(fetch("a", 30), fetch("b", 20)).await;
///     assert_eq!(a, "a after 30 ms");
///     assert_eq!(b, "b after 20 ms");
///     assert!(glassloop::now() - start < Duration::from_millis(50 + 1000)); // concurrent, not 50 ms in a row
/// });
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__gather_step!([] $($future,)+)
    };
}

/// The machinery of [`gather!`]: gives each future a fresh name, one at a time. Each step's
/// `future` and `output` identifiers come from a different macro expansion, so hygiene keeps them
/// apart even though they are spelled alike.
#[doc(hidden)]
#[macro_export]
macro_rules! __gather_step {
    ([$($done:tt)*] $head:expr, $($rest:expr,)*) => {
        $crate::__gather_step!([$($done)* (future output $head)] $($rest,)*)
    };
    ([$(($future:ident $output:ident $expr:expr))*]) => {{
        $( let $future = $expr; )*
        async move {
            $(
                let mut $future = ::core::pin::pin!($future);
                let mut $output = ::core::option::Option::None;
            )*
            ::core::future::poll_fn(|cx| {
                let mut all_done = true;
                $(
                    if $output.is_none() {
                        match ::core::future::Future::poll($future.as_mut(), cx) {
                            ::core::task::Poll::Ready(value) => {
                                $output = ::core::option::Option::Some(value);
                            }
                            ::core::task::Poll::Pending => all_done = false,
                        }
                    }
                )*
                if all_done {
                    ::core::task::Poll::Ready(($(
                        $output.take().expect("gather! output taken once"),
                    )*))
                } else {
                    ::core::task::Poll::Pending
                }
            })
            .await
        }
    }};
}
