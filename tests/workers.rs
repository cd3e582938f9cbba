//! One loop per core: `run_workers` runs N plain loops on N threads, and
//! `TcpListener::bind_reuse_port` lets them share one listening port, as uvicorn's workers do.
//! Two workers both serve connections on one port; Ctrl-C ends both; a panic stays in its worker.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::Duration;

use glassloop::net::TcpListener;

/// Waits until `flag` is set, looking every few milliseconds.
async fn until(flag: &AtomicBool) {
    while !flag.load(Ordering::SeqCst) {
        glassloop::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn two_workers_share_one_port_and_both_serve() {
    const WORKERS: usize = 2;
    const CONNECTIONS: usize = 64;
    let addr: Mutex<Option<SocketAddr>> = Mutex::new(None);
    let bound = Barrier::new(WORKERS + 1);
    let first_bound = Barrier::new(WORKERS);
    let done = AtomicBool::new(false);
    let answers: Vec<usize> = std::thread::scope(|scope| {
        let client = scope.spawn(|| {
            bound.wait();
            let addr = addr.lock().unwrap().unwrap();
            // Each connection comes from another port, and the kernel hashes the client's
            // address and port to pick a listener: 64 connections all landing on one of two
            // workers would happen once in 2^63 runs.
            let answers: Vec<usize> = (0..CONNECTIONS)
                .map(|_| {
                    let mut stream = std::net::TcpStream::connect(addr).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .unwrap();
                    stream.write_all(b"which worker?").unwrap();
                    let mut answer = String::new();
                    stream.read_to_string(&mut answer).unwrap();
                    answer.parse().unwrap()
                })
                .collect();
            done.store(true, Ordering::SeqCst);
            answers
        });
        let served = glassloop::run_workers(WORKERS, |index| {
            let (addr, bound, first_bound, done) = (&addr, &bound, &first_bound, &done);
            async move {
                // Worker 0 picks the port; the others join it on the same one.
                let listener = if index == 0 {
                    let listener = TcpListener::bind_reuse_port("127.0.0.1:0").await.unwrap();
                    *addr.lock().unwrap() = Some(listener.local_addr().unwrap());
                    first_bound.wait();
                    listener
                } else {
                    first_bound.wait();
                    let port = addr.lock().unwrap().unwrap();
                    TcpListener::bind_reuse_port(port).await.unwrap()
                };
                bound.wait();
                let mut served = 0;
                loop {
                    let (mut stream, _) = glassloop::select! {
                        accepted = listener.accept() => accepted.unwrap(),
                        () = until(done) => return served,
                    };
                    let mut question = [0u8; 13];
                    let mut read = 0;
                    while read < question.len() {
                        read += stream.read(&mut question[read..]).await.unwrap();
                    }
                    stream
                        .write_all(index.to_string().as_bytes())
                        .await
                        .unwrap();
                    served += 1;
                }
            }
        });
        let answers = client.join().unwrap();
        assert_eq!(served.iter().sum::<usize>(), CONNECTIONS);
        answers
    });
    for worker in 0..WORKERS {
        assert!(
            answers.contains(&worker),
            "worker {worker} served no connection: {answers:?}"
        );
    }
}

#[test]
fn a_plain_bind_of_a_shared_port_is_refused() {
    glassloop::run(async {
        let shared = TcpListener::bind_reuse_port("127.0.0.1:0").await.unwrap();
        let addr = shared.local_addr().unwrap();
        let error = TcpListener::bind(addr).await.expect_err("bind succeeded");
        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
        // And the reverse: a port bound without the option cannot be shared.
        let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let error = TcpListener::bind_reuse_port(plain.local_addr().unwrap())
            .await
            .expect_err("bind_reuse_port succeeded");
        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    });
}

/// Each worker listens for Ctrl-C on its own loop; one SIGINT ends them all (signal-hook gives
/// every listener the signal).
#[test]
fn one_ctrl_c_ends_every_worker() {
    const WORKERS: usize = 2;
    let listening = Barrier::new(WORKERS + 1);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            listening.wait();
            let status = std::process::Command::new("kill")
                .args(["-INT", &std::process::id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        });
        let ended = glassloop::run_workers(WORKERS, |index| {
            let listening = &listening;
            async move {
                let ctrl_c = glassloop::spawn(glassloop::signal::ctrl_c());
                // The handler is installed when the future is first polled: let it run once
                // before saying this worker listens.
                glassloop::yield_now().await;
                listening.wait();
                let waited = glassloop::timeout(Duration::from_secs(30), ctrl_c).await;
                (index, waited.is_ok_and(|result| result.unwrap().is_ok()))
            }
        });
        assert_eq!(ended, [(0, true), (1, true)]);
    });
}

#[test]
fn a_panic_stays_in_its_worker() {
    let finished = AtomicUsize::new(0);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        glassloop::run_workers(3, |index| {
            let finished = &finished;
            async move {
                // A task that panics: its worker's loop goes on, as any loop does.
                let failed = glassloop::spawn(async { panic!("a task fails") }).await;
                assert!(failed.unwrap_err().is_panic());
                if index == 1 {
                    panic!("worker 1 gives up");
                }
                // The others finish their work after worker 1 has gone.
                glassloop::sleep(Duration::from_millis(50)).await;
                finished.fetch_add(1, Ordering::SeqCst);
            }
        })
    }));
    let payload = outcome.expect_err("run_workers passes the worker's panic on");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"worker 1 gives up"),
        "the panic passed on is the worker's own"
    );
    assert_eq!(
        finished.load(Ordering::SeqCst),
        2,
        "the other workers ran to the end"
    );
}

#[test]
#[should_panic(expected = "run_workers needs at least one worker")]
fn zero_workers_is_a_mistake() {
    glassloop::run_workers(0, |_| async {});
}
