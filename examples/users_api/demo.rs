//! The users API, demonstrated from the inside: start the server on a free port, call it the way a
//! client would, print what comes back and how long it took, stop it — the tour's day 5. First
//! with the tutorial's pretend database (every call a 1 s sleep, so the overlap shows), then on
//! SQLite, the real database the `users_api` program uses by default.
//!
//! ```python
//! server = await asyncio.start_server(...)          # uvicorn, in-process
//! async with httpx.AsyncClient() as client:
//!     r = await client.get(f"{base}/users")                                   # 1 s
//!     rs = await asyncio.gather(*(client.get(f"{base}/users/{i}") for i in (1, 2, 3)))  # 1 s, not 3
//! server.close()
//! # then the same app on aiosqlite: a real file, each query on the connection's thread
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
    /// The status of the `POST /users` sent to the server on SQLite.
    pub sqlite_created: u16,
    /// How many of [`DEMO_CLIENTS`] clients at once the server on SQLite answered `200`.
    pub sqlite_answered: usize,
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

    let (sqlite_created, sqlite_answered) = on_sqlite().await?;
    Ok(DemoTimings {
        all_users,
        three_users,
        unknown_user_status,
        many_clients,
        sqlite_created,
        sqlite_answered,
    })
}

/// The second half of the day: the same server on a real database — SQLite in a file, every
/// query on a `to_thread` helper (aiosqlite's way), no pretend delay. A write, a page, and many
/// clients at once; the file is removed at the end. Returns the write's status and how many of
/// the clients were answered `200`.
async fn on_sqlite() -> io::Result<(u16, usize)> {
    let path = std::env::temp_dir().join(format!(
        "glassloop-tour-users-{}.sqlite3",
        std::process::id()
    ));
    let remove = |path: &std::path::Path| {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    };
    remove(&path);
    let sqlite = server::app::db::Sqlite::open(&path).map_err(io::Error::other)?;
    let config = server::Config {
        database: server::Database::Sqlite(sqlite),
        db_delay: Duration::ZERO,
        ..server::Config::default()
    };
    let (addr, server_task) = start_on_free_port(config).await?;
    println!(
        "users_api on SQLite now, on http://{addr}: a real file, each query on a to_thread helper \
         (as aiosqlite does), no pretend delay"
    );

    let body = r#"{"name":"Alan Turing","email":"alan@example.com"}"#;
    let start = glassloop::now();
    let created = post(addr, "/users", body).await?;
    println!(
        "  POST /users     -> {} in {:.1} ms: {}",
        created.status,
        millis(glassloop::now() - start),
        created.text()
    );
    let page = client::get(&format!("http://{addr}/users?limit=2&offset=4")).await?;
    println!(
        "  GET /users?limit=2&offset=4 -> {}: {}",
        page.status,
        page.text()
    );
    let start = glassloop::now();
    let statuses = glassloop::try_gather((0..DEMO_CLIENTS).map(|i| {
        let url = format!("http://{addr}/users/{}", i % 6 + 1);
        async move { client::get(&url).await.map(|r| r.status) }
    }))
    .await?;
    let answered = statuses.iter().filter(|s| **s == 200).count();
    println!(
        "  {DEMO_CLIENTS} clients at once: {answered} answered 200 in {:.1} ms — the queries took \
         turns on four pooled connections while the loop served the sockets",
        millis(glassloop::now() - start)
    );
    server_task.abort();
    // The task is gone once the abort is seen; then the pool (and its file handles) with it.
    let _ = server_task.await;
    remove(&path);
    println!("  server stopped, database file removed");
    Ok((created.status, answered))
}

/// `POST path` with a JSON body, on a connection of its own.
async fn post(addr: SocketAddr, path: &str, json: &str) -> io::Result<client::Response> {
    let mut stream = client::connect(&addr.ip().to_string(), addr.port()).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut buffer = Vec::new();
    client::read_response(&mut stream, &mut buffer).await
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
