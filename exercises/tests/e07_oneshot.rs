//! Exercise 7: a one-shot channel.

use std::time::Duration;

use glassloop_exercises::e07_oneshot::{channel, Canceled};

#[test]
fn a_value_sent_later_wakes_the_receiver() {
    let got = glassloop::run(async {
        let (sender, receiver) = channel();
        glassloop::spawn(async move {
            glassloop::sleep(Duration::from_millis(20)).await;
            sender.send("hello").unwrap();
        })
        .detach_for_test();
        receiver.await
    });
    assert_eq!(got, Ok("hello"));
}

#[test]
fn a_sender_dropped_without_sending_cancels_the_receiver() {
    let got: Result<u8, Canceled> = glassloop::run(async {
        let (sender, receiver) = channel();
        glassloop::spawn(async move {
            glassloop::sleep(Duration::from_millis(20)).await;
            drop(sender);
        })
        .detach_for_test();
        receiver.await
    });
    assert_eq!(got, Err(Canceled), "the receiver must not wait for ever");
}

#[test]
fn sending_to_a_receiver_that_is_gone_gives_the_value_back() {
    let (sender, receiver) = channel();
    drop(receiver);
    assert_eq!(sender.send(5), Err(5));
}

/// Lets a spawned task run on after its handle is dropped (glassloop's default), said out loud.
trait DetachForTest {
    fn detach_for_test(self);
}

impl<T> DetachForTest for glassloop::JoinHandle<T> {
    fn detach_for_test(self) {
        drop(self);
    }
}
