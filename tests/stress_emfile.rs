//! Running out of file descriptors: `accept` fails with EMFILE, and no new readiness edge will come
//! for the connections still waiting. The listener must back off and retry — not spin, not die —
//! and accept them all once descriptors are free again.
//!
//! This lowers the process's descriptor limit, so it lives alone in its own test binary.

use std::time::{Duration, Instant};

use glassloop::net::TcpListener;

/// Descriptors open in this process right now.
fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count() as u64)
}

#[test]
fn accept_backs_off_on_emfile_and_recovers() {
    const CLIENTS: usize = 12;
    glassloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Clients connect from plain std sockets; the kernel completes their handshakes into the
        // listen backlog before anyone accepts.
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();

        // Leave room for only 4 more descriptors.
        let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        let soft = open_fds() + 4;
        rlimit::setrlimit(rlimit::Resource::NOFILE, soft, hard).unwrap();

        let start = Instant::now();
        let mut room = 0;
        let mut stalls = 0;
        let mut accepted = Vec::new();
        let mut total = 0;
        while total < CLIENTS {
            let next = glassloop::timeout(Duration::from_millis(500), listener.accept()).await;
            match next {
                Ok(Ok((stream, _))) => {
                    accepted.push(stream);
                    total += 1;
                }
                Ok(Err(error)) => panic!("accept gave up: {error}"),
                Err(_) => {
                    // Stuck on EMFILE: free descriptors, as a server would when connections end
                    // (and allow a few more).
                    let freed = accepted.len() as u64;
                    accepted.clear();
                    room += freed + 2;
                    rlimit::setrlimit(rlimit::Resource::NOFILE, soft + room, hard).unwrap();
                    stalls += 1;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "accept never recovered"
            );
        }
        assert!(
            stalls > 0,
            "the limit was never reached: the test proved nothing"
        );
        drop(clients);
    });
}
