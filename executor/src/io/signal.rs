//! Ctrl-C, on the reactor — asyncio's `loop.add_signal_handler(signal.SIGINT, ...)`.
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

use signal_hook::consts::SIGINT;
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
