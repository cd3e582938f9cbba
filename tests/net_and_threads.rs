//! Sockets on the reactor, `to_thread` and `fs`.

mod support;

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};
use glassloop::net::{TcpListener, TcpStream};
use glassloop::Runtime;

/// Reads until `buf` is full or the peer closes; returns how much was read.
async fn read_full(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let n = stream.read(&mut buf[got..]).await?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

/// An echo server on a free port: each connection echoes until the peer closes.
async fn start_echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(glassloop::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            drop(glassloop::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }));
        }
    }));
    addr
}

#[test]
fn echo_one_mebibyte_through_one_connection() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let addr = start_echo_server().await;
        let stream = TcpStream::connect(addr).await.unwrap();
        let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 + i / 251) as u8).collect();
        // Write and read at once (a single task writing 1 MiB first would fill both socket
        // buffers and deadlock against the echo): one task writes through `&TcpStream`, this one
        // reads through another `&TcpStream`.
        let stream = std::rc::Rc::new(stream);
        let writer = glassloop::spawn({
            let stream = stream.clone();
            let data = data.clone();
            async move {
                let mut w: &TcpStream = &stream;
                let mut rest = &data[..];
                while !rest.is_empty() {
                    let n =
                        std::future::poll_fn(|cx| std::pin::Pin::new(&mut w).poll_write(cx, rest))
                            .await
                            .unwrap();
                    rest = &rest[n..];
                }
                stream.shutdown(Shutdown::Write).unwrap();
            }
        });
        let mut received = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut r: &TcpStream = &stream;
        loop {
            let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut r).poll_read(cx, &mut buf))
                .await
                .unwrap();
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
        }
        writer.await.unwrap();
        assert_eq!(received.len(), data.len());
        assert!(received == data, "the echo came back changed");
    });
}

#[test]
fn two_hundred_connections_times_one_hundred_round_trips() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let addr = start_echo_server().await;
        let clients = (0..200u32).map(|c| async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let mut buf = [0u8; 8];
            for round in 0..100u32 {
                let msg = [c.to_le_bytes(), round.to_le_bytes()].concat();
                stream.write_all(&msg).await.unwrap();
                assert_eq!(read_full(&mut stream, &mut buf).await.unwrap(), 8);
                assert_eq!(&buf[..], &msg[..]);
            }
            1u32
        });
        let done: u32 = glassloop::gather(clients).await.into_iter().sum();
        assert_eq!(done, 200);
    });
    // Every client socket was dropped and deregistered; only the listener and server-side
    // sockets of connections not yet noticed as closed may remain until the loop ends.
    drop(rt);
}

#[test]
fn half_close_lets_the_peer_finish_its_answer() {
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = glassloop::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            // Read everything until the client's half-close, then answer.
            let mut request = Vec::new();
            let mut buf = [0u8; 100];
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            stream
                .write_all(format!("got {} bytes", request.len()).as_bytes())
                .await
                .unwrap();
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(&[1u8; 300]).await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut answer = vec![0u8; 64];
        let n = read_full(&mut client, &mut answer).await.unwrap();
        assert_eq!(&answer[..n], b"got 300 bytes");
        server.await.unwrap();
    });
}

#[test]
fn connecting_to_a_closed_port_is_an_error() {
    glassloop::run(async {
        // Bind a port, then close it, so nothing listens there.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let error = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn peer_close_reads_zero_and_reset_is_an_error() {
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server_side, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(
            server_side.peer_addr().unwrap(),
            client.local_addr().unwrap()
        );
        drop(server_side);
        let mut buf = [0u8; 10];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        // Writing into a closed connection fails sooner or later (EPIPE / ECONNRESET), it never
        // hangs or panics.
        let mut failed = false;
        for _ in 0..100 {
            if client.write_all(&[0u8; 1024]).await.is_err() {
                failed = true;
                break;
            }
            glassloop::sleep(Duration::from_millis(1)).await;
        }
        assert!(failed);
    });
}

#[test]
fn sockets_deregister_when_dropped() {
    let rt = Runtime::new().unwrap();
    let (listener, client, server_side) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server_side, _) = listener.accept().await.unwrap();
        (listener, client, server_side)
    });
    assert_eq!(rt.stats().registered_sources, 3);
    // Dropped on the loop's thread but outside block_on: the slots are freed at the next turn.
    drop((client, server_side, listener));
    rt.block_on(glassloop::yield_now());
    assert_eq!(rt.stats().registered_sources, 0);
}

#[test]
fn sockets_outside_a_loop_are_a_clear_error() {
    let rt = Runtime::new().unwrap();
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind inside the loop");
    let addr = listener.local_addr().unwrap();
    // Used from another loop: an io::Error, not a hang or a panic.
    let error = glassloop::run(async move { listener.accept().await.map(|_| ()) }).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("outside the loop it was created in"),
        "{error}"
    );
    let _ = addr;
}

#[test]
fn to_thread_returns_values_and_panics() {
    glassloop::run(async {
        let value = glassloop::to_thread(|| 6 * 7).await.unwrap();
        assert_eq!(value, 42);
        let error = glassloop::to_thread(|| -> u8 { panic!("the helper failed") })
            .await
            .unwrap_err();
        assert!(error.is_panic());
        assert_eq!(error.panic_message(), Some("the helper failed"));
        // The pool still works after a panic.
        assert_eq!(glassloop::to_thread(|| "ok").await.unwrap(), "ok");
    });
}

#[test]
fn a_hundred_blocking_calls_run_concurrently() {
    let start = Instant::now();
    let results = glassloop::run(async {
        let calls = (0..100u64).map(|i| {
            glassloop::to_thread(move || {
                std::thread::sleep(Duration::from_millis(50));
                i
            })
        });
        glassloop::gather(calls).await
    });
    let took = start.elapsed();
    assert_eq!(
        results.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        (0..100).collect::<Vec<_>>()
    );
    assert!(
        took < Duration::from_millis(2500),
        "took {took:?}: 100 × 50 ms in a row is 5 s"
    );
}

#[test]
fn virtual_time_waits_for_to_thread_jobs() {
    let rt = support::virtual_runtime();
    let (answer, timer_won) = rt.block_on(async {
        // A long virtual sleep must not be considered "the next thing that happens" while a
        // helper thread is still working: the clock may not jump past the job.
        let job = glassloop::to_thread(|| {
            std::thread::sleep(Duration::from_millis(30));
            "job"
        });
        let sleeper = glassloop::spawn(async {
            glassloop::sleep(Duration::from_secs(3600)).await;
        });
        let answer = job.await.unwrap();
        let timer_won = sleeper.is_finished();
        sleeper.abort();
        (answer, timer_won)
    });
    assert_eq!(answer, "job");
    assert!(
        !timer_won,
        "virtual time jumped an hour while a to_thread job was running"
    );
}

#[test]
fn fs_round_trip_and_errors() {
    glassloop::run(async {
        let dir = std::env::temp_dir();
        let path = dir.join(format!("glassloop-fs-test-{}", std::process::id()));
        glassloop::fs::write(&path, b"some bytes").await.unwrap();
        assert_eq!(glassloop::fs::read(&path).await.unwrap(), b"some bytes");
        assert_eq!(
            glassloop::fs::read_to_string(&path).await.unwrap(),
            "some bytes"
        );
        std::fs::remove_file(&path).unwrap();
        let missing = glassloop::fs::read(&path).await.unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    });
}

/// A runtime whose name lookups take `delay` (on their helper thread) and say `host` is
/// 127.0.0.1; any other name is unknown. It counts the lookups.
fn slow_resolver(
    delay: Duration,
    lookups: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Runtime {
    Runtime::builder()
        .resolver(move |host, port| {
            lookups.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(delay);
            match host {
                "db.test" => Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]),
                _ => Err(io::Error::new(io::ErrorKind::NotFound, "unknown host")),
            }
        })
        .build()
        .unwrap()
}

#[test]
fn a_slow_name_lookup_does_not_stop_a_ticking_task() {
    let lookups = Default::default();
    let rt = slow_resolver(Duration::from_millis(200), std::sync::Arc::clone(&lookups));
    let (ticks, connected) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let ticks = std::rc::Rc::new(std::cell::Cell::new(0u32));
        let counter = glassloop::spawn({
            let ticks = ticks.clone();
            async move {
                let mut every = glassloop::time::interval(Duration::from_millis(10));
                loop {
                    every.tick().await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let started = Instant::now();
        let stream = TcpStream::connect(("db.test", port)).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(200));
        counter.abort();
        (ticks.get(), stream.peer_addr().unwrap().port() == port)
    });
    assert!(connected);
    // 200 ms of lookup at 10 ms a tick: about 20 ticks. A lookup on the loop's thread would
    // have allowed none; a generous bound keeps a busy machine from failing the test.
    assert!(
        ticks >= 5,
        "only {ticks} ticks while the name was looked up"
    );
    assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn ip_addresses_connect_without_a_lookup() {
    let lookups = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let rt = slow_resolver(Duration::ZERO, lookups.clone());
    rt.block_on(async {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let port = addr.port();
        TcpStream::connect(addr).await.unwrap();
        TcpStream::connect(&addr).await.unwrap();
        TcpStream::connect(format!("127.0.0.1:{port}"))
            .await
            .unwrap();
        TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, port))
            .await
            .unwrap();
        TcpStream::connect(&[addr][..]).await.unwrap();
        // A name goes through the resolver, and its error comes back as it was.
        let error = TcpStream::connect("nowhere.test:80").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    });
    assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn localhost_resolves_with_the_system_resolver() {
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = glassloop::spawn(async move { listener.accept().await.map(|_| ()) });
        let stream = TcpStream::connect(format!("localhost:{port}"))
            .await
            .unwrap();
        assert!(stream.peer_addr().unwrap().ip().is_loopback());
        accepted.await.unwrap().unwrap();
    });
}

#[test]
fn a_malformed_address_is_a_clear_error() {
    glassloop::run(async {
        for bad in ["localhost", "localhost:http", "127.0.0.1:99999"] {
            let error = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}: {error}");
        }
    });
}
