//! The users API served and fetched by hyper 1.x — the real ecosystem's HTTP library, unmodified,
//! on glassloop's sockets and timers.
//!
//! The endpoints are the very same as `examples/users_api`'s ([`app`], included from there): only
//! the HTTP engine changed, as moving a FastAPI app from uvicorn to hypercorn changes nothing in
//! the app.
//!
//! ```python
//! # the Python parallel: the same ASGI app, another server, an off-the-shelf client
//! hypercorn.asyncio.serve(app, config)
//! async with httpx.AsyncClient() as client:
//!     r = await client.get(f"{base}/users")
//! ```
//!
//! Server: `hyper::server::conn::http1` serves each accepted connection; a `service_fn` calls
//! [`app::route`]. Client: `hyper::client::conn::http1::handshake` over a glassloop `TcpStream`
//! gives a `SendRequest` (to send requests) and a `Connection` future (which drives the socket, and
//! which we spawn). Both go through [`adapter`]: [`adapter::FuturesIo`] for I/O and
//! [`adapter::GlassloopTimer`] for hyper's `header_read_timeout`.
//!
//! Entry points: [`demo`] (what `cargo run --example hyper_users` runs, and the tests), [`serve`],
//! [`connect`] and [`get`].

#[path = "adapter.rs"]
pub mod adapter;

#[path = "../users_api/app.rs"]
#[allow(dead_code)] // the app's own HTTP helpers are users_api's
pub mod app;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response, StatusCode};

use adapter::{FuturesIo, GlassloopTimer};
use app::Db;
use glassloop::net::{TcpListener, TcpStream};

/// The database delay of the demo.
pub const DEMO_DB_DELAY: Duration = Duration::from_millis(500);

/// How long the server gives a client to send a request head (hyper's `header_read_timeout`).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves the users API with hyper on `listener` until the future is dropped: one task per
/// connection, each running hyper's HTTP/1 connection future.
pub async fn serve(listener: TcpListener, db: Rc<Db>, header_read_timeout: Duration) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // The timer is what makes header_read_timeout work (hyper panics if one is set without it).
    http.timer(GlassloopTimer)
        .header_read_timeout(header_read_timeout);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                eprintln!("hyper_users: accept failed: {error}");
                glassloop::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let db = db.clone();
        // The service: a request in, a response out — with the endpoints of users_api.
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let db = db.clone();
            async move { Ok::<_, Infallible>(answer(&db, request).await) }
        });
        let connection = http.serve_connection(FuturesIo::new(stream), service);
        drop(glassloop::spawn(async move {
            // A client that vanishes or times out ends its own connection, nothing else.
            let _ = connection.await;
        }));
    }
}

/// The largest request body the hyper server reads (a larger one is answered 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Reads the request's body (at most [`MAX_BODY_BYTES`]), runs the app's router and turns its
/// [`app::Reply`] into a hyper `Response`.
async fn answer(db: &Db, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let reply = match http_body_util::Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => app::route(db, parts.method.as_str(), target, &body.to_bytes()).await,
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            app::Reply::error(413, "Content Too Large")
        }
        // The client went away or broke the framing mid-body; hyper closes the connection.
        Err(_) => app::Reply::error(400, "Bad Request"),
    };
    let mut response = Response::new(Full::new(Bytes::from(reply.body.0)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if reply.status != 204 {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
    }
    if reply.status == 405 {
        let allow = app::allowed_methods(target).unwrap_or(app::ALL_METHODS);
        response.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static(allow),
        );
    }
    response
}

/// Opens a hyper client connection to `addr`; the connection's driver runs as a spawned task
/// and ends when the returned `SendRequest` is dropped.
pub async fn connect(addr: SocketAddr) -> io::Result<SendRequest<Empty<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(FuturesIo::new(stream))
        .await
        .map_err(io::Error::other)?;
    drop(glassloop::spawn(async move {
        let _ = connection.await;
    }));
    Ok(sender)
}

/// `GET path` on an open hyper client connection; the status and the body as text.
pub async fn get(
    sender: &mut SendRequest<Empty<Bytes>>,
    path: &str,
) -> io::Result<(StatusCode, String)> {
    let request = Request::get(path)
        .header(hyper::header::HOST, "127.0.0.1")
        .body(Empty::new())
        .map_err(io::Error::other)?;
    // Wait until the connection can take a request (the previous answer has been read).
    sender.ready().await.map_err(io::Error::other)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(io::Error::other)?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// What [`demo`] saw.
#[derive(Debug)]
pub struct DemoReport {
    /// `(path, status, body, seconds on the loop's clock)` for each request on the keep-alive
    /// connection, in order.
    pub sequential: Vec<(String, StatusCode, String, Duration)>,
    /// How long three requests on three connections at once took together.
    pub concurrent: Duration,
}

/// Starts a hyper server on a free port, fetches from it with hyper's client — three requests one
/// after another on one keep-alive connection, then three at once on three connections — prints
/// what came back, and stops the server.
pub async fn demo(db_delay: Duration) -> io::Result<DemoReport> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = glassloop::spawn_named(
        "hyper server",
        serve(listener, Rc::new(Db::new(db_delay)), HEADER_READ_TIMEOUT),
    );
    println!(
        "hyper serving the users API on http://{addr} (database delay {:.3} s)",
        db_delay.as_secs_f64()
    );

    let mut sender = connect(addr).await?;
    let mut sequential = Vec::new();
    for path in ["/users", "/users/1", "/users/42"] {
        let start = glassloop::now();
        let (status, body) = get(&mut sender, path).await?;
        let took = glassloop::now() - start;
        println!(
            "  hyper client GET {path:<10} -> {status} in {:.3} s: {body}",
            took.as_secs_f64()
        );
        sequential.push((path.to_string(), status, body, took));
    }
    println!("  (those three shared one keep-alive connection)");
    drop(sender);

    let start = glassloop::now();
    let answers = glassloop::try_gather((1..=3).map(|id| async move {
        let mut sender = connect(addr).await?;
        get(&mut sender, &format!("/users/{id}")).await
    }))
    .await?;
    let concurrent = glassloop::now() - start;
    println!(
        "  three connections at once: {} answers in {:.3} s together",
        answers.len(),
        concurrent.as_secs_f64()
    );

    server.abort();
    Ok(DemoReport {
        sequential,
        concurrent,
    })
}
