//! Faults: panics in odd places, a task that never yields the loop back, a blocking call, a peer
//! that resets mid-write. The loop survives each, and says what happened.

mod support;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use glassloop::net::{TcpListener, TcpStream};
use support::Capture;

/// A waker that panics when woken (any type can be a waker).
struct PanickyWaker;

impl Wake for PanickyWaker {
    fn wake(self: Arc<Self>) {
        panic!("this waker refuses to wake");
    }
}

#[test]
fn a_waker_that_panics_when_a_timer_fires_does_not_stop_the_loop() {
    let rt = support::virtual_runtime();
    let ran_after = rt.block_on(async {
        // Arm a timer with the panicking waker: poll a Sleep by hand with it.
        let mut sleep = glassloop::sleep(Duration::from_secs(1));
        let waker = Waker::from(Arc::new(PanickyWaker));
        let mut cx = Context::from_waker(&waker);
        assert!(std::pin::Pin::new(&mut sleep).poll(&mut cx).is_pending());
        // Let the timer fire (its waker panics inside the loop), then go on working.
        glassloop::sleep(Duration::from_secs(2)).await;
        drop(sleep);
        glassloop::spawn(async { "still working" }).await.unwrap()
    });
    assert_eq!(ran_after, "still working");
}

#[test]
fn a_task_that_panics_in_drop_while_aborted_does_not_stop_the_loop() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop panics");
        }
    }
    glassloop::run(async {
        let h = glassloop::spawn(async {
            let _p = PanicOnDrop;
            std::future::pending::<()>().await;
        });
        glassloop::yield_now().await;
        h.abort();
        // The destructor's panic is not lost: the handle reports it (tokio does the same).
        let error = h.await.unwrap_err();
        assert!(error.is_panic(), "{error:?}");
        assert_eq!(error.panic_message(), Some("drop panics"));
        // (A task whose poll panics while a local that panics on drop is in scope would panic
        // twice during one unwind; Rust aborts the process for that, whatever the runtime.)
        let h = glassloop::spawn(async {
            glassloop::yield_now().await;
            panic!("poll panics");
        });
        assert!(h.await.unwrap_err().is_panic());
        assert_eq!(glassloop::spawn(async { 1 }).await.unwrap(), 1);
    });
}

#[test]
fn a_task_that_wakes_itself_forever_does_not_starve_timers_or_io() {
    let rt = glassloop::Runtime::new().unwrap();
    rt.block_on(async {
        let stop = Rc::new(Cell::new(false));
        let spinner = glassloop::spawn({
            let stop = stop.clone();
            std::future::poll_fn(move |cx| {
                if stop.get() {
                    return Poll::Ready(());
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            })
        });
        // A timer and a socket round trip both complete while the spinner spins.
        glassloop::sleep(Duration::from_millis(10)).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = glassloop::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            s.write_all(b"pong").await.unwrap();
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            got += c.read(&mut buf[got..]).await.unwrap();
        }
        assert_eq!(&buf, b"pong");
        server.await.unwrap();
        stop.set(true);
        spinner.await.unwrap();
    });
}

#[test]
fn a_blocking_call_is_named_in_the_trace() {
    let capture = Capture::default();
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .warn_slow_polls(Duration::from_millis(100))
        .trace(true)
        .trace_to(capture.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        glassloop::spawn_named("hog", async {
            glassloop::blocking_sleep(Duration::from_millis(150));
        })
        .await
        .unwrap();
        glassloop::spawn_named("polite", async {
            glassloop::blocking_sleep(Duration::from_millis(50));
        })
        .await
        .unwrap();
    });
    let text = capture.text();
    assert!(
        text.contains("slow poll: task 1 'hog' held the loop for 0.150s"),
        "{text}"
    );
    assert!(!text.contains("'polite' held"), "{text}");
}

#[test]
fn a_peer_resetting_mid_write_is_an_error_not_a_hang() {
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = glassloop::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let chunk = vec![7u8; 64 * 1024];
            // Far more than the socket buffers hold: the write is mid-way when the peer resets.
            for _ in 0..1000 {
                if let Err(error) = s.write_all(&chunk).await {
                    return Some(error.kind());
                }
            }
            None
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 1024];
        client.read(&mut buf).await.unwrap();
        // Closing with unread data in the receive buffer makes the kernel send a reset.
        drop(client);
        let outcome = glassloop::timeout(Duration::from_secs(20), writer)
            .await
            .expect("the writer hung after the reset")
            .unwrap();
        let kind = outcome.expect("writing 64 MB into a reset connection must fail");
        assert!(
            matches!(
                kind,
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "{kind:?}"
        );
    });
}
