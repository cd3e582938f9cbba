//! `tcp_echo` — 50 connections × 2,000 round trips of 64 bytes over loopback, the echo server and
//! its clients in one runtime. Reported as round trips per second.
//!
//! The reactor: registering sockets, waiting in epoll, turning readiness into wakes, and the
//! read/write paths — with few tasks ready at a time and a syscall on every step. Every socket has
//! `TCP_NODELAY` (asyncio sets it by default). Each client checks every byte that comes back.
//! asyncio twin: `bench/python/tcp_echo.py` (streams: `start_server`, `open_connection`).
//!
//! **glassloop, 2 loops** does the same work — the same connections, messages and round trips —
//! on two loops of `glassloop::run_workers`, one per thread, to set beside tokio's multi-thread
//! runtime with its 2 workers. Each loop runs a server on a listener of one `SO_REUSEPORT` group
//! (`TcpListener::bind_reuse_port`, so the kernel picks the loop that serves each connection, as it
//! does for uvicorn's workers) and half of the clients. Its rate counts from the first loop's start
//! to the last loop's end. It has no asyncio twin: asyncio's road to a second core is a second
//! process (`uvicorn --workers 2`), as threads would share the GIL.

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
    Contender::GlassloopWorkers,
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
        Contender::GlassloopWorkers => glassloop_workers_version::main(connections, round_trips),
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

    // The two loops' version uses these two as they are: the work per connection is the same.
    pub(super) async fn echo(mut stream: TcpStream) {
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

    pub(super) async fn client(address: SocketAddr, connection: u64, round_trips: u64) -> u64 {
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

mod glassloop_workers_version {
    use super::glassloop_version::{client, echo};
    use super::*;
    use crate::contenders::WORKERS;
    use glassloop::net::TcpListener;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
    use std::time::Duration;

    /// One repetition on [`WORKERS`] loops. Client `c` runs on loop `c % WORKERS`; which loop
    /// serves it is the kernel's choice.
    pub fn main(connections: u64, round_trips: u64) -> (Duration, u64) {
        let meeting = Arc::new(Meeting::default());
        let accepted = Arc::new(AtomicU64::new(0));
        let ran = contenders::glassloop_workers(|index| {
            worker(
                index,
                Seat::new(meeting.clone()),
                accepted.clone(),
                connections,
                round_trips,
            )
        });
        // Every connection was accepted by one listener of the group or another: none was lost
        // between them.
        assert_eq!(
            accepted.load(Ordering::Relaxed),
            connections,
            "accepted connections"
        );
        let start = ran.iter().map(|r| r.start).min().expect("a worker");
        let end = ran.iter().map(|r| r.end).max().expect("a worker");
        (end - start, ran.iter().map(|r| r.echoed).sum())
    }

    /// What one loop did: when its clients started and ended, and the round trips they made.
    struct Ran {
        start: Instant,
        end: Instant,
        echoed: u64,
    }

    async fn worker(
        index: usize,
        mut seat: Seat,
        accepted: Arc<AtomicU64>,
        connections: u64,
        round_trips: u64,
    ) -> Ran {
        // Worker 0 picks the port, the others join its group. They wait for each other on their
        // own threads, blocking: harmless here, as no task runs on any loop yet.
        let listener = if index == 0 {
            let listener = TcpListener::bind_reuse_port(any_local_port())
                .await
                .expect("bind");
            let address = listener.local_addr().expect("address");
            seat.meeting.update(|s| s.address = Some(address));
            listener
        } else {
            let address = seat.meeting.wait_for(|s| s.address);
            TcpListener::bind_reuse_port(address).await.expect("bind")
        };
        // Every listener is in the group before the first client connects: the kernel spreads
        // connections only over the listeners bound at the time.
        seat.meeting.update(|s| s.bound += 1);
        seat.meeting
            .wait_for(|s| (s.bound == WORKERS).then_some(()));
        let address = listener.local_addr().expect("address");

        // Accepting until the loop ends, not `connections / WORKERS` times: how many connections
        // reach this listener is the kernel's hash of each client's port, not known in advance.
        // The accept loop and the echo tasks still waiting for their client's hang-up are dropped
        // with the loop.
        drop(glassloop::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                accepted.fetch_add(1, Ordering::Relaxed);
                drop(glassloop::spawn(echo(stream)));
            }
        }));
        let start = Instant::now();
        let clients: Vec<_> = (0..connections)
            .filter(|&c| c % WORKERS as u64 == index as u64)
            .map(|c| glassloop::spawn(client(address, c, round_trips)))
            .collect();
        let mut echoed = 0;
        for client in clients {
            echoed += client.await.expect("client");
        }
        let end = Instant::now();

        // This loop's echo tasks may be serving another loop's clients still: the loop must run on
        // until every worker's clients are done. Waited for on a helper thread (`to_thread`), so
        // that this loop goes on serving meanwhile.
        seat.meeting.update(|s| s.done += 1);
        let meeting = seat.meeting.clone();
        glassloop::to_thread(move || meeting.wait_for(|s| (s.done == WORKERS).then_some(())))
            .await
            .expect("waiting for the other workers");
        seat.left = true;
        Ran { start, end, echoed }
    }

    /// Where the workers wait for one another: the address worker 0 bound, how many listeners
    /// have joined its group, how many workers' clients are done — and whether a worker failed.
    #[derive(Default)]
    struct Meeting {
        state: Mutex<State>,
        changed: Condvar,
    }

    #[derive(Default)]
    struct State {
        address: Option<SocketAddr>,
        bound: usize,
        done: usize,
        failed: bool,
    }

    impl Meeting {
        fn lock(&self) -> MutexGuard<'_, State> {
            // A worker that panicked while holding the lock has said so in `failed`.
            self.state.lock().unwrap_or_else(PoisonError::into_inner)
        }

        fn update(&self, change: impl FnOnce(&mut State)) {
            change(&mut self.lock());
            self.changed.notify_all();
        }

        /// Blocks this thread until `ready` gives a value. Panics once a worker has failed: it
        /// will never come, and a run that hangs would say less than one that fails.
        fn wait_for<T>(&self, ready: impl Fn(&State) -> Option<T>) -> T {
            let mut state = self.lock();
            loop {
                assert!(!state.failed, "another tcp_echo worker failed");
                if let Some(value) = ready(&state) {
                    return value;
                }
                state = self
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// A worker's place at the meeting. Dropped before the worker has `left` — its future was
    /// dropped after a panic — it marks the meeting failed, so the others stop waiting for it.
    struct Seat {
        meeting: Arc<Meeting>,
        left: bool,
    }

    impl Seat {
        fn new(meeting: Arc<Meeting>) -> Seat {
            Seat {
                meeting,
                left: false,
            }
        }
    }

    impl Drop for Seat {
        fn drop(&mut self) {
            if !self.left {
                self.meeting.update(|s| s.failed = true);
            }
        }
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
