//! Sockets, signals, files and helper threads — asyncio's streams, `add_signal_handler`,
//! `to_thread`, and the file operations a tutorial does with `aiofiles`.
//!
//! Everything here waits through the loop: a socket is registered with the loop's selector and
//! waits for readiness; a blocking job runs on a helper thread and wakes its task through the
//! loop's cross-thread road.
//!
//! - [`source.rs`](source) — a socket registered with the selector, and the readiness dance every
//!   operation goes through;
//! - [`net.rs`](net) — TCP: `TcpListener`, `TcpStream`; and, re-exported there, UDP
//!   ([`udp.rs`](udp): `UdpSocket`) and Unix-domain sockets ([`unix.rs`](unix): `UnixListener`,
//!   `UnixStream`);
//! - [`resolve.rs`](resolve) — addresses, and host names resolved off the loop;
//! - [`signal.rs`](signal) — Ctrl-C as readiness;
//! - [`blocking.rs`](blocking) — `to_thread` and its pool;
//! - [`fs.rs`](fs) — files, on that pool.

pub(crate) mod blocking;
pub mod fs;
pub mod net;
mod resolve;
pub mod signal;
mod source;
mod udp;
mod unix;
