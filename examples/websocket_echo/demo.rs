//! A WebSocket echo server and client, with async-tungstenite running unmodified on glassloop —
//! the Python `websockets` library's first example.
//!
//! ```python
//! async def echo(websocket):
//!     async for message in websocket:
//!         await websocket.send(message)
//!
//! async with websockets.serve(echo, "127.0.0.1", 0) as server:
//!     async with websockets.connect(uri) as ws:
//!         await ws.send("hello")
//!         print(await ws.recv())
//! ```
//!
//! async-tungstenite is written against the standard `futures_io::AsyncRead` / `AsyncWrite` traits,
//! which glassloop's `TcpStream` implements, so no adapter at all is needed: `accept_async(stream)`
//! on the server's side, `client_async(url, stream)` on the client's, and both return a
//! `WebSocketStream` that is a `Stream` of messages with a `send` method.
//!
//! Entry points: [`demo`] (what `cargo run --example websocket_echo` runs, and the tests),
//! [`serve`] and [`connect`].
//!
//! The server gives a client [`OPEN_TIMEOUT`] to complete the handshake; after that, a connection
//! lasts as long as the client keeps it (the `websockets` library would also ping an idle client
//! and drop it if no pong came back; this echo does not).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use async_tungstenite::tungstenite::Message;
use async_tungstenite::WebSocketStream;
use futures_util::StreamExt;
use glassloop::net::{TcpListener, TcpStream};

/// The messages the demo's first client sends.
pub const DEMO_MESSAGES: [&str; 3] = ["hello", "glassloop speaks WebSocket", "ünïcödé ✓"];

/// How many clients the demo then runs at once.
pub const DEMO_CLIENTS: usize = 10;

/// How long a client has to complete the opening handshake — the `websockets` library's
/// `open_timeout` (10 s there too).
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves the echo on `listener` until dropped: a task per connection, each echoing text and
/// binary messages back until the client closes. (Pings are answered and closes completed by
/// tungstenite itself.)
pub async fn serve(listener: TcpListener) {
    serve_with_open_timeout(listener, OPEN_TIMEOUT).await
}

/// [`serve`], with a client that has not completed the opening handshake after `open_timeout`
/// disconnected. Without such a limit, a client that sends half a handshake and then nothing
/// would hold its connection (a task, a socket, a buffer) for ever; a few thousand of them would
/// exhaust the server — the "slowloris" attack. (The fuzz tests found exactly that.)
pub async fn serve_with_open_timeout(listener: TcpListener, open_timeout: Duration) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => drop(glassloop::spawn(async move {
                if let Err(error) = echo(stream, open_timeout).await {
                    eprintln!("websocket_echo: a connection ended with an error: {error}");
                }
            })),
            Err(error) => {
                eprintln!("websocket_echo: accept failed: {error}");
                glassloop::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One connection: the handshake, then `async for message in websocket: await websocket.send(message)`.
async fn echo(
    stream: TcpStream,
    open_timeout: Duration,
) -> Result<(), async_tungstenite::tungstenite::Error> {
    let handshake = glassloop::timeout(open_timeout, async_tungstenite::accept_async(stream));
    let mut websocket = match handshake.await {
        Ok(handshake) => handshake?,
        // Dropping the handshake's future dropped the socket with it: the connection is closed.
        Err(elapsed) => return Err(io::Error::new(io::ErrorKind::TimedOut, elapsed).into()),
    };
    while let Some(message) = websocket.next().await {
        let message = message?;
        if message.is_text() || message.is_binary() {
            websocket.send(message).await?;
        }
    }
    Ok(())
}

/// Opens a WebSocket to `ws://addr/echo`.
pub async fn connect(addr: SocketAddr) -> io::Result<WebSocketStream<TcpStream>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (websocket, _response) =
        async_tungstenite::client_async(format!("ws://{addr}/echo"), stream)
            .await
            .map_err(io::Error::other)?;
    Ok(websocket)
}

/// Sends `message` and waits for the next text or binary message back.
pub async fn round_trip(
    websocket: &mut WebSocketStream<TcpStream>,
    message: Message,
) -> io::Result<Message> {
    websocket.send(message).await.map_err(io::Error::other)?;
    loop {
        match websocket.next().await {
            Some(Ok(reply)) if reply.is_text() || reply.is_binary() => return Ok(reply),
            Some(Ok(_control)) => continue, // a ping or pong
            Some(Err(error)) => return Err(io::Error::other(error)),
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the WebSocket before answering",
                ))
            }
        }
    }
}

/// Closes `websocket` with the close handshake: send Close, then read until the server's Close
/// answers it and the stream ends.
pub async fn close(mut websocket: WebSocketStream<TcpStream>) -> io::Result<()> {
    websocket.close(None).await.map_err(io::Error::other)?;
    while let Some(message) = websocket.next().await {
        if let Err(error) = message {
            return Err(io::Error::other(error));
        }
    }
    Ok(())
}

/// What [`demo`] saw.
#[derive(Debug)]
pub struct DemoReport {
    /// The first client's echoes, in order: the texts, then the binary message's length.
    pub echoes: Vec<String>,
    /// How many of the [`DEMO_CLIENTS`] concurrent clients got their own message back.
    pub concurrent_echoes: usize,
}

/// Starts the echo server on a free port; one client sends [`DEMO_MESSAGES`] and a binary
/// message and prints the echoes; then [`DEMO_CLIENTS`] clients talk at once; then it stops.
pub async fn demo() -> io::Result<DemoReport> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = glassloop::spawn_named("websocket echo server", serve(listener));
    println!("WebSocket echo server on ws://{addr}/echo");

    let mut websocket = connect(addr).await?;
    let mut echoes = Vec::new();
    for text in DEMO_MESSAGES {
        let start = glassloop::now();
        let reply = round_trip(&mut websocket, Message::text(text)).await?;
        let reply = reply.into_text().map_err(io::Error::other)?.to_string();
        println!(
            "  sent {text:?}, echoed {reply:?} after {} µs",
            (glassloop::now() - start).as_micros()
        );
        echoes.push(reply);
    }
    let binary: Vec<u8> = (0..=255).collect();
    let reply = round_trip(&mut websocket, Message::binary(binary.clone())).await?;
    let reply = reply.into_data();
    println!(
        "  sent {} bytes of binary, echoed {} bytes, {}",
        binary.len(),
        reply.len(),
        if reply[..] == binary[..] {
            "identical"
        } else {
            "DIFFERENT"
        }
    );
    echoes.push(format!("{} bytes", reply.len()));
    close(websocket).await?;
    println!("  closed with the close handshake");

    // Many clients at once, each on its own connection (and its own server task).
    let replies = glassloop::try_gather((0..DEMO_CLIENTS).map(|i| async move {
        let mut websocket = connect(addr).await?;
        let sent = format!("client {i}");
        let reply = round_trip(&mut websocket, Message::text(sent.clone())).await?;
        close(websocket).await?;
        Ok::<_, io::Error>(reply.into_text().is_ok_and(|text| *text == sent))
    }))
    .await?;
    let concurrent_echoes = replies.iter().filter(|ok| **ok).count();
    println!("  {DEMO_CLIENTS} clients at once: {concurrent_echoes} got their own message back");

    server.abort();
    Ok(DemoReport {
        echoes,
        concurrent_echoes,
    })
}
