//! Addresses, and turning a host name into them without blocking the loop — asyncio's
//! `loop.getaddrinfo`, which `open_connection` awaits.
//!
//! `std::net::ToSocketAddrs` resolves a host name by calling `getaddrinfo`, which blocks the
//! thread until the DNS answers: on the loop's thread that stalls every task (the mistake the
//! book's "blocking the loop" section warns about). And it cannot tell an IP address from a host
//! name without resolving, nor move a borrowed `&str` to another thread. So sockets take their
//! addresses through glassloop's own [`ToSocketAddrs`], implemented for the same argument types as
//! std's: an address that is already an IP (`SocketAddr`, `"127.0.0.1:8000"`,
//! `("127.0.0.1", 8000)`) is used at once; a host name is copied and resolved on the `to_thread`
//! pool while the loop goes on, as asyncio resolves through its default executor and tokio
//! through `spawn_blocking`.
//!
//! Tests can replace the resolver with [`Builder::resolver`](crate::Builder::resolver).
//!
//! Read next: [`udp.rs`](super::udp), datagrams.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::blocking::to_thread;
use crate::event_loop::context;

/// What can be turned into socket addresses — std's `ToSocketAddrs`, without blocking the loop.
///
/// Implemented for the argument types std's trait takes: `SocketAddr` (and its V4/V6 forms),
/// `(IpAddr, u16)` (and `Ipv4Addr`/`Ipv6Addr`), `(&str, u16)`, `(String, u16)`, `"host:port"` as a
/// `&str` or `String`, a slice of `SocketAddr`, and a reference to any of these. IP addresses are
/// taken as they are; a host name is resolved on a helper thread (see the module docs).
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::net::{TcpListener, TcpStream};
/// glassloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap(); // an IP: no lookup
///     let port = listener.local_addr().unwrap().port();
///     // A host name: resolved on the to_thread pool, then tried address by address.
///     let stream = TcpStream::connect(("localhost", port)).await.unwrap();
///     assert!(stream.peer_addr().unwrap().ip().is_loopback());
/// });
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

/// The trait's one method lives in a private module, so only glassloop implements it (as std and
/// tokio seal theirs): the argument types are glassloop's promise, not an extension point.
pub(crate) mod sealed {
    use std::io;
    use std::net::SocketAddr;

    pub trait Sealed {
        /// The addresses at once, or the host name and port to look up.
        fn to_addrs(&self) -> io::Result<Addrs>;
    }

    /// What an address argument turned out to be.
    pub enum Addrs {
        Ready(Vec<SocketAddr>),
        Lookup(String, u16),
    }
}

use sealed::{Addrs, Sealed};

/// Resolves `addr`: at once for IP addresses, on the `to_thread` pool for a host name.
pub(crate) async fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let (host, port) = match addr.to_addrs()? {
        Addrs::Ready(addrs) => return Ok(addrs),
        Addrs::Lookup(host, port) => (host, port),
    };
    let resolver = context::with_current(|core| core.shared().resolver.clone()).flatten();
    let lookup = to_thread(move || match resolver {
        Some(resolve) => resolve(&host, port),
        None => {
            std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Iterator::collect)
        }
    });
    lookup.await.map_err(io::Error::other)?
}

impl<T: Sealed + ?Sized> Sealed for &T {
    fn to_addrs(&self) -> io::Result<Addrs> {
        (**self).to_addrs()
    }
}

impl Sealed for str {
    /// `"1.2.3.4:80"` and `"[::1]:80"` at once; `"example.com:80"` to look up.
    fn to_addrs(&self) -> io::Result<Addrs> {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Ok(Addrs::Ready(vec![addr]));
        }
        let invalid = |what| io::Error::new(io::ErrorKind::InvalidInput, what);
        let (host, port) = self
            .rsplit_once(':')
            .ok_or_else(|| invalid("invalid socket address: expected host:port"))?;
        let port = port.parse().map_err(|_| invalid("invalid port value"))?;
        (host, port).to_addrs()
    }
}

impl Sealed for (&str, u16) {
    fn to_addrs(&self) -> io::Result<Addrs> {
        let (host, port) = *self;
        Ok(match host.parse::<IpAddr>() {
            Ok(ip) => Addrs::Ready(vec![SocketAddr::new(ip, port)]),
            Err(_) => Addrs::Lookup(host.to_owned(), port),
        })
    }
}

impl Sealed for String {
    fn to_addrs(&self) -> io::Result<Addrs> {
        self.as_str().to_addrs()
    }
}

impl Sealed for (String, u16) {
    fn to_addrs(&self) -> io::Result<Addrs> {
        (self.0.as_str(), self.1).to_addrs()
    }
}

impl Sealed for [SocketAddr] {
    fn to_addrs(&self) -> io::Result<Addrs> {
        Ok(Addrs::Ready(self.to_vec()))
    }
}

/// The address types that are addresses already.
macro_rules! ready_addrs {
    ($($address:ty),*) => {$(
        impl Sealed for $address {
            fn to_addrs(&self) -> io::Result<Addrs> {
                Ok(Addrs::Ready(vec![SocketAddr::from(*self)]))
            }
        }
        impl ToSocketAddrs for $address {}
    )*};
}

ready_addrs!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl ToSocketAddrs for str {}
impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrs for String {}
impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrs for [SocketAddr] {}

/// What binding or connecting to an address that resolved to nothing says.
pub(super) fn no_addresses() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolved to no socket addresses",
    )
}
