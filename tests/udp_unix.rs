//! `net::UdpSocket` (asyncio's datagram endpoint) and `net::UnixListener` / `UnixStream`
//! (`start_unix_server`, `open_unix_connection`): echo, datagram boundaries, a datagram larger than
//! the buffer, `connect` filtering peers, a socket path that exists already, a path with no socket
//! — and the loop serving other tasks meanwhile.

use std::cell::Cell;
use std::io::ErrorKind;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use glassloop::net::{UdpSocket, UnixListener, UnixStream};

#[test]
fn udp_echoes_datagrams_whole_and_in_order_while_another_task_ticks() {
    glassloop::run(async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let echo = glassloop::spawn(async move {
            let mut buf = [0u8; 1500];
            for _ in 0..3 {
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                server.send_to(&buf[..n], from).await.unwrap();
            }
        });
        let ticks = Rc::new(Cell::new(0));
        let ticker = {
            let ticks = ticks.clone();
            glassloop::spawn(async move {
                loop {
                    glassloop::sleep(Duration::from_millis(1)).await;
                    ticks.set(ticks.get() + 1);
                }
            })
        };
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0u8; 1500];
        for message in [&b"one"[..], b"two, longer", b"3"] {
            client.send_to(message, server_addr).await.unwrap();
            let (n, from) = client.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], message, "each datagram comes back whole, alone");
            assert_eq!(from, server_addr);
        }
        echo.await.unwrap();
        glassloop::sleep(Duration::from_millis(20)).await;
        assert!(ticks.get() > 0, "the loop ran the ticker meanwhile");
        ticker.abort();
    });
}

#[test]
fn a_datagram_larger_than_the_buffer_is_cut_and_the_next_one_is_whole() {
    glassloop::run(async {
        let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = receiver.local_addr().unwrap();
        sender.send_to(&[7u8; 1000], to).await.unwrap();
        sender.send_to(b"next", to).await.unwrap();
        let mut small = [0u8; 100];
        let (n, _) = receiver.recv_from(&mut small).await.unwrap();
        assert_eq!(n, 100, "cut to the buffer");
        assert!(small.iter().all(|&b| b == 7));
        let (n, _) = receiver.recv_from(&mut small).await.unwrap();
        assert_eq!(
            &small[..n],
            b"next",
            "the rest of the first was dropped, not mixed in"
        );
    });
}

#[test]
fn a_connected_udp_socket_takes_only_its_peers_datagrams() {
    glassloop::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        stranger
            .send_to(b"not for you", a.local_addr().unwrap())
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let waited = glassloop::timeout(Duration::from_millis(100), a.recv(&mut buf)).await;
        assert!(
            waited.is_err(),
            "the stranger's datagram was dropped by the kernel"
        );
        b.send_to(b"hello", a.local_addr().unwrap()).await.unwrap();
        let n = a.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        a.send(b"back").await.unwrap();
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"back"[..], a.local_addr().unwrap()));
    });
}

/// A socket path of its own, removed before and after.
struct SocketPath(PathBuf);

impl SocketPath {
    fn new(name: &str) -> SocketPath {
        let path =
            std::env::temp_dir().join(format!("glassloop-{name}-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        SocketPath(path)
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_unix_server_echoes_two_clients_at_once_and_sees_their_end() {
    let path = SocketPath::new("echo");
    let path_for_clients = path.0.clone();
    glassloop::run(async move {
        let listener = UnixListener::bind(&path.0).unwrap();
        let server = glassloop::spawn(async move {
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().await.unwrap();
                drop(glassloop::spawn(async move {
                    let mut buf = [0u8; 64];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            return; // the client half-closed: done
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                    }
                }));
            }
        });
        let clients = (0..2).map(|i| {
            let path = path_for_clients.clone();
            async move {
                let mut stream = UnixStream::connect(&path).await.unwrap();
                let message = format!("client {i}");
                stream.write_all(message.as_bytes()).await.unwrap();
                let mut buf = [0u8; 64];
                let n = stream.read(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], message.as_bytes());
                stream.shutdown(std::net::Shutdown::Write).unwrap();
                assert_eq!(
                    stream.read(&mut buf).await.unwrap(),
                    0,
                    "the server closed too"
                );
            }
        });
        glassloop::gather(clients).await;
        server.await.unwrap();
    });
}

#[test]
fn a_socket_path_that_exists_already_is_a_clear_error() {
    let path = SocketPath::new("taken");
    std::fs::write(&path.0, b"left over").unwrap();
    glassloop::run(async {
        let error = UnixListener::bind(&path.0).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse);
        assert!(
            error.to_string().contains(&path.0.display().to_string()),
            "{error}"
        );
        assert!(error.to_string().contains("remove it first"), "{error}");
    });
    assert_eq!(
        std::fs::read(&path.0).unwrap(),
        b"left over",
        "nothing was removed"
    );
}

#[test]
fn connecting_to_a_path_with_no_socket_is_not_found() {
    glassloop::run(async {
        let missing = std::env::temp_dir().join("glassloop-no-such-socket.sock");
        let error = UnixStream::connect(&missing).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
    });
}
