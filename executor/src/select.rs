//! Racing futures — asyncio's `asyncio.wait(..., return_when=FIRST_COMPLETED)` and
//! `asyncio.as_completed`.
//!
//! [`race`] and [`select!`](crate::select!) poll several futures in the same task and finish with the
//! first one ready. The others — the *losers* — are **dropped** at that moment, which is how Rust
//! cancels: their destructors run, so a losing `sleep` takes its timer out of the wheel, a losing
//! socket read stops waiting (having read nothing), a losing `Queue::get` leaves the line. asyncio's
//! `wait` instead leaves the losers running; to get that here, `spawn` them and race the handles.
//!
//! [`as_completed`] hands outputs back one by one in the order they finish, polling only the
//! futures that were woken, as [`gather`](fn@crate::gather) does.
//!
//! Read next: [`task_group.rs`](crate::task_group), tasks that finish together.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::gather::Children;

/// Runs `a` and `b` at once and returns the output of whichever finishes first; the other is
/// dropped (cancelled). When both are ready at the same poll, `a` wins. One-shot: polling it again
/// after it completed panics.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let fast = async { glassloop::sleep(Duration::from_millis(10)).await; "fast" };
///     let slow = async { glassloop::sleep(Duration::from_secs(60)).await; "slow" };
///     assert_eq!(glassloop::race(slow, fast).await, "fast");
/// });
/// ```
pub async fn race<T>(a: impl Future<Output = T>, b: impl Future<Output = T>) -> T {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = a.as_mut().poll(cx) {
            return Poll::Ready(output);
        }
        b.as_mut().poll(cx)
    })
    .await
}

/// Waits for several futures of different types and runs the branch of the first one to finish —
/// asyncio's `wait(return_when=FIRST_COMPLETED)`, tokio's `select!`.
///
/// Each branch is `pattern = future => expression`. The futures are polled in the order written
/// (the first branch wins a tie). The losing futures are **dropped before** the winning branch's
/// expression runs, so the expression may reuse what they borrowed. Use it inside async code.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// use glassloop::sync::Queue;
///
/// glassloop::run(async {
///     let inbox: Queue<&str> = Queue::unbounded();
///     let outcome = glassloop::select! {
///         message = inbox.get() => format!("got {message}"),
///         () = glassloop::sleep(Duration::from_millis(20)) => "timed out".to_string(),
///     };
///     assert_eq!(outcome, "timed out");
///     assert!(inbox.is_empty()); // the losing get() was dropped and left the line
/// });
/// ```
#[macro_export]
macro_rules! select {
    ($($pattern:pat = $future:expr => $body:expr),+ $(,)?) => {
        $crate::__select_step!([] $($pattern = $future => $body,)+)
    };
}

/// The machinery of [`select!`]: names each branch's future and output slot (hygiene keeps the
/// identically spelled names of different steps apart), then polls them in order.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_step {
    ([$($done:tt)*] $pattern:pat = $future:expr => $body:expr, $($rest:tt)*) => {
        $crate::__select_step!([$($done)* (future output ($pattern) ($future) ($body))] $($rest)*)
    };
    ([$(($fut:ident $out:ident ($pattern:pat) ($future:expr) ($body:expr)))*]) => {{
        $( let mut $out = ::core::option::Option::None; )*
        {
            // Pinned in this inner block, so the losers are dropped when it ends.
            $( let mut $fut = ::core::pin::pin!($future); )*
            ::core::future::poll_fn(|cx| {
                $(
                    if let ::core::task::Poll::Ready(value) =
                        ::core::future::Future::poll($fut.as_mut(), cx)
                    {
                        $out = ::core::option::Option::Some(value);
                        return ::core::task::Poll::Ready(());
                    }
                )*
                ::core::task::Poll::Pending
            })
            .await;
        }
        $crate::__select_pick!($(($out ($pattern) ($body)))*)
    }};
}

/// Runs the body of the branch whose output slot is filled.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_pick {
    (($out:ident ($pattern:pat) ($body:expr)) $($rest:tt)*) => {
        match $out {
            ::core::option::Option::Some($pattern) => $body,
            _ => $crate::__select_pick!($($rest)*),
        }
    };
    () => {
        unreachable!("select!: one branch always finished")
    };
}

/// Yields the outputs of `futures` in the order they finish — asyncio's `as_completed`. Once all
/// have been handed out, `next()` keeps returning `None`, as an exhausted stream does.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// glassloop::run(async {
///     let waits = [30u64, 10, 20].map(|ms| async move {
///         glassloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     });
///     let mut finished = glassloop::as_completed(waits);
///     let mut order = Vec::new();
///     while let Some(ms) = finished.next().await {
///         order.push(ms);
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
///
/// **Cancellation:** dropping the `AsCompleted` drops the futures that have not finished.
pub fn as_completed<I>(futures: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted {
        children: Children::new(futures),
        ready: std::collections::VecDeque::new(),
    }
}

/// The outputs of [`as_completed`], one `next().await` at a time.
pub struct AsCompleted<F: Future> {
    children: Children<F>,
    /// Outputs that finished in the same poll, waiting to be handed out in order.
    ready: std::collections::VecDeque<F::Output>,
}

// Children are boxed; outputs are never pinned.
impl<F: Future> Unpin for AsCompleted<F> {}

impl<F: Future> AsCompleted<F> {
    /// The next output to finish, or `None` when all have been returned.
    pub async fn next(&mut self) -> Option<F::Output> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// How many outputs are still to come.
    pub fn remaining(&self) -> usize {
        self.children.remaining + self.ready.len()
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        if let Some(output) = self.ready.pop_front() {
            return Poll::Ready(Some(output));
        }
        if self.children.remaining == 0 {
            return Poll::Ready(None);
        }
        let ready = &mut self.ready;
        self.children.poll_woken(cx, |_, output| {
            ready.push_back(output);
            // One is enough for this call; the rest of the woken list waits for the next.
            std::ops::ControlFlow::Break(())
        });
        match self.ready.pop_front() {
            Some(output) => Poll::Ready(Some(output)),
            None => Poll::Pending,
        }
    }
}

impl<F: Future> Future for AsCompleted<F> {
    type Output = Option<F::Output>;

    /// Polling an `AsCompleted` directly is the same as awaiting `next()`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        self.get_mut().poll_next(cx)
    }
}
