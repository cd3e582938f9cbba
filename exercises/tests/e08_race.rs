//! Exercise 8: `race`.

mod support;

use std::future::{pending, ready, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use glassloop_exercises::e08_race::{race, Either};

#[test]
fn the_first_written_wins_a_tie() {
    let (waker, _) = support::counting_waker();
    let mut r = pin!(race(ready(1), ready("b")));
    assert_eq!(
        r.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(Either::Left(1))
    );
}

#[test]
fn the_loser_is_dropped_as_soon_as_there_is_a_winner() {
    let held = Rc::new(());
    let loser = {
        let held = held.clone();
        async move {
            let _held = held;
            pending::<()>().await
        }
    };
    let (waker, _) = support::counting_waker();
    let mut cx = Context::from_waker(&waker);
    let winner_ready = std::cell::Cell::new(false);
    let winner = std::future::poll_fn(|_| {
        if winner_ready.get() {
            Poll::Ready("won")
        } else {
            Poll::Pending
        }
    });
    let mut r = pin!(race(loser, winner));
    assert!(r.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        Rc::strong_count(&held),
        2,
        "the loser still runs while nobody has won"
    );
    winner_ready.set(true);
    let outcome = r.as_mut().poll(&mut cx);
    assert_eq!(outcome, Poll::Ready(Either::Right("won")));
    assert_eq!(
        Rc::strong_count(&held),
        1,
        "the loser must be dropped now, not with the Race"
    );
}

#[test]
fn the_faster_sleep_wins_on_a_real_loop() {
    let outcome = glassloop::run(async {
        race(glassloop::sleep(Duration::from_millis(50)), async {
            glassloop::sleep(Duration::from_millis(10)).await;
            "fast"
        })
        .await
    });
    assert_eq!(outcome, Either::Right("fast"));
}
