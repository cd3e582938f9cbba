//! Exercise 8: `race` — asyncio's `asyncio.wait({a, b}, return_when=FIRST_COMPLETED)`, with the
//! loser cancelled (as `glassloop::race` and `select!` do it, by dropping).
//!
//! Write `Race::poll`: poll `a` first, then `b` (the first one written wins a tie — no coin is
//! tossed, so a run is the same every time); the first to be ready wins, and the *other* future is
//! dropped right then — not later, when the `Race` itself goes — so whatever it holds (a timer, a
//! socket, a lock) is given back at once.
//!
//! Read first: docs/waiting-for-each-other.md. The tests: tests/e08_race.rs. (glassloop's own:
//! `race` in executor/src/select.rs.)

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Which one finished first.
#[derive(Debug, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first future.
    Left(A),
    /// The second future.
    Right(B),
}

/// The first of two futures.
pub struct Race<A, B> {
    /// The first; `None` once dropped.
    pub a: Option<Pin<Box<A>>>,
    /// The second; `None` once dropped.
    pub b: Option<Pin<Box<B>>>,
}

/// The first of `a` and `b` to finish; the other is dropped.
pub fn race<A: Future, B: Future>(a: A, b: B) -> Race<A, B> {
    Race {
        a: Some(Box::pin(a)),
        b: Some(Box::pin(b)),
    }
}

impl<A: Future, B: Future> Future for Race<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _ = (self, cx);
        todo!("exercise 8: a first, then b; drop the loser as soon as there is a winner")
    }
}
