//! `signal::unix(SignalKind)` — asyncio's `loop.add_signal_handler`: a signal becomes readiness
//! on the loop; the stream receives each delivery; signals that cannot be caught are refused with
//! a clear error.

use std::time::Duration;

use glassloop::signal::{unix, SignalKind};

#[test]
fn a_raised_signal_completes_recv_while_other_tasks_run() {
    glassloop::run(async {
        let mut usr1 = unix(SignalKind::user_defined1()).unwrap();
        assert_eq!(usr1.kind(), SignalKind::user_defined1());
        let raiser = glassloop::spawn(async {
            glassloop::sleep(Duration::from_millis(20)).await;
            signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        });
        let waited = glassloop::timeout(Duration::from_secs(10), usr1.recv()).await;
        assert_eq!(waited, Ok(Some(())), "the SIGUSR1 arrived as a wake");
        raiser.await.unwrap();
        // A second delivery is received by the next recv.
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        assert_eq!(
            glassloop::timeout(Duration::from_secs(10), usr1.recv()).await,
            Ok(Some(()))
        );
    });
}

#[test]
fn signals_that_cannot_be_caught_are_refused() {
    glassloop::run(async {
        for forbidden in [signal_hook::consts::SIGKILL, signal_hook::consts::SIGSTOP] {
            let error = unix(SignalKind::from_raw(forbidden)).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
            assert!(
                error.to_string().contains("cannot be listened for"),
                "{error}"
            );
        }
    });
}

#[test]
fn outside_a_loop_it_says_where_it_belongs() {
    let error = unix(SignalKind::hangup()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("inside a running glassloop loop"),
        "{error}"
    );
}
