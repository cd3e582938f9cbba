//! `cargo run --example udp_echo` — a UDP echo server and a client, in one program: datagrams,
//! each sent and received whole, with no connection.
//!
//! ```python
//! class Echo(asyncio.DatagramProtocol):
//!     def connection_made(self, transport): self.transport = transport
//!     def datagram_received(self, data, addr): self.transport.sendto(data, addr)
//!
//! transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
//! ```

use glassloop::net::UdpSocket;

fn main() -> std::io::Result<()> {
    glassloop::run(async {
        let server = UdpSocket::bind("127.0.0.1:0").await?;
        let addr = server.local_addr()?;
        println!("udp echo on {addr}");
        let echo = glassloop::spawn(async move {
            let mut buf = [0u8; 1500];
            for _ in 0..3 {
                let (n, from) = server.recv_from(&mut buf).await?;
                server.send_to(&buf[..n], from).await?;
            }
            Ok::<_, std::io::Error>(())
        });
        let client = UdpSocket::bind("127.0.0.1:0").await?;
        client.connect(addr).await?;
        let mut buf = [0u8; 1500];
        for message in ["ping", "a longer datagram", "bye"] {
            client.send(message.as_bytes()).await?;
            let n = client.recv(&mut buf).await?;
            println!(
                "  sent {message:?}, got back {:?}",
                String::from_utf8_lossy(&buf[..n])
            );
        }
        echo.await.map_err(std::io::Error::other)?
    })
}
