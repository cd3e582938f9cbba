//! The peer of the HTTP load tests: the users API written with axum and served the usual way —
//! `axum::serve` on tokio's multi-thread runtime, SQLite queried on tokio's `spawn_blocking`
//! pool. This is what a Rust user would run instead of glassloop, so `scripts/load_users_api.sh
//! --server axum-tokio` measures it beside `users_api` and `axum_users` in the same conditions.
//!
//! ```python
//! # the same app on another server: uvicorn main:app --workers 2, with the runtime swapped
//! ```
//!
//! It answers what the glassloop servers answer: it shares their SQLite layer, their validation
//! (FastAPI's `422`s) and their JSON, included from `examples/users_api`; only the runtime and
//! the way a blocking query leaves the loop (`spawn_blocking` instead of `glassloop::to_thread`)
//! differ. SQLite only (the load tests' database); the memory table and the glassloop `Db`
//! in front of it are not used here.
//!
//! `cargo run --release -p glassloop-bench --bin axum_tokio_users -- [--port N] [--workers N]
//! [--db PATH] [--db-delay-ms N]`; it prints `listening on http://127.0.0.1:PORT` and serves
//! until Ctrl-C.
//!
//! Read next: `examples/axum_users/routes.rs`, the same routes on glassloop.

#[path = "../../../examples/users_api/app.rs"]
#[allow(dead_code)] // the routing, the memory table and glassloop's Db are the examples' own
mod app;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use app::db::Sqlite;
use app::{validation, Reply};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::Semaphore;

/// What every handler shares: the pool of connections and the simulated round trip.
#[derive(Clone)]
struct Db {
    sqlite: Sqlite,
    delay: Duration,
    /// One permit per pooled connection: a query waits here, on the runtime, for a free
    /// connection, rather than on a blocking thread (as deadpool's async pools make it wait).
    /// Without it, 1,000 requests start 512 blocking threads that queue on four connections.
    free: Arc<Semaphore>,
}

impl Db {
    /// Waits the round trip, then runs `query` on tokio's blocking pool.
    async fn query<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Sqlite) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, Reply> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let permit = self.free.clone().acquire_owned().await;
        let sqlite = self.sqlite.clone();
        let queried = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            query(&sqlite)
        });
        match queried.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(Reply::database_error(&app::DbError(error.to_string()))),
            Err(error) => Err(Reply::database_error(&app::DbError(error.to_string()))),
        }
    }
}

fn router(db: Db) -> Router {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{user_id}", get(get_user).delete(delete_user))
        .fallback(|| async { Answer(Reply::error(404, "Not Found")) })
        .method_not_allowed_fallback(|| async { Answer(Reply::error(405, "Method Not Allowed")) })
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .with_state(db)
}

async fn list_users(State(db): State<Db>, Query(query): Query<HashMap<String, String>>) -> Answer {
    let page = validation::page(
        query.get("limit").map(String::as_str),
        query.get("offset").map(String::as_str),
    );
    let (limit, offset) = match page {
        Ok(page) => page,
        Err(errors) => return Answer(Reply::unprocessable(errors)),
    };
    Answer(
        match db
            .query(move |sqlite| sqlite.list_users(limit, offset))
            .await
        {
            Ok(users) => {
                let mut json = app::JsonWriter::default();
                json.begin_array();
                for user in &users {
                    json.user(user);
                }
                json.end_array();
                Reply {
                    status: 200,
                    body: json.finish(),
                }
            }
            Err(reply) => reply,
        },
    )
}

async fn get_user(State(db): State<Db>, Path(user_id): Path<String>) -> Answer {
    let id = match user_id_from(&user_id) {
        Ok(id) => id,
        Err(reply) => return Answer(reply),
    };
    Answer(match db.query(move |sqlite| sqlite.get_user(id)).await {
        Ok(Some(user)) => Reply {
            status: 200,
            body: app::user_json(&user),
        },
        Ok(None) => Reply::error(404, "User not found"),
        Err(reply) => reply,
    })
}

async fn create_user(State(db): State<Db>, body: Bytes) -> Answer {
    let new = match validation::new_user(&body) {
        Ok(new) => new,
        Err(errors) => return Answer(Reply::unprocessable(errors)),
    };
    Answer(
        match db.query(move |sqlite| sqlite.create_user(&new)).await {
            Ok(user) => Reply {
                status: 201,
                body: app::user_json(&user),
            },
            Err(reply) => reply,
        },
    )
}

async fn delete_user(State(db): State<Db>, Path(user_id): Path<String>) -> Answer {
    let id = match user_id_from(&user_id) {
        Ok(id) => id,
        Err(reply) => return Answer(reply),
    };
    Answer(match db.query(move |sqlite| sqlite.delete_user(id)).await {
        Ok(true) => Reply {
            status: 204,
            body: app::Json(String::new()),
        },
        Ok(false) => Reply::error(404, "User not found"),
        Err(reply) => reply,
    })
}

fn user_id_from(text: &str) -> Result<u64, Reply> {
    match validation::path_id(text) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(Reply::error(404, "User not found")),
        Err(errors) => Err(Reply::unprocessable(errors)),
    }
}

/// A [`Reply`] as an axum response (JSON, or nothing for a 204).
struct Answer(Reply);

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let Answer(reply) = self;
        let status =
            StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status == StatusCode::NO_CONTENT {
            return status.into_response();
        }
        let content_type = [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )];
        (status, content_type, reply.body.0).into_response()
    }
}

fn main() -> ExitCode {
    let mut port = 8000u16;
    let mut workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut path = None;
    let mut delay = Duration::ZERO;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let parsed = match (arg.as_str(), value.as_deref()) {
            ("--port", Some(v)) => v.parse().map(|v| port = v).is_ok(),
            ("--workers", Some(v)) => v.parse().map(|v| workers = v).is_ok() && workers > 0,
            ("--db", Some(v)) => {
                path = Some(PathBuf::from(v));
                true
            }
            ("--db-delay-ms", Some(v)) => {
                v.parse().map(|v| delay = Duration::from_millis(v)).is_ok()
            }
            _ => false,
        };
        if !parsed {
            eprintln!(
                "usage: axum_tokio_users [--port N] [--workers N] [--db PATH] [--db-delay-ms N]"
            );
            return ExitCode::from(2);
        }
    }
    let temporary = path.is_none();
    let path = path.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "glassloop-axum_tokio_users-{}.sqlite3",
            std::process::id()
        ))
    });
    let sqlite = match Sqlite::open(&path) {
        Ok(sqlite) => sqlite,
        Err(error) => {
            eprintln!("axum_tokio_users: cannot open {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    };
    println!(
        "users: SQLite, {}; tokio, {workers} worker thread{}",
        path.display(),
        if workers == 1 { "" } else { "s" }
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let _ = std::io::stdout().flush();
        let free = Arc::new(Semaphore::new(app::db::sqlite::CONNECTIONS));
        let app = router(Db {
            sqlite,
            delay,
            free,
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    drop(runtime);
    if temporary {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("axum_tokio_users: {error}");
            ExitCode::FAILURE
        }
    }
}
