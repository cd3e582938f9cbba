//! The users API written with axum's `Router` — the file a FastAPI user would recognise as their
//! own: one handler per endpoint, its parameters taken by extractors, the database in shared state.
//!
//! ```python
//! app = FastAPI()
//!
//! @app.get("/users")
//! async def get_users(limit: int = Query(100, ge=0, le=1000), offset: int = Query(0, ge=0)): ...
//! @app.get("/users/{user_id}")
//! async def get_user(user_id: int): ...
//! @app.post("/users", status_code=201)
//! async def create_user(user: UserCreate): ...
//! @app.delete("/users/{user_id}", status_code=204)
//! async def delete_user(user_id: int): ...
//! ```
//!
//! The endpoints answer exactly what `users_api`'s hand-written router answers, byte for byte
//! (`tests/axum_users.rs` sends both the same requests): they share its database ([`app::db`]),
//! its validation ([`app::validation`], FastAPI's `422` documents) and its JSON ([`app::Reply`]).
//! What axum adds is the routing table, the extractors and the `405` with its `Allow` header.
//!
//! Two choices, and why:
//!
//! - **Ids and bodies are taken as text and bytes**, then validated by [`app::validation`].
//!   axum's typed extractors (`Path<u64>`, `Json<T>`) would reject bad input with axum's own
//!   plain-text messages (a `400` for a bad path id); FastAPI answers `422` with a JSON `detail`,
//!   and this is FastAPI's twin. (The body is read by the handler, for the reasons at
//!   [`create_user`].)
//! - **The database is an `Arc<Db>`**: axum runs handlers as `Send` futures (tokio could move them
//!   between threads, and axum's types say so whatever the runtime). [`Db`] is `Send + Sync`, and
//!   the futures of its methods are `Send` — across their `.await`s they hold only a `&Db`, a
//!   `glassloop::Sleep` and a `to_thread` handle — so the very type the hand-written server uses
//!   through an `Rc` serves here through an `Arc`. On glassloop the futures still never leave the
//!   loop's thread: `Send` is a promise axum asks for, not something glassloop needs.
//!
//! Read next: [`serve.rs`](super), where hyper serves this router on glassloop's sockets.

#[path = "../users_api/app.rs"]
#[allow(dead_code)] // axum does the routing: the hand-written router goes unused here
pub mod app;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use app::{validation, Db, Reply};

/// The largest request body read (a larger one is answered `413`), as `users_api`'s default.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a request body may take to arrive, as `users_api`'s default read timeout.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The application: every route of the users API over `db`.
pub fn router(db: Arc<Db>) -> Router {
    Router::new()
        // `get` answers HEAD too (with the body left out), as FastAPI's GET routes do.
        .route("/users", get(list_users).post(create_user))
        .route("/users/{user_id}", get(get_user).delete(delete_user))
        .fallback(not_found)
        // axum adds the `Allow` header to a 405 by itself; the body is FastAPI's.
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(db)
}

/// `GET /users?limit=&offset=`. (A repeated parameter: the last one counts, as in FastAPI.)
async fn list_users(
    State(db): State<Arc<Db>>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let page = validation::page(
        query.get("limit").map(String::as_str),
        query.get("offset").map(String::as_str),
    );
    let (limit, offset) = match page {
        Ok(page) => page,
        Err(errors) => return Answer(Reply::unprocessable(errors)),
    };
    Answer(match app::get_users(&db, limit, offset).await {
        Ok(body) => Reply { status: 200, body },
        Err(error) => Reply::database_error(&error),
    })
}

/// `GET /users/{user_id}`.
async fn get_user(State(db): State<Arc<Db>>, Path(user_id): Path<String>) -> Answer {
    match user_id_from(&user_id) {
        Ok(id) => Answer(app::get_user(&db, id).await),
        Err(reply) => Answer(reply),
    }
}

/// `POST /users`: 201 with the stored user.
///
/// The body is read here rather than by an extractor, for the two refusals the hand-written
/// server makes: a `Content-Length` over the limit is answered `413` before a byte of the body
/// is read (axum's `Bytes` would wait to receive the limit's worth first), and a body that stops
/// arriving is answered `408` after [`BODY_READ_TIMEOUT`] (hyper has no body timeout of its own).
async fn create_user(State(db): State<Arc<Db>>, headers: HeaderMap, body: Body) -> Answer {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Answer(Reply::error(413, TOO_LARGE));
    }
    let reading = Limited::new(body, MAX_BODY_BYTES).collect();
    let body = match glassloop::timeout(BODY_READ_TIMEOUT, reading).await {
        Ok(Ok(body)) => body.to_bytes(),
        // Sent in chunks, and more than the limit in all.
        Ok(Err(error)) if error.is::<LengthLimitError>() => {
            return Answer(Reply::error(413, TOO_LARGE))
        }
        // The client broke the framing or went away mid-body.
        Ok(Err(_)) => return Answer(Reply::error(400, "the request body is malformed")),
        Err(_elapsed) => {
            return Answer(Reply::error(
                408,
                "the request body took too long to arrive",
            ))
        }
    };
    Answer(match validation::new_user(&body) {
        Ok(new) => app::create_user(&db, new).await,
        Err(errors) => Reply::unprocessable(errors),
    })
}

/// The refusal of a body over [`MAX_BODY_BYTES`], in the hand-written server's words.
const TOO_LARGE: &str = "the request body is too large";

/// `DELETE /users/{user_id}`: 204, or 404.
async fn delete_user(State(db): State<Arc<Db>>, Path(user_id): Path<String>) -> Answer {
    match user_id_from(&user_id) {
        Ok(id) => Answer(app::delete_user(&db, id).await),
        Err(reply) => Answer(reply),
    }
}

async fn not_found() -> Answer {
    Answer(Reply::error(404, "Not Found"))
}

async fn method_not_allowed() -> Answer {
    Answer(Reply::error(405, "Method Not Allowed"))
}

/// The path's `user_id: int`, or the answer to give instead: `422` for text that is not an
/// integer, `404` for an integer no user can have.
fn user_id_from(text: &str) -> Result<u64, Reply> {
    match validation::path_id(text) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(Reply::error(404, "User not found")),
        Err(errors) => Err(Reply::unprocessable(errors)),
    }
}

/// The app's [`Reply`] as an axum response: its status, its JSON, and `Content-Type:
/// application/json` unless it is a `204` (which has no body to describe).
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
