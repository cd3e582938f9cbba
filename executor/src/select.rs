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
//! Read next: [`explore.rs`](crate::explore), the same test under many schedules.

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
/// Each branch is `pattern = future => handler`, optionally with a precondition:
/// `pattern = future, if condition => handler`. After the branches may come one
/// `else => handler`. A `select!` runs in these steps, as tokio's does:
///
/// 1. every precondition is evaluated; a branch whose condition is false is *disabled*;
/// 2. every future is created (a disabled branch's too), and the enabled ones are polled in the
///    order written, on every wake of the task;
/// 3. when a future finishes, its output is matched against its pattern: if it matches, the
///    other futures are **dropped** (cancelled) and then that branch's handler runs, with the
///    pattern's bindings; if it does not (say `Some(x)` and the output is `None`), the branch is
///    disabled and the others go on;
/// 4. when every branch is disabled, the `else` handler runs — or, with no `else`, `select!`
///    panics, saying so.
///
/// **Biased, always**: the first enabled branch in written order wins a tie, so a run is
/// deterministic (the trace and virtual time rely on it). `biased;` at the start is accepted,
/// for code written for tokio, and changes nothing. tokio's default picks a random branch first
/// instead; here, a branch that is always ready starves the branches after it — put it last.
///
/// The losers are dropped before the handler runs, so the handler may reuse what they borrowed.
/// One-shot: like any `async` block, the select cannot be polled again after it finished. Use it
/// inside async code.
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
///
///     // A pattern that does not match disables its branch; `, if` disables one up front.
///     let maybe: Option<u32> = None;
///     let picked = glassloop::select! {
///         Some(n) = async { maybe } => n,
///         n = async { 7 }, if false => n,
///         else => 0,
///     };
///     assert_eq!(picked, 0);
/// });
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($branches:tt)*) => {
        $crate::__select_parse!(@branch [] $($branches)*)
    };
    ($($branches:tt)*) => {
        $crate::__select_parse!(@branch [] $($branches)*)
    };
}

/// Reads `select!`'s branches into `(pattern tokens) (future) (condition) (handler)` groups, then
/// hands them to [`__select_run!`]. A pattern is read token by token up to its `=`, so that it can
/// be taken apart later (see [`__select_by_ref!`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    (@branch [$($done:tt)*] else => $else:block $(,)?) => {
        $crate::__select_run!([] [$($done)*] ($else))
    };
    (@branch [$($done:tt)*] else => $else:expr $(,)?) => {
        $crate::__select_run!([] [$($done)*] ($else))
    };
    (@branch [$($done:tt)*]) => {
        $crate::__select_run!([] [$($done)*] (::core::panic!(
            "select!: every branch is disabled (its `if` was false, or its output did not match \
             its pattern) and there is no `else` branch"
        )))
    };
    // Most patterns are one or two tokens (`x`, `_`, `(a, b)`, `Some(x)`): read them at once,
    // which keeps the macro's recursion shallow for a select with many branches.
    (@branch [$($done:tt)*] $p:tt = $($rest:tt)+) => {
        $crate::__select_parse!(@pattern [$($done)*] [$p] = $($rest)+)
    };
    (@branch [$($done:tt)*] $p:tt $q:tt = $($rest:tt)+) => {
        $crate::__select_parse!(@pattern [$($done)*] [$p $q] = $($rest)+)
    };
    (@branch [$($done:tt)*] $($rest:tt)+) => {
        $crate::__select_parse!(@pattern [$($done)*] [] $($rest)+)
    };
    // The pattern ends at its `=`; then the future, an optional precondition, and the handler.
    (@pattern [$($done:tt)*] [$($p:tt)+] = $future:expr, if $cond:expr => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@branch [$($done)* (($($p)+) ($future) ($cond) ($body))] $($rest)*)
    };
    (@pattern [$($done:tt)*] [$($p:tt)+] = $future:expr, if $cond:expr => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@branch [$($done)* (($($p)+) ($future) ($cond) ($body))] $($rest)*)
    };
    (@pattern [$($done:tt)*] [$($p:tt)+] = $future:expr, if $cond:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@branch [$($done)* (($($p)+) ($future) ($cond) ($body))] $($($rest)*)?)
    };
    (@pattern [$($done:tt)*] [$($p:tt)+] = $future:expr => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@branch [$($done)* (($($p)+) ($future) (true) ($body))] $($rest)*)
    };
    (@pattern [$($done:tt)*] [$($p:tt)+] = $future:expr => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@branch [$($done)* (($($p)+) ($future) (true) ($body))] $($rest)*)
    };
    (@pattern [$($done:tt)*] [$($p:tt)+] = $future:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@branch [$($done)* (($($p)+) ($future) (true) ($body))] $($($rest)*)?)
    };
    (@pattern [$($done:tt)*] [$($p:tt)*] $next:tt $($rest:tt)*) => {
        $crate::__select_parse!(@pattern [$($done)*] [$($p)* $next] $($rest)*)
    };
}

/// Gives each branch its own names — its pinned future, its output slot, its "enabled" flag —
/// one step at a time (each step's identifiers come from a different macro expansion, so hygiene
/// keeps them apart though they are spelled alike), then polls the enabled branches in order.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_run {
    ([$($named:tt)*] [$branch:tt $($rest:tt)*] $else:tt) => {
        $crate::__select_run!([$($named)* (future output enabled $branch)] [$($rest)*] $else)
    };
    ([$(($fut:ident $out:ident $on:ident (($($p:tt)+) ($future:expr) ($cond:expr) ($body:expr))))*]
     [] ($else:expr)) => {{
        $( let mut $out = ::core::option::Option::None; )*
        // Step 1: the preconditions, before any future exists.
        $( let mut $on: bool = $cond; )*
        {
            // Pinned in this inner block, so the losers are dropped when it ends.
            $( let mut $fut = ::core::pin::pin!($future); )*
            ::core::future::poll_fn(|cx| {
                $(
                    if $on {
                        if let ::core::task::Poll::Ready(value) =
                            ::core::future::Future::poll($fut.as_mut(), cx)
                        {
                            // Does the output match the pattern? Asked of a reference, so the
                            // value stays whole for the handler.
                            #[allow(unused_variables, unreachable_patterns)]
                            let matches = match &value {
                                $crate::__select_by_ref!([] [] $($p)+) => true,
                                _ => false,
                            };
                            if matches {
                                $out = ::core::option::Option::Some(value);
                                return ::core::task::Poll::Ready(());
                            }
                            $on = false;
                        }
                    }
                )*
                if false $( || $on )* {
                    ::core::task::Poll::Pending
                } else {
                    ::core::task::Poll::Ready(()) // every branch is disabled
                }
            })
            .await;
        }
        $(
            if let ::core::option::Option::Some(mut value) = $out {
                // `mut`, so that a `ref mut` pattern can bind into it.
                #[allow(unreachable_patterns, unused_mut)]
                match value {
                    $($p)+ => $body,
                    _ => ::core::unreachable!("select!: the output matched its pattern"),
                }
            } else
        )* {
            $else
        }
    }};
}

/// A branch's pattern made fit to match a *reference* to the output: `mut` binding modifiers are
/// removed (a binding through a reference cannot be moved out, and need not be mutable just to
/// test the match); everything else stays as written. It walks the pattern token by token,
/// keeping a stack of the brackets it is inside (`[frames] [tokens so far] rest`), so that it
/// can rebuild each bracket around its cleaned contents.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_by_ref {
    ([] [$($done:tt)*]) => { $($done)* };
    // The end of a bracketed group: wrap what was gathered in it, go on in the one around it.
    ([(paren [$($outer:tt)*]) $($frames:tt)*] [$($done:tt)*] @__select_close $($rest:tt)*) => {
        $crate::__select_by_ref!([$($frames)*] [$($outer)* ($($done)*)] $($rest)*)
    };
    ([(bracket [$($outer:tt)*]) $($frames:tt)*] [$($done:tt)*] @__select_close $($rest:tt)*) => {
        $crate::__select_by_ref!([$($frames)*] [$($outer)* [$($done)*]] $($rest)*)
    };
    ([(brace [$($outer:tt)*]) $($frames:tt)*] [$($done:tt)*] @__select_close $($rest:tt)*) => {
        $crate::__select_by_ref!([$($frames)*] [$($outer)* {$($done)*}] $($rest)*)
    };
    // The start of one: remember what came before it, and walk into it.
    ([$($frames:tt)*] [$($done:tt)*] ($($inner:tt)*) $($rest:tt)*) => {
        $crate::__select_by_ref!([(paren [$($done)*]) $($frames)*] [] $($inner)* @__select_close $($rest)*)
    };
    ([$($frames:tt)*] [$($done:tt)*] [$($inner:tt)*] $($rest:tt)*) => {
        $crate::__select_by_ref!([(bracket [$($done)*]) $($frames)*] [] $($inner)* @__select_close $($rest)*)
    };
    ([$($frames:tt)*] [$($done:tt)*] {$($inner:tt)*} $($rest:tt)*) => {
        $crate::__select_by_ref!([(brace [$($done)*]) $($frames)*] [] $($inner)* @__select_close $($rest)*)
    };
    // `&mut` is a reference pattern, not a binding modifier: it stays.
    ([$($frames:tt)*] [$($done:tt)*] & mut $($rest:tt)*) => {
        $crate::__select_by_ref!([$($frames)*] [$($done)* & mut] $($rest)*)
    };
    ([$($frames:tt)*] [$($done:tt)*] mut $($rest:tt)*) => {
        $crate::__select_by_ref!([$($frames)*] [$($done)*] $($rest)*)
    };
    ([$($frames:tt)*] [$($done:tt)*] $next:tt $($rest:tt)*) => {
        $crate::__select_by_ref!([$($frames)*] [$($done)* $next] $($rest)*)
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
