//! Signals on the reactor — asyncio's `loop.add_signal_handler(signal.SIGINT, ...)`: Ctrl-C
//! ([`ctrl_c`]), and any other catchable Unix signal ([`unix`]: SIGTERM, SIGHUP, SIGUSR1 …).
//!
//! A Unix signal interrupts whatever the thread was doing, so a signal handler may do almost
//! nothing. The classic trick, used by asyncio (`signal.set_wakeup_fd`) and here through the
//! signal-hook crate: the handler writes a byte to a pipe, and the pipe's read end is registered
//! with the selector like any socket. A signal then becomes ordinary readiness, and the task
//! waiting for it is woken by the loop like any other I/O wait.
//!
//! Read next: [`blocking.rs`](super::blocking), work that cannot be made non-blocking.

use std::future::poll_fn;
use std::io;
use std::task::Poll;

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
use signal_hook_mio::v1_0::Signals;

use super::source::IoSource;
use crate::driver::reactor::Direction;

/// Waits for Ctrl-C (SIGINT) — for servers that shut down gracefully.
///
/// Once a `ctrl_c()` future has been polled (awaited, or spawned and run), Ctrl-C no longer kills
/// the process: it completes the future instead. The handler is installed on that first poll, not
/// when `ctrl_c()` is called — a program that announces it is ready should have polled it first. (As in tokio, once Ctrl-C has been listened for, the process keeps the handler: a second
/// Ctrl-C later does not terminate it by default, so exit on your own after the first.)
///
/// ```no_run
/// # use glassloop_executor as glassloop;
/// glassloop::run(async {
///     println!("press Ctrl-C to stop");
///     glassloop::signal::ctrl_c().await.expect("could not listen for Ctrl-C");
///     println!("shutting down");
/// });
/// ```
///
/// **Cancellation:** dropping the future stops listening; a Ctrl-C that arrived meanwhile is lost.
pub async fn ctrl_c() -> io::Result<()> {
    let mut signals = IoSource::new(Signals::new([SIGINT])?)?;
    poll_fn(|cx| loop {
        if let Err(error) = std::task::ready!(signals.poll_ready(cx, Direction::Read)) {
            return Poll::Ready(Err(error));
        }
        if signals.get_mut().pending().next().is_some() {
            return Poll::Ready(Ok(()));
        }
        // The pipe is drained and held no SIGINT: wait for the next edge.
        signals.clear_readiness(Direction::Read);
    })
    .await
}

/// Which Unix signal to listen for — asyncio's `signal.SIGTERM` and friends, tokio's
/// `SignalKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// SIGTERM: "please stop" — what systemd, a container's stop and `kill` send.
    pub const fn terminate() -> SignalKind {
        SignalKind(SIGTERM)
    }
    /// SIGINT: Ctrl-C at a terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(SIGINT)
    }
    /// SIGHUP: the terminal went away; daemons take it as "reload your configuration".
    pub const fn hangup() -> SignalKind {
        SignalKind(SIGHUP)
    }
    /// SIGQUIT: Ctrl-\\ at a terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(SIGQUIT)
    }
    /// SIGUSR1, for the program's own use.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(SIGUSR1)
    }
    /// SIGUSR2, for the program's own use.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(SIGUSR2)
    }
    /// Any signal by number. One that cannot be caught (SIGKILL, SIGSTOP) or must not be
    /// (SIGSEGV, SIGILL, SIGFPE) makes [`unix`] fail with a clear error.
    pub const fn from_raw(signal: i32) -> SignalKind {
        SignalKind(signal)
    }
    /// Its number.
    pub const fn as_raw(self) -> i32 {
        self.0
    }
}

/// A stream of one kind of signal: each [`recv`](Self::recv) completes when the signal has been
/// delivered (several deliveries between two `recv`s may count as one, as with tokio).
pub struct Signal {
    source: IoSource<Signals>,
    kind: SignalKind,
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("source", &self.source.number())
            .finish()
    }
}

/// Listens for `kind` on the running loop — asyncio's `loop.add_signal_handler(kind, ...)`,
/// tokio's `signal::unix::signal(kind)`. The handler is installed when this returns: from then
/// on the signal no longer does what it did by default (SIGTERM no longer kills the process);
/// it completes the stream's next `recv` instead.
///
/// Must be called inside a running glassloop loop. A signal that cannot be caught (SIGKILL,
/// SIGSTOP, SIGSEGV …) is an `InvalidInput` error.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::signal::{unix, SignalKind};
///
/// glassloop::run(async {
///     let mut hangups = unix(SignalKind::hangup()).unwrap();
///     signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
///     hangups.recv().await; // the SIGHUP just raised
/// });
/// ```
pub fn unix(kind: SignalKind) -> io::Result<Signal> {
    if signal_hook::consts::FORBIDDEN.contains(&kind.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "signal {} cannot be listened for (it cannot or must not be caught)",
                kind.0
            ),
        ));
    }
    let signals = Signals::new([kind.0])?;
    Ok(Signal {
        source: IoSource::new(signals)?,
        kind,
    })
}

impl Signal {
    /// Waits for the next delivery of the signal. `None` is never returned today; it is there, as
    /// in tokio, for a stream that could end.
    ///
    /// **Cancellation:** dropping the future loses nothing: a signal that arrived meanwhile is
    /// received by the next `recv`.
    pub async fn recv(&mut self) -> Option<()> {
        let kind = self.kind;
        let source = &mut self.source;
        poll_fn(|cx| loop {
            if std::task::ready!(source.poll_ready(cx, Direction::Read)).is_err() {
                return Poll::Ready(None);
            }
            if source.get_mut().pending().any(|signal| signal == kind.0) {
                return Poll::Ready(Some(()));
            }
            source.clear_readiness(Direction::Read);
        })
        .await
    }

    /// Which signal this stream receives.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}
