//! The `http_get` demo: N concurrent GETs, and the total is the slowest one, not the sum — the
//! httpx / aiohttp idea.
//!
//! ```python
//! import asyncio, time
//! import httpx                # pip install httpx: the async client FastAPI's documentation uses
//!
//! urls = [f"http://127.0.0.1:8000/delay/{ms}" for ms in (300, 500, 800, 1000, 1200)]
//!
//! async def fetch(client, url):
//!     start = time.perf_counter()
//!     response = await client.get(url)
//!     print(url, response.status_code, f"{time.perf_counter() - start:.3f} s")
//!
//! async def main():
//!     async with httpx.AsyncClient() as client:
//!         await asyncio.gather(*(fetch(client, url) for url in urls))
//!
//! asyncio.run(main())
//! ```
//!
//! With no URLs, [`demo`] starts a small local server ([`start_delay_server`]) whose
//! `GET /delay/{ms}` answers after `ms` milliseconds of simulated work, and fetches five such URLs
//! at once. Each request prints when it finishes — in order of delay, not the order they were
//! started — and the total is the longest delay, because the loop waits on all five sockets at once.
//!
//! Entry points: [`demo`] (what `cargo run --example http_get` and the tour's day 4 run, on the
//! loop that awaits it; on virtual time it reports the same times instantly) and [`fetch_all`]
//! (given URLs).

#[path = "client.rs"]
pub mod client;

#[path = "../http1/server.rs"]
#[allow(dead_code)] // the delay server reads no header fields; the layer offers them
pub mod http1;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use glassloop::net::TcpListener;
use glassloop::{JoinHandle, TaskGroup};

/// The simulated delays of the demo's five requests, in milliseconds.
pub const DEMO_DELAYS_MS: [u64; 5] = [800, 300, 1200, 500, 1000];

/// How long one request may take before it is given up.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One finished GET.
#[derive(Debug)]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// The response, or what went wrong.
    pub result: io::Result<client::Response>,
    /// From the request's start to its end, on the loop's clock.
    pub elapsed: Duration,
}

/// What a run of [`fetch_all`] measured.
#[derive(Debug)]
pub struct Report {
    /// Every request, in the order of the URLs given.
    pub fetched: Vec<Fetched>,
    /// From the first request's start to the last one's end.
    pub total: Duration,
}

impl Report {
    /// The sum of every request's time: what fetching them one after another would have cost.
    pub fn sum(&self) -> Duration {
        self.fetched.iter().map(|f| f.elapsed).sum()
    }

    /// The longest single request.
    pub fn slowest(&self) -> Duration {
        self.fetched
            .iter()
            .map(|f| f.elapsed)
            .max()
            .unwrap_or_default()
    }
}

/// The demo: starts the local delay server, fetches [`DEMO_DELAYS_MS`] from it all at once, prints
/// what happened, stops the server. Runs on whichever loop awaits it (real or virtual time).
pub async fn demo() -> io::Result<Report> {
    let (addr, server) = start_delay_server().await?;
    let urls: Vec<String> = DEMO_DELAYS_MS
        .iter()
        .map(|ms| format!("http://{addr}/delay/{ms}"))
        .collect();
    println!(
        "{} GETs at once against a local server on {addr}, each answered after a simulated delay:",
        urls.len()
    );
    let report = fetch_all(urls).await;
    server.abort(); // asyncio: server.close() — the listener and its connections go away
    Ok(report)
}

/// GETs every URL at once — `asyncio.gather(*(client.get(u) for u in urls))` — printing each
/// response as it arrives and the totals at the end.
pub async fn fetch_all(urls: Vec<String>) -> Report {
    let start = glassloop::now();
    let fetches = urls.into_iter().map(|url| async move {
        let begun = glassloop::now();
        let result = glassloop::timeout(REQUEST_TIMEOUT, client::get(&url))
            .await
            .unwrap_or_else(|elapsed| Err(elapsed.into()));
        let elapsed = glassloop::now() - begun;
        match &result {
            Ok(response) => println!(
                "  {:<40} {} {:<9} {:>6} bytes in {:.3} s",
                url,
                response.status,
                response.reason,
                response.body.len(),
                elapsed.as_secs_f64()
            ),
            Err(error) => println!("  {url:<40} failed after {:.3} s: {error}", secs(elapsed)),
        }
        Fetched {
            url,
            result,
            elapsed,
        }
    });
    let fetched = glassloop::gather(fetches).await;
    let report = Report {
        fetched,
        total: glassloop::now() - start,
    };
    println!(
        "total: {:.3} s for {} requests — the slowest one took {:.3} s; one after another they \
         would have taken {:.3} s",
        secs(report.total),
        report.fetched.len(),
        secs(report.slowest()),
        secs(report.sum())
    );
    report
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

// ---------------------------------------------------------------------------------------------
// The local server the demo talks to
// ---------------------------------------------------------------------------------------------

/// The longest delay the server agrees to simulate.
const MAX_DELAY_MS: u64 = 60_000;

/// Starts a tiny HTTP server on a free port of 127.0.0.1 and returns its address and the task
/// that runs it (abort it to stop the server). `GET /delay/{ms}` answers `200` after `ms`
/// milliseconds, anything else `404`. It speaks HTTP/1.1 through the same layer as
/// `examples/users_api` ([`http1`], `examples/http1/server.rs`): a stand-in for a slow web API,
/// with a real server's manners.
pub async fn start_delay_server() -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = glassloop::spawn_named("delay server", async move {
        // What the connections share: how the server presents itself, and whether it is closing
        // (never: aborting the task is how this server stops).
        let shared = Rc::new((
            http1::Options {
                limits: http1::Limits::default(),
                name: "glassloop-delay-server",
                allow: "GET, HEAD",
                log_requests: false,
                refusal: |status, detail| http1::Response::text(status, &format!("{detail}\n")),
            },
            http1::Serving::default(),
        ));
        // The connections belong to this task's group: aborting the server drops the group, which
        // cancels them (asyncio's TaskGroup, glassloop's `TaskGroup`).
        let connections: TaskGroup<Infallible> = TaskGroup::new();
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    let shared = shared.clone();
                    drop(connections.spawn(async move {
                        let (options, serving) = &*shared;
                        http1::serve_connection(stream, peer, options, serving, answer).await;
                        Ok(())
                    }))
                }
                Err(error) => {
                    eprintln!("delay server: accept failed: {error}");
                    glassloop::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok((addr, server))
}

/// One request: wait the delay its path asks for, then answer.
async fn answer(request: http1::Request) -> http1::Response {
    let path = request.target.split('?').next().unwrap_or_default();
    let delay_ms = path
        .strip_prefix("/delay/")
        .and_then(|ms| ms.parse::<u64>().ok())
        .filter(|ms| *ms <= MAX_DELAY_MS);
    match (request.method.as_str(), delay_ms) {
        ("GET" | "HEAD", Some(ms)) => {
            glassloop::sleep(Duration::from_millis(ms)).await; // the simulated slow work
            http1::Response::text(200, &format!("waited {ms} ms\n"))
        }
        (_, Some(_)) => {
            let mut response = http1::Response::text(405, "GET or HEAD only\n");
            response.headers.push(("Allow", "GET, HEAD".to_string()));
            response
        }
        (_, None) => http1::Response::text(404, "try /delay/500\n"),
    }
}
