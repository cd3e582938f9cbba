//! Exercise 2: a `Sleep` on the wheel.

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use glassloop_exercises::e02_sleep_on_the_wheel::{sleep_until, Timers};

#[test]
fn it_arms_once_and_is_woken_at_its_deadline_not_before() {
    let timers = RefCell::new(Timers::default());
    let (waker, counter) = support::counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut sleep = pin!(sleep_until(&timers, 10));
    assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(
        timers.borrow().wheel.len(),
        1,
        "one timer, however often it is polled"
    );
    timers.borrow_mut().advance_to(9);
    assert_eq!(counter.wakes(), 0, "woken early");
    timers.borrow_mut().advance_to(10);
    assert_eq!(counter.wakes(), 1, "not woken at its deadline");
    assert_eq!(timers.borrow().wheel.len(), 0);
    assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Ready(()));
}

#[test]
fn a_deadline_already_passed_is_ready_without_a_timer() {
    let timers = RefCell::new(Timers::default());
    timers.borrow_mut().advance_to(50);
    let (waker, _) = support::counting_waker();
    let mut sleep = pin!(sleep_until(&timers, 20));
    assert_eq!(
        sleep.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(())
    );
    assert_eq!(timers.borrow().wheel.len(), 0);
}

#[test]
fn far_timers_fire_in_deadline_order_across_the_wheels_levels() {
    let timers = RefCell::new(Timers::default());
    let deadlines = [5u64, 70, 4_100, 300_000];
    let sleeps: Vec<_> = deadlines.iter().map(|&d| sleep_until(&timers, d)).collect();
    let wakers: Vec<_> = deadlines
        .iter()
        .map(|_| support::counting_waker())
        .collect();
    let mut sleeps: Vec<_> = sleeps.into_iter().map(Box::pin).collect();
    for (sleep, (waker, _)) in sleeps.iter_mut().zip(&wakers) {
        assert!(sleep
            .as_mut()
            .poll(&mut Context::from_waker(waker))
            .is_pending());
    }
    for (i, &deadline) in deadlines.iter().enumerate() {
        timers.borrow_mut().advance_to(deadline - 1);
        assert_eq!(wakers[i].1.wakes(), 0, "timer {deadline} early");
        timers.borrow_mut().advance_to(deadline);
        assert_eq!(wakers[i].1.wakes(), 1, "timer {deadline} late");
    }
}
