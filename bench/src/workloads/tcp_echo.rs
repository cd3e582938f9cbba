//! `tcp_echo` — 50 connections × 2,000 round trips of 64 bytes over loopback, the echo server and
//! its clients in one runtime. Reported as round trips per second.
//!
//! The reactor: registering sockets, waiting in epoll, turning readiness into wakes, and the
//! read/write paths — with few tasks ready at a time and a syscall on every step. Every socket has
//! `TCP_NODELAY` (asyncio sets it by default). Each client checks every byte that comes back.
//! asyncio twin: `bench/python/tcp_echo.py` (streams: `start_server`, `open_connection`).

use std::net::SocketAddr;
use std::time::Instant;

use super::{Metric, Param, Unit, Workload};
use crate::contenders::{self, Contender};

pub const WORKLOAD: Workload = Workload {
    name: "tcp_echo",
    stresses: "the reactor: epoll, readiness to wakes, socket reads and writes",
    params: &[
        Param {
            name: "connections",
            full: 50,
            quick: 10,
        },
        Param {
            name: "round_trips",
            full: 2_000,
            quick: 200,
        },
    ],
    metrics: &[Metric {
        name: "round trips/s",
        unit: Unit::PerSecond,
        higher_is_better: true,
    }],
    contenders: CONTENDERS,
    run,
    // Loopback round trips are the noisiest figure here: 9 repetitions, like the short workloads.
    heavy: false,
};

const CONTENDERS: &[Contender] = &[
    Contender::Glassloop,
    Contender::TokioCurrentThread,
    Contender::TokioMultiThread,
    Contender::Smol,
    Contender::Asyncio,
];

/// The size of one message.
const MESSAGE: usize = 64;

/// The message client `connection` sends on round `round`: recognisable bytes, so a mixed-up or
/// stale echo is caught.
fn message(connection: u64, round: u64) -> [u8; MESSAGE] {
    let mut bytes = [0u8; MESSAGE];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (connection * 31 + round * 7 + i as u64) as u8;
    }
    bytes
}

fn run(contender: Contender, sizes: &[u64]) -> Vec<f64> {
    let (connections, round_trips) = (sizes[0], sizes[1]);
    let (elapsed, echoed) = match contender {
        Contender::Glassloop => {
            contenders::glassloop(glassloop_version::main(connections, round_trips))
        }
        Contender::TokioCurrentThread | Contender::TokioMultiThread => {
            contenders::tokio(contender, tokio_version::main(connections, round_trips))
        }
        Contender::Smol => {
            contenders::smol(|executor| smol_version::main(executor, connections, round_trips))
        }
        other => unreachable!("tcp_echo does not run on {other:?}"),
    };
    assert_eq!(
        echoed,
        connections * round_trips,
        "{contender:?} lost round trips"
    );
    vec![echoed as f64 / elapsed.as_secs_f64()]
}

/// A loopback address with a free port, for the listener.
fn any_local_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

mod glassloop_version {
    use super::*;
    use glassloop::net::{TcpListener, TcpStream};

    pub async fn main(connections: u64, round_trips: u64) -> (std::time::Duration, u64) {
        let listener = TcpListener::bind(any_local_port()).await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = glassloop::spawn(async move {
            for _ in 0..connections {
                let (stream, _) = listener.accept().await.expect("accept");
                drop(glassloop::spawn(echo(stream)));
            }
        });
        let start = Instant::now();
        let clients: Vec<_> = (0..connections)
            .map(|c| glassloop::spawn(client(address, c, round_trips)))
            .collect();
        let mut echoed = 0;
        for client in clients {
            echoed += client.await.expect("client");
        }
        let elapsed = start.elapsed();
        server.await.expect("server");
        (elapsed, echoed)
    }

    async fn echo(mut stream: TcpStream) {
        stream.set_nodelay(true).expect("nodelay");
        let mut buffer = [0u8; 1024];
        loop {
            let n = stream.read(&mut buffer).await.expect("server read");
            if n == 0 {
                return; // the client hung up
            }
            stream.write_all(&buffer[..n]).await.expect("server write");
        }
    }

    async fn client(address: SocketAddr, connection: u64, round_trips: u64) -> u64 {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let mut reply = [0u8; MESSAGE];
        for round in 0..round_trips {
            let sent = message(connection, round);
            stream.write_all(&sent).await.expect("client write");
            let mut got = 0;
            while got < MESSAGE {
                let n = stream.read(&mut reply[got..]).await.expect("client read");
                assert!(n > 0, "the server hung up");
                got += n;
            }
            assert_eq!(reply, sent, "a wrong echo");
        }
        round_trips
    }
}

mod tokio_version {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    pub async fn main(connections: u64, round_trips: u64) -> (std::time::Duration, u64) {
        let listener = TcpListener::bind(any_local_port()).await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            for _ in 0..connections {
                let (stream, _) = listener.accept().await.expect("accept");
                drop(tokio::spawn(echo(stream)));
            }
        });
        let start = Instant::now();
        let clients: Vec<_> = (0..connections)
            .map(|c| tokio::spawn(client(address, c, round_trips)))
            .collect();
        let mut echoed = 0;
        for client in clients {
            echoed += client.await.expect("client");
        }
        let elapsed = start.elapsed();
        server.await.expect("server");
        (elapsed, echoed)
    }

    async fn echo(mut stream: TcpStream) {
        stream.set_nodelay(true).expect("nodelay");
        let mut buffer = [0u8; 1024];
        loop {
            let n = stream.read(&mut buffer).await.expect("server read");
            if n == 0 {
                return; // the client hung up
            }
            stream.write_all(&buffer[..n]).await.expect("server write");
        }
    }

    async fn client(address: SocketAddr, connection: u64, round_trips: u64) -> u64 {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let mut reply = [0u8; MESSAGE];
        for round in 0..round_trips {
            let sent = message(connection, round);
            stream.write_all(&sent).await.expect("client write");
            let mut got = 0;
            while got < MESSAGE {
                let n = stream.read(&mut reply[got..]).await.expect("client read");
                assert!(n > 0, "the server hung up");
                got += n;
            }
            assert_eq!(reply, sent, "a wrong echo");
        }
        round_trips
    }
}

mod smol_version {
    use super::*;
    use async_executor::LocalExecutor;
    use async_io::Async;
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use std::net::{TcpListener, TcpStream};
    use std::rc::Rc;

    pub async fn main(
        executor: Rc<LocalExecutor<'static>>,
        connections: u64,
        round_trips: u64,
    ) -> (std::time::Duration, u64) {
        let listener = Async::<TcpListener>::bind(any_local_port()).expect("bind");
        let address = listener.get_ref().local_addr().expect("address");
        let server_executor = executor.clone();
        let server = executor.spawn(async move {
            for _ in 0..connections {
                let (stream, _) = listener.accept().await.expect("accept");
                // smol cancels a task whose handle is dropped: detach it instead.
                server_executor.spawn(echo(stream)).detach();
            }
        });
        let start = Instant::now();
        let clients: Vec<_> = (0..connections)
            .map(|c| executor.spawn(client(address, c, round_trips)))
            .collect();
        let mut echoed = 0;
        for client in clients {
            echoed += client.await;
        }
        let elapsed = start.elapsed();
        server.await;
        (elapsed, echoed)
    }

    async fn echo(mut stream: Async<TcpStream>) {
        stream.get_ref().set_nodelay(true).expect("nodelay");
        let mut buffer = [0u8; 1024];
        loop {
            let n = stream.read(&mut buffer).await.expect("server read");
            if n == 0 {
                return; // the client hung up
            }
            stream.write_all(&buffer[..n]).await.expect("server write");
        }
    }

    async fn client(address: SocketAddr, connection: u64, round_trips: u64) -> u64 {
        let mut stream = Async::<TcpStream>::connect(address).await.expect("connect");
        stream.get_ref().set_nodelay(true).expect("nodelay");
        let mut reply = [0u8; MESSAGE];
        for round in 0..round_trips {
            let sent = message(connection, round);
            stream.write_all(&sent).await.expect("client write");
            let mut got = 0;
            while got < MESSAGE {
                let n = stream.read(&mut reply[got..]).await.expect("client read");
                assert!(n > 0, "the server hung up");
                got += n;
            }
            assert_eq!(reply, sent, "a wrong echo");
        }
        round_trips
    }
}
