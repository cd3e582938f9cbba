//! TCP sockets on the reactor — asyncio's `start_server` and `open_connection`.
//!
//! `await asyncio.open_connection(host, port)` gives a reader and a writer; `asyncio.start_server`
//! calls you back per connection. glassloop gives the two objects those are built on:
//! [`TcpListener`] (bind, then `accept` in a loop, spawning a task per connection) and [`TcpStream`]
//! (`read`, `write_all`, `shutdown`), plus the standard `futures_io::AsyncRead` / `AsyncWrite`
//! traits so libraries such as hyper or async-tungstenite can use them.
//!
//! Every operation is a non-blocking system call that is tried when the reactor says the socket is
//! ready; see [`source.rs`](super::source) for that dance, and the [reactor](crate::driver::reactor)
//! for where readiness comes from.
//!
//! **Cancellation:** every future here can be dropped at its await point without losing data that
//! was already read: a `read` that is dropped before it completes has read nothing; a `write_all`
//! that is dropped may have written a prefix of the buffer.
//!
//! UDP ([`UdpSocket`]) and Unix-domain sockets ([`UnixListener`], [`UnixStream`]) live in
//! [`udp.rs`](super::udp) and [`unix.rs`](super::unix), and are used from here.
//!
//! Read next: [`resolve.rs`](super::resolve), where the addresses come from.

use std::future::poll_fn;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub use super::resolve::ToSocketAddrs;
use super::resolve::{no_addresses, resolve};
use super::source::IoSource;
pub use super::udp::UdpSocket;
pub use super::unix::{UnixListener, UnixStream};
use crate::driver::reactor::Direction;
use crate::time::sleep;

/// A TCP socket listening for connections — the server half of asyncio's `start_server`.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::net::{TcpListener, TcpStream};
///
/// glassloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = glassloop::spawn(async move {
///         let (mut stream, _peer) = listener.accept().await.unwrap();
///         stream.write_all(b"hello").await.unwrap();
///     });
///     let mut client = TcpStream::connect(addr).await.unwrap();
///     let mut buf = [0u8; 5];
///     let mut got = 0;
///     while got < 5 {
///         got += client.read(&mut buf[got..]).await.unwrap();
///     }
///     assert_eq!(&buf, b"hello");
///     server.await.unwrap();
/// });
/// ```
pub struct TcpListener {
    io: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (tries each address it resolves to, in turn) and starts listening.
    ///
    /// Port 0 picks a free port; ask [`local_addr`](Self::local_addr) which one. A host name is
    /// resolved on a helper thread, without blocking the loop (see [`ToSocketAddrs`]).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last_error = None;
        for addr in resolve(addr).await? {
            match mio::net::TcpListener::bind(addr) {
                Ok(listener) => {
                    return Ok(TcpListener {
                        io: IoSource::new(listener)?,
                    })
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(no_addresses))
    }

    /// Binds to `addr` with `SO_REUSEPORT` set, and starts listening: several listeners — one per
    /// worker loop of [`run_workers`](crate::run_workers), or one per process — may then bind the
    /// same address, and the kernel spreads new connections over them (on Linux, by a hash of
    /// the client's address and port). This is how uvicorn's or nginx's workers share a port.
    ///
    /// Every listener of the group must set it (a plain [`bind`](Self::bind) of the port fails
    /// with `AddrInUse`), and all must belong to the same user. With port 0 the first listener
    /// gets a free port; bind the others to the address it reports
    /// ([`local_addr`](Self::local_addr)).
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// use glassloop::net::TcpListener;
    ///
    /// glassloop::run(async {
    ///     let first = TcpListener::bind_reuse_port("127.0.0.1:0").await.unwrap();
    ///     let second = TcpListener::bind_reuse_port(first.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(first.local_addr().unwrap(), second.local_addr().unwrap());
    /// });
    /// ```
    pub async fn bind_reuse_port(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last_error = None;
        for addr in resolve(addr).await? {
            match reuse_port_listener(addr) {
                Ok(listener) => {
                    return Ok(TcpListener {
                        io: IoSource::new(mio::net::TcpListener::from_std(listener))?,
                    })
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(no_addresses))
    }

    /// Waits for the next connection.
    ///
    /// When the process runs out of file descriptors (`EMFILE`, `ENFILE`) or memory for sockets,
    /// accepting fails with no new readiness edge to come; like asyncio's server, the listener then
    /// logs the problem, waits a moment and tries again, instead of spinning or giving up.
    ///
    /// **Cancellation:** dropping the future before it completes accepts nothing.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let mut retrying = false;
        loop {
            let accepted = poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |l| l.accept())).await;
            match accepted {
                Ok((stream, peer)) => return Ok((TcpStream::from_mio(stream)?, peer)),
                Err(error) if is_resource_exhaustion(&error) => {
                    // Said once per streak, not once per retry.
                    if !retrying {
                        eprintln!(
                            "glassloop: accept failed ({error}); retrying every {} ms until it works",
                            ACCEPT_RETRY.as_millis()
                        );
                        retrying = true;
                    }
                    sleep(ACCEPT_RETRY).await;
                }
                // A connection that was reset before we accepted it is not the listener's problem.
                Err(error) if error.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }
}

/// How long the listener waits after running out of descriptors.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The `errno` values this file tells apart (Linux's numbers; std names only some of them as
/// `io::ErrorKind`s, and none of these).
mod errno {
    /// Out of memory for the kernel's socket structures.
    pub(super) const ENOMEM: i32 = 12;
    /// The system-wide limit on open files is reached.
    pub(super) const ENFILE: i32 = 23;
    /// This process's limit on open files (`ulimit -n`) is reached.
    pub(super) const EMFILE: i32 = 24;
    /// No buffer space for another socket.
    pub(super) const ENOBUFS: i32 = 105;
    /// A non-blocking connect has not finished yet.
    pub(super) const EINPROGRESS: i32 = 115;
}

/// Whether accepting failed because the process or the system ran out of something — a state no
/// readiness edge announces the end of.
fn is_resource_exhaustion(error: &io::Error) -> bool {
    use errno::{EMFILE, ENFILE, ENOBUFS, ENOMEM};
    matches!(
        error.raw_os_error(),
        Some(EMFILE | ENFILE | ENOBUFS | ENOMEM)
    )
}

/// A listening socket with `SO_REUSEPORT` (and, as mio's `bind` does, `SO_REUSEADDR`), made with
/// socket2 because neither std nor mio can set the option before `bind`. Non-blocking and
/// close-on-exec, as mio's own sockets are; the backlog is mio's, 1024.
fn reuse_port_listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .field("source", &self.io.number())
            .finish()
    }
}

/// A TCP connection — asyncio's `(reader, writer)` pair from `open_connection`, in one object.
///
/// `read` returns `Ok(0)` when the peer has closed its side; a reset is an `Err`. Both are ordinary
/// results to handle, never panics.
///
/// It implements `futures_io::AsyncRead` and `AsyncWrite`, for `TcpStream` and for `&TcpStream`:
/// one task can read through one `&TcpStream` while another writes through another. (Two tasks
/// reading at once is not supported: the reactor keeps one waker per direction.)
pub struct TcpStream {
    io: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to in turn — asyncio's
    /// `open_connection`.
    ///
    /// A refused connection is an `io::Error` of kind `ConnectionRefused`. A host name is
    /// resolved on a helper thread, without blocking the loop (see [`ToSocketAddrs`]).
    ///
    /// **Cancellation:** dropping the future abandons the connection attempt and closes the socket.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last_error = None;
        for addr in resolve(addr).await? {
            match TcpStream::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(no_addresses))
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        // A non-blocking connect is done when the socket turns writable. Then `take_error` says
        // whether it failed, and `peer_addr` whether it really connected (a spurious wake-up
        // leaves it "not connected" yet: wait for the next edge).
        poll_fn(|cx| {
            stream.io.poll_io(cx, Direction::Write, |socket| {
                if let Some(error) = socket.take_error()? {
                    return Err(error);
                }
                match socket.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(error)
                        if error.kind() == io::ErrorKind::NotConnected
                            || error.raw_os_error() == Some(errno::EINPROGRESS) =>
                    {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(error) => Err(error),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(stream)?,
        })
    }

    /// Reads some bytes into `buf`, returning how many; `Ok(0)` means the peer closed its side
    /// (or `buf` is empty).
    ///
    /// **Cancellation:** if dropped before it completes, nothing was read.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let this: &TcpStream = self;
        poll_fn(|cx| this.io.poll_read_bytes(cx, buf)).await
    }

    /// Writes all of `buf`.
    ///
    /// **Cancellation:** if dropped before it completes, a prefix of `buf` may have been sent.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.io.write_all(buf).await
    }

    /// Shuts down the read half, the write half, or both (`Shutdown::Write` is a half-close: the
    /// peer reads end-of-stream, and can still send).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get().shutdown(how)
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
    }

    /// The local address of this end.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// Turns Nagle's algorithm off (`true`) so small writes go out at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get().nodelay()
    }

    fn poll_write_vectored_bytes(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |mut socket| {
            socket.write_vectored(bufs)
        })
    }
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("source", &self.io.number())
            .finish()
    }
}

// The traits are implemented for `&TcpStream` (so a reader task and a writer task can share one
// stream), and `TcpStream` itself forwards to that: the socket needs no `&mut` to read or write.

impl futures_io::AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read_bytes(cx, buf)
    }
}

impl futures_io::AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_bytes(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_bytes(cx, bufs)
    }

    /// TCP has no user-space buffer here to flush: a write hands bytes to the kernel.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes the write half (the peer reads end-of-stream).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(shutdown_write(&self))
    }
}

impl futures_io::AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncRead::poll_read(Pin::new(&mut &*self), cx, buf)
    }
}

impl futures_io::AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(Pin::new(&mut &*self), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write_vectored(Pin::new(&mut &*self), cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(Pin::new(&mut &*self), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(Pin::new(&mut &*self), cx)
    }
}

/// Half-closes; a socket the peer already closed is not an error worth reporting here.
fn shutdown_write(stream: &TcpStream) -> io::Result<()> {
    match stream.shutdown(Shutdown::Write) {
        Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(()),
        other => other,
    }
}
