//! Exercise 5: a lazy `timeout`.

mod support;

use std::future::{pending, ready, Future};
use std::pin::pin;
use std::task::{Context, Poll};

use glassloop_exercises::e05_lazy_timeout::{timeout, Clock, Elapsed};

#[test]
fn a_timeout_met_at_once_arms_no_timer() {
    let clock = Clock::default();
    let (waker, _) = support::counting_waker();
    let mut t = pin!(timeout(&clock, 10, ready(7)));
    assert_eq!(
        t.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(Ok(7))
    );
    assert_eq!(
        clock.armed.get(),
        0,
        "the answer was there: no timer needed"
    );
}

#[test]
fn a_timeout_that_waits_arms_one_timer_and_elapses_at_its_deadline() {
    let clock = Clock::default();
    let (waker, counter) = support::counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut t = pin!(timeout(&clock, 10, pending::<()>()));
    for _ in 0..3 {
        assert_eq!(t.as_mut().poll(&mut cx), Poll::Pending);
    }
    assert_eq!(
        clock.armed.get(),
        1,
        "one timer, however often it is polled"
    );
    clock.advance_to(9);
    assert_eq!(counter.wakes(), 0);
    clock.advance_to(10);
    assert_eq!(
        counter.wakes(),
        1,
        "the timer woke the task at the deadline"
    );
    assert_eq!(t.as_mut().poll(&mut cx), Poll::Ready(Err(Elapsed)));
}

#[test]
fn an_inner_future_that_finishes_in_time_wins() {
    let clock = Clock::default();
    let (waker, _) = support::counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut polls = 0;
    let inner = std::future::poll_fn(|cx| {
        polls += 1;
        if polls < 3 {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready("in time")
        }
    });
    let mut t = pin!(timeout(&clock, 100, inner));
    assert!(t.as_mut().poll(&mut cx).is_pending());
    assert!(t.as_mut().poll(&mut cx).is_pending());
    assert_eq!(t.as_mut().poll(&mut cx), Poll::Ready(Ok("in time")));
}
