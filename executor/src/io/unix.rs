//! Unix-domain sockets on the reactor — asyncio's `start_unix_server` and `open_unix_connection`,
//! tokio's `UnixListener` and `UnixStream`: streams like TCP's, between processes of one machine,
//! named by a path in the file system instead of an address and a port.
//!
//! They work as [`net.rs`](super::net)'s TCP sockets do — the same readiness dance, the same
//! `futures_io` traits — with two differences a user meets: `bind` creates the socket's file, and
//! fails with `AddrInUse` if the path exists already (a socket left by an earlier run is not removed
//! for you, as neither std, tokio nor asyncio removes it: remove it yourself once you know no one
//! listens on it); and dropping the listener closes the socket but leaves the file.
//!
//! **Cancellation:** as for TCP, a `read` dropped before it completes has read nothing, and a
//! `write_all` dropped may have written a prefix.
//!
//! Read next: [`signal.rs`](super::signal), Ctrl-C as readiness.

use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::source::IoSource;
use crate::driver::reactor::Direction;

/// A listening Unix-domain socket — asyncio's `start_unix_server`, tokio's `UnixListener`.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::net::{UnixListener, UnixStream};
///
/// let path = std::env::temp_dir().join(format!("glassloop-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// glassloop::run(async {
///     let listener = UnixListener::bind(&path).unwrap();
///     let mut client = UnixStream::connect(&path).await.unwrap();
///     let (mut server, _) = listener.accept().await.unwrap();
///     client.write_all(b"hello").await.unwrap();
///     let mut buf = [0u8; 5];
///     server.read(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
/// });
/// std::fs::remove_file(&path).unwrap();
/// ```
pub struct UnixListener {
    io: IoSource<mio::net::UnixListener>,
}

impl UnixListener {
    /// Creates the socket file at `path` and listens on it. A path that exists already (a
    /// socket left by an earlier run, say) is an `AddrInUse` error that names it.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let path = path.as_ref();
        let listener = mio::net::UnixListener::bind(path).map_err(|error| {
            if error.kind() == io::ErrorKind::AddrInUse {
                io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!(
                        "{} exists already: remove it first, if no one listens on it any more",
                        path.display()
                    ),
                )
            } else {
                error
            }
        })?;
        Ok(UnixListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Waits for a client and returns its stream, and its address (usually unnamed).
    pub async fn accept(&self) -> io::Result<(UnixStream, std::os::unix::net::SocketAddr)> {
        let (stream, addr) =
            poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |l| l.accept())).await?;
        Ok((UnixStream::from_mio(stream)?, addr))
    }

    /// The address (path) the listener is bound to.
    pub fn local_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        self.io.get().local_addr()
    }
}

impl std::fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnixListener")
            .field("socket", &self.io.number())
            .finish()
    }
}

/// A connected Unix-domain stream — asyncio's `open_unix_connection`, tokio's `UnixStream`. It
/// implements `futures_io::AsyncRead` and `AsyncWrite`, for `UnixStream` and `&UnixStream`.
pub struct UnixStream {
    io: IoSource<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the listener at `path`. A path with no socket is `NotFound`; a socket no one
    /// listens on any more is `ConnectionRefused`.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = UnixStream::from_mio(mio::net::UnixStream::connect(path.as_ref())?)?;
        // Connecting is usually done at once; if the listener's backlog was full it completes
        // when the socket turns writable, and `take_error` says how it went.
        poll_fn(|cx| {
            stream.io.poll_io(cx, Direction::Write, |socket| {
                match socket.take_error()? {
                    Some(error) => Err(error),
                    None => Ok(()),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::new(stream)?,
        })
    }

    /// Reads some bytes into `buf`, returning how many; `Ok(0)`: the peer closed its side.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let this: &UnixStream = self;
        poll_fn(|cx| this.io.poll_read_bytes(cx, buf)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.io.write_all(buf).await
    }

    /// Shuts down the read half, the write half, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get().shutdown(how)
    }

    /// The peer's address (the listener's path, seen from a client).
    pub fn peer_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        self.io.get().peer_addr()
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        self.io.get().local_addr()
    }
}

impl std::fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnixStream")
            .field("socket", &self.io.number())
            .finish()
    }
}

impl futures_io::AsyncRead for &UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read_bytes(cx, buf)
    }
}

impl futures_io::AsyncWrite for &UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_bytes(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(match self.shutdown(Shutdown::Write) {
            Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        })
    }
}

impl futures_io::AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncRead::poll_read(Pin::new(&mut &*self), cx, buf)
    }
}

impl futures_io::AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(Pin::new(&mut &*self), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(Pin::new(&mut &*self), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(Pin::new(&mut &*self), cx)
    }
}
