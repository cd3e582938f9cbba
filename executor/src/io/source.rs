//! A socket registered with the loop's reactor — what asyncio's `add_reader` / `add_writer` do.
//!
//! asyncio's selector loop registers a socket's fd with the selector and, when the selector says
//! "readable", calls the reader callback. [`IoSource`] is that registration seen from a socket's side:
//! it owns the mio socket and its key in the [`Reactor`](crate::driver::reactor), and offers one method,
//! [`IoSource::poll_io`], that every socket operation goes through:
//!
//! 1. if the reactor does not know the socket to be ready in that direction, store the task's waker
//!    and return `Pending`;
//! 2. otherwise try the non-blocking system call;
//! 3. if it says `WouldBlock`, the readiness was used up: clear it and go back to 1 (so the waker is
//!    stored before we return `Pending` — the next edge will wake us).
//!
//! Dropping an `IoSource` deregisters the socket, so a late event for its fd is ignored.
//!
//! Read next: [`net.rs`](super::net), the sockets built on this.

use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::driver::reactor::{Direction, SourceKey};
use crate::event_loop::context;
use crate::event_loop::waker::{Message, Shared};

/// A mio socket registered with the running loop's reactor.
pub(crate) struct IoSource<S: mio::event::Source> {
    /// `None` only during drop.
    source: Option<S>,
    key: SourceKey,
    shared: Arc<Shared>,
}

impl<S: mio::event::Source> IoSource<S> {
    /// Registers `source` with the running loop.
    pub(crate) fn new(mut source: S) -> io::Result<IoSource<S>> {
        let registered = context::with_current(|core| {
            let key = core.register_source(&mut source)?;
            Ok::<_, io::Error>((key, core.shared().clone()))
        });
        match registered {
            Some(Ok((key, shared))) => Ok(IoSource {
                source: Some(source),
                key,
                shared,
            }),
            Some(Err(error)) => Err(error),
            None => Err(io::Error::other(
                "glassloop sockets must be created inside a running glassloop loop \
                 (inside glassloop::run(...) or Runtime::block_on(...))",
            )),
        }
    }

    /// The socket.
    pub(crate) fn get(&self) -> &S {
        self.source.as_ref().expect("present until drop")
    }

    /// The socket, mutably (for sources whose reads need `&mut`, such as the signal pipe).
    pub(crate) fn get_mut(&mut self) -> &mut S {
        self.source.as_mut().expect("present until drop")
    }

    /// `Ready` when the reactor believes the source is ready in `direction`; otherwise stores the
    /// task's waker and returns `Pending`.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<()>> {
        context::with_current(|core| {
            if core.id != self.shared.loop_id {
                return Poll::Ready(Err(wrong_loop()));
            }
            // A socket that is always ready spends the task's budget (see budget.rs).
            crate::event_loop::budget::spend(cx, |cx| core.source_ready(self.key, direction, cx))
                .map(Ok)
        })
        .unwrap_or_else(|| Poll::Ready(Err(wrong_loop())))
    }

    /// Runs `operation` when the socket is ready in `direction`; see the module docs.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut operation: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            std::task::ready!(self.poll_ready(cx, direction))?;
            match operation(self.get()) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_readiness(direction);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// A stream's read: some bytes into `buf` when the socket is readable. A read that filled
    /// less than the buffer emptied the socket, and the next would only say `WouldBlock`: the
    /// readiness is forgotten now, saving that system call; the next edge (new data, or the peer
    /// closing) sets it again. (Not on 0: end of stream stays ready.) TCP's and Unix streams'.
    pub(crate) fn poll_read_bytes(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>
    where
        for<'a> &'a S: io::Read,
    {
        let wanted = buf.len();
        let read = self.poll_io(cx, Direction::Read, |mut socket| {
            io::Read::read(&mut socket, buf)
        });
        if let Poll::Ready(Ok(n)) = read {
            if n > 0 && n < wanted {
                self.clear_readiness(Direction::Read);
            }
        }
        read
    }

    /// A stream's write; likewise, a short write means the send buffer is full.
    pub(crate) fn poll_write_bytes(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>
    where
        for<'a> &'a S: io::Write,
    {
        let offered = buf.len();
        let written = self.poll_io(cx, Direction::Write, |mut socket| {
            io::Write::write(&mut socket, buf)
        });
        if let Poll::Ready(Ok(n)) = written {
            if n < offered {
                self.clear_readiness(Direction::Write);
            }
        }
        written
    }

    /// Writes all of `buf` to a stream (a prefix may be written if the future is dropped).
    pub(crate) async fn write_all(&self, mut buf: &[u8]) -> io::Result<()>
    where
        for<'a> &'a S: io::Write,
    {
        while !buf.is_empty() {
            let written = std::future::poll_fn(|cx| self.poll_write_bytes(cx, buf)).await?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[written..];
        }
        Ok(())
    }

    /// Forgets readiness in `direction` (after `WouldBlock`, or a connect still in progress).
    pub(crate) fn clear_readiness(&self, direction: Direction) {
        context::with_current(|core| {
            if core.id == self.shared.loop_id {
                core.clear_readiness(self.key, direction);
            }
        });
    }

    /// The number the trace shows for this socket.
    pub(crate) fn number(&self) -> u32 {
        self.key.number()
    }
}

fn wrong_loop() -> io::Error {
    io::Error::other(
        "a glassloop socket was used outside the loop it was created in; sockets belong to one \
         loop — create them inside the loop that uses them",
    )
}

impl<S: mio::event::Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        let Some(mut source) = self.source.take() else {
            return;
        };
        let key = self.key;
        let loop_id = self.shared.loop_id;
        let done = context::with_current(|core| {
            if core.id != loop_id {
                return false;
            }
            core.deregister_source(key, &mut source);
            true
        });
        drop(source); // closes the fd
        if done != Some(true) {
            // Dropped off the loop: the closed fd has left epoll by itself; the loop still has to
            // free the reactor slot.
            self.shared.send(Message::ReleaseSource(key));
        }
    }
}
