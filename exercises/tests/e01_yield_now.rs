//! Exercise 1: `yield_now`.

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use glassloop_exercises::e01_yield_now::yield_now;

#[test]
fn it_wakes_itself_and_is_pending_once_then_ready() {
    let (waker, counter) = support::counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(yield_now());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(
        counter.wakes(),
        1,
        "it must ask to be polled again, or no loop ever would"
    );
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(counter.wakes(), 1);
}

#[test]
fn two_tasks_that_yield_take_turns() {
    let log = Rc::new(RefCell::new(Vec::new()));
    glassloop::run(async {
        let worker = |name: &'static str| {
            let log = log.clone();
            glassloop::spawn(async move {
                for round in 1..=3 {
                    log.borrow_mut().push(format!("{name}{round}"));
                    yield_now().await;
                }
            })
        };
        let (a, b) = (worker("a"), worker("b"));
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(*log.borrow(), ["a1", "b1", "a2", "b2", "a3", "b3"]);
}
