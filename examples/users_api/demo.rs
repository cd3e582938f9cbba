//! The users API, demonstrated from the inside: start the server on a free port, call it the way a
//! client would, print what comes back and how long it took, stop it — the tour's day 5.
//!
//! ```python
//! server = await asyncio.start_server(...)          # uvicorn, in-process
//! async with httpx.AsyncClient() as client:
//!     r = await client.get(f"{base}/users")                                   # 1 s
//!     rs = await asyncio.gather(*(client.get(f"{base}/users/{i}") for i in (1, 2, 3)))  # 1 s, not 3
//! server.close()
//! ```
//!
//! This file is not part of the `users_api` program (which serves until Ctrl-C); the tour and the
//! tests include it with `#[path = "…/users_api/demo.rs"] mod users_api;`, which brings the server
//! ([`server`]) and the HTTP client from `examples/http_get` ([`client`]) along.
//!
//! Entry points: [`demo`] (prints the walk-through; runs on whichever loop awaits it, real or
//! virtual time) and [`start_on_free_port`].

#[path = "server.rs"]
pub mod server;

#[path = "../http_get/client.rs"]
pub mod client;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use glassloop::net::TcpListener;
use glassloop::JoinHandle;

/// The database delay the demo's server uses.
pub const DEMO_DB_DELAY: Duration = Duration::from_secs(1);

/// How many clients the demo's last step sends at once.
pub const DEMO_CLIENTS: usize = 100;

/// Binds a free port on 127.0.0.1, spawns [`server::serve`] on the running loop, and returns the
/// address and the server's task — abort it to stop the server and close its connections.
pub async fn start_on_free_port(
    config: server::Config,
) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = glassloop::spawn_named("users_api server", server::serve(listener, config));
    Ok((addr, task))
}

/// What the demo measured, on the loop's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTimings {
    /// `GET /users`.
    pub all_users: Duration,
    /// `GET /users/1`, `/users/2`, `/users/3` at once.
    pub three_users: Duration,
    /// The status of `GET /users/42`.
    pub unknown_user_status: u16,
    /// [`DEMO_CLIENTS`] clients at once.
    pub many_clients: Duration,
}

/// The walk-through: start, four rounds of requests, stop. Prints as it goes.
pub async fn demo() -> io::Result<DemoTimings> {
    let config = server::Config {
        db_delay: DEMO_DB_DELAY,
        ..server::Config::default()
    };
    let (addr, server_task) = start_on_free_port(config).await?;
    let base = format!("http://{addr}");
    println!(
        "users_api listening on {base} (every database call takes {:.3} s)",
        secs(DEMO_DB_DELAY)
    );

    // One request: one database delay.
    let start = glassloop::now();
    let response = client::get(&format!("{base}/users")).await?;
    let all_users = glassloop::now() - start;
    println!(
        "  GET /users      -> {} in {:.3} s: {}",
        response.status,
        secs(all_users),
        response.text()
    );

    // Three at once: still one delay, because the server awaits the three calls together.
    let start = glassloop::now();
    let three = glassloop::try_gather((1..=3).map(|id| {
        let url = format!("{base}/users/{id}");
        async move {
            let response = client::get(&url).await?;
            println!(
                "  GET /users/{id}    -> {} after {:.3} s: {}",
                response.status,
                secs(glassloop::now() - start),
                response.text()
            );
            Ok::<_, io::Error>(response)
        }
    }))
    .await?;
    let three_users = glassloop::now() - start;
    println!(
        "  {} requests at once took {:.3} s together, not {:.3} s",
        three.len(),
        secs(three_users),
        secs(DEMO_DB_DELAY * 3)
    );

    let response = client::get(&format!("{base}/users/42")).await?;
    println!(
        "  GET /users/42   -> {} {}: {}",
        response.status,
        response.reason,
        response.text()
    );
    let unknown_user_status = response.status;

    // Many clients: one task per connection on the server, one future per client here.
    let start = glassloop::now();
    let statuses = glassloop::try_gather((0..DEMO_CLIENTS).map(|i| {
        let url = format!("{base}/users/{}", i % 5 + 1);
        async move { client::get(&url).await.map(|r| r.status) }
    }))
    .await?;
    let many_clients = glassloop::now() - start;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    println!(
        "  {DEMO_CLIENTS} clients at once: {ok} answered 200 in {:.3} s — one database delay, \
         not {DEMO_CLIENTS}",
        secs(many_clients)
    );

    server_task.abort();
    println!("  server stopped");
    Ok(DemoTimings {
        all_users,
        three_users,
        unknown_user_status,
        many_clients,
    })
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
