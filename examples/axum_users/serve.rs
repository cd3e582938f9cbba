//! axum's `Router` served by hyper's HTTP/1 connections on glassloop's sockets — the part
//! `uvicorn` plays for a FastAPI app, with no tokio runtime in the process.
//!
//! ```python
//! config = uvicorn.Config(app, port=8000)
//! server = uvicorn.Server(config)
//! await server.serve()            # until the signal; then finish what is in flight
//! ```
//!
//! axum's own `axum::serve` needs tokio (its listener is a tokio `TcpListener`), so it is not
//! used; what it does is short enough to write here. A `Router` is a tower `Service`: a request
//! in, a future of a response out. hyper's `serve_connection` wants a `hyper::service::Service`;
//! a `service_fn` bridges the two, asking the router whether it is ready (a `Router` always is)
//! and then calling it. The sockets and the timer reach hyper through `hyper_users`' [`adapter`].
//!
//! Stopping, as uvicorn does: [`serve_until`] stops accepting when its `stop` future completes,
//! tells every open connection to finish the request it is on and then close (hyper's
//! `graceful_shutdown`), and waits for them for at most a grace period; what is still open after
//! it is cancelled. The connections live in a [`glassloop::TaskGroup`], so none outlives the server.
//!
//! Read next: [`routes.rs`](routes), the application.

#[path = "../hyper_users/adapter.rs"]
pub mod adapter;

#[path = "routes.rs"]
pub mod routes;

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use tower_service::Service;

use adapter::{FuturesIo, GlassloopTimer};
use glassloop::net::TcpListener;
use glassloop::sync::Event;
use glassloop::TaskGroup;

/// How long a client may take to send a request head (hyper's `header_read_timeout`).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How a [`serve_until`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Connections accepted, over the whole run.
    pub connections: usize,
    /// Connections still open at the end of the grace period, and so cancelled.
    pub cancelled: usize,
}

/// Serves `router` on `listener` until `stop` completes, then shuts down gracefully (at most
/// `grace` for the connections to finish).
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    stop: impl Future<Output = ()>,
    grace: Duration,
) -> Stopped {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(GlassloopTimer)
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connections = TaskGroup::<Infallible>::new();
    let stopping = Rc::new(Event::new());
    let mut accepted = 0;
    // Connections that ended by themselves (not cancelled at the end of the grace period).
    let closed = Rc::new(Cell::new(0usize));

    let accepting = async {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors, most likely: wait a little rather than spin.
                    eprintln!("axum_users: accept failed: {error}");
                    glassloop::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            accepted += 1;
            let router = router.clone();
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let mut router = router.clone();
                async move {
                    // tower's contract: ask before calling. (A Router is always ready.)
                    std::future::poll_fn(|cx| {
                        Service::<Request<Incoming>>::poll_ready(&mut router, cx)
                    })
                    .await?;
                    router.call(request).await
                }
            });
            let connection = http.serve_connection(FuturesIo::new(stream), service);
            let stopping = stopping.clone();
            let closed = closed.clone();
            drop(connections.spawn(async move {
                let mut connection = std::pin::pin!(connection);
                let stop_asked = glassloop::race(
                    async {
                        // A client that vanishes or times out ends its own connection only.
                        let _ = connection.as_mut().await;
                        false
                    },
                    async {
                        stopping.wait().await;
                        true
                    },
                )
                .await;
                if stop_asked {
                    // Finish the request in progress (if any), then close.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
                closed.set(closed.get() + 1);
                Ok(())
            }));
        }
    };
    glassloop::race(accepting, stop).await;

    // No new connections from here on; the open ones are told to finish.
    drop(listener);
    stopping.set();
    // If the grace period ends first, the timeout drops the group, and with it (cancelled)
    // every connection still open.
    let _ = glassloop::timeout(grace, connections.join()).await;
    Stopped {
        connections: accepted,
        cancelled: accepted - closed.get(),
    }
}
