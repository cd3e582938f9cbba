//! UDP on the reactor — asyncio's `loop.create_datagram_endpoint`, as tokio's `UdpSocket` has it:
//! datagrams, each sent and received whole, with no connection and no stream.
//!
//! A datagram is one `send_to` and one `recv_from`: the kernel keeps the boundaries. The buffer a
//! datagram is received into must be large enough; a longer datagram is cut to the buffer and the
//! rest is lost (as with std's and every other `recv`) — up to 65,507 bytes can come over IPv4.
//! `connect` does not connect anything: it fixes the one address `send` sends to and `recv` takes
//! from (the kernel drops datagrams from anyone else).
//!
//! **Cancellation:** a `send_to` or `recv_from` dropped before it completes sent or received
//! nothing.
//!
//! Read next: [`unix.rs`](super::unix), sockets named by a path.

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;

use super::resolve::{no_addresses, resolve, ToSocketAddrs};
use super::source::IoSource;
use crate::driver::reactor::Direction;

/// A UDP socket on the running loop — tokio's `UdpSocket`, asyncio's datagram endpoint.
///
/// ```
/// # use glassloop_executor as glassloop;
/// glassloop::run(async {
///     let server = glassloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let client = glassloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     client.send_to(b"ping", server.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0u8; 16];
///     let (n, from) = server.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr().unwrap()));
/// });
/// ```
pub struct UdpSocket {
    io: IoSource<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0: the kernel picks one). Host names are resolved off the
    /// loop; each address is tried in turn.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let mut last_error = None;
        for addr in resolve(addr).await? {
            match mio::net::UdpSocket::bind(addr) {
                Ok(socket) => {
                    return Ok(UdpSocket {
                        io: IoSource::new(socket)?,
                    })
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(no_addresses))
    }

    /// Fixes the peer: `send` goes to `addr`, `recv` takes only what `addr` sends.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut last_error = None;
        for addr in resolve(addr).await? {
            match self.io.get().connect(addr) {
                Ok(()) => return Ok(()),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(no_addresses))
    }

    /// Sends `buf` as one datagram to `target`; the number of bytes sent (all of them, or an
    /// error such as `EMSGSIZE` for a datagram too large to send).
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = *resolve(target).await?.first().ok_or_else(no_addresses)?;
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Write, |socket| socket.send_to(buf, target))
        })
        .await
    }

    /// Receives one datagram into `buf`: its length (cut to `buf`'s) and who sent it.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |socket| socket.recv_from(buf))
        })
        .await
    }

    /// Sends `buf` to the peer given to [`connect`](Self::connect).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Write, |socket| socket.send(buf))
        })
        .await
    }

    /// Receives one datagram from the peer given to [`connect`](Self::connect).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |socket| socket.recv(buf))
        })
        .await
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// The peer given to [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
    }
}

impl std::fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UdpSocket")
            .field("socket", &self.io.number())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
