//! `cargo run --example unix_echo` — an echo server on a Unix-domain socket (a path in the file
//! system, not a port) and two clients at once.
//!
//! ```python
//! async def echo(reader, writer):
//!     while data := await reader.read(64):
//!         writer.write(data); await writer.drain()
//!     writer.close()
//!
//! server = await asyncio.start_unix_server(echo, path="/tmp/echo.sock")
//! reader, writer = await asyncio.open_unix_connection("/tmp/echo.sock")
//! ```

use glassloop::net::{UnixListener, UnixStream};

fn main() -> std::io::Result<()> {
    let path =
        std::env::temp_dir().join(format!("glassloop-unix-echo-{}.sock", std::process::id()));
    let result = glassloop::run(async {
        let listener = UnixListener::bind(&path)?;
        println!("unix echo on {}", path.display());
        let server = glassloop::spawn(async move {
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().await?;
                drop(glassloop::spawn(async move {
                    let mut buf = [0u8; 64];
                    while let Ok(n @ 1..) = stream.read(&mut buf).await {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }));
            }
            Ok::<_, std::io::Error>(())
        });
        let clients = (1..=2).map(|i| {
            let path = path.clone();
            async move {
                let mut stream = UnixStream::connect(&path).await?;
                let message = format!("hello from client {i}");
                stream.write_all(message.as_bytes()).await?;
                let mut buf = [0u8; 64];
                let n = stream.read(&mut buf).await?;
                println!(
                    "  client {i} got back {:?}",
                    String::from_utf8_lossy(&buf[..n])
                );
                Ok::<_, std::io::Error>(())
            }
        });
        glassloop::try_gather(clients).await?;
        server.await.map_err(std::io::Error::other)?
    });
    // The socket file stays after the listener closes: remove it, as a server's shutdown would.
    let _ = std::fs::remove_file(&path);
    result
}
