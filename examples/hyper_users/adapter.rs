//! The glue between hyper and glassloop: two small adapters, and hyper runs unmodified on
//! glassloop's sockets and timers.
//!
//! hyper 1.x belongs to no runtime. Instead of calling tokio, it asks its caller for two things
//! through traits of its own:
//!
//! - **I/O** — `hyper::rt::Read` and `hyper::rt::Write`. glassloop's `TcpStream` implements the
//!   standard `futures_io::AsyncRead` / `AsyncWrite`; [`FuturesIo`] turns any such stream into
//!   hyper's traits. (asyncio's parallel: a `Protocol` written against the transport interface
//!   runs on any loop that provides transports.)
//! - **time** — `hyper::rt::Timer`, which hands out `hyper::rt::Sleep` futures (for
//!   `header_read_timeout`, keep-alive timers, …). [`GlassloopTimer`] hands out glassloop
//!   `Sleep`s. hyper requires its sleeps to be `Send + Sync`: glassloop's `Sleep` is plain data (a
//!   deadline and a timer key) and reaches the timer wheel through the running loop, so it is.
//!
//! hyper's HTTP/1 connections need no executor: a server connection and a client connection are
//! each one future, which we simply `glassloop::spawn`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};

/// How much one read may pass to hyper at once.
const SCRATCH_BYTES: usize = 16 * 1024;

/// A `futures_io` stream (such as `glassloop::net::TcpStream`) seen through hyper's I/O traits.
pub struct FuturesIo<T> {
    inner: T,
    /// See [`hyper::rt::Read`] below: where bytes land before they are copied into hyper's buffer.
    scratch: Box<[u8]>,
}

impl<T> FuturesIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> FuturesIo<T> {
        FuturesIo {
            inner,
            scratch: vec![0; SCRATCH_BYTES].into_boxed_slice(),
        }
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for FuturesIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // hyper's buffer may be uninitialised memory, and filling it in place takes `unsafe`
        // (`ReadBufCursor::as_mut` and `advance`). glassloop has none, so it reads into an
        // initialised scratch buffer and copies: the price of safety is one memcpy per read.
        let this = self.get_mut();
        let len = buf.remaining().min(this.scratch.len());
        match Pin::new(&mut this.inner).poll_read(cx, &mut this.scratch[..len]) {
            Poll::Ready(Ok(n)) => {
                buf.put_slice(&this.scratch[..n]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for FuturesIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    /// glassloop's `TcpStream` writes with `writev`, so hyper may hand over head and body at once.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

/// hyper's clock and sleeps, from the running glassloop loop (so they follow virtual time too).
#[derive(Clone, Copy, Debug, Default)]
pub struct GlassloopTimer;

impl hyper::rt::Timer for GlassloopTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(glassloop::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(glassloop::sleep_until(deadline)))
    }

    /// hyper computes deadlines as `timer.now() + timeout`: give it the loop's clock.
    fn now(&self) -> Instant {
        glassloop::now()
    }
}

/// A glassloop `Sleep` that hyper accepts: the trait is hyper's, so it needs a type of ours.
/// Dropping it cancels the timer, as dropping any glassloop `Sleep` does.
pub struct HyperSleep(glassloop::Sleep);

impl Future for HyperSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // glassloop's `Sleep` is `Unpin`, so no pin projection is needed.
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}
