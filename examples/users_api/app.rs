//! The users API as an application: the endpoints — what the file with `app = FastAPI()` holds.
//! Nothing here knows about sockets or HTTP framing; the hand-written server
//! ([`server.rs`](super)) and the hyper example (`examples/hyper_users`) both call [`route`]; the
//! axum example (`examples/axum_users`) has its own router over the same [`db`] and the same
//! validation.
//!
//! ```python
//! app = FastAPI()
//!
//! class UserCreate(BaseModel):
//!     name: str
//!     email: str
//!
//! @app.get("/users")
//! async def get_users(limit: int = Query(100, ge=0, le=1000), offset: int = Query(0, ge=0)):
//!     return await db.fetch_users(limit, offset)       # awaits the database
//!
//! @app.get("/users/{user_id}")
//! async def get_user(user_id: int):
//!     user = await db.fetch_user(user_id)
//!     if user is None:
//!         raise HTTPException(status_code=404, detail="User not found")
//!     return user
//!
//! @app.post("/users", status_code=201)
//! async def create_user(user: UserCreate):
//!     return await db.create_user(user)
//!
//! @app.delete("/users/{user_id}", status_code=204)
//! async def delete_user(user_id: int):
//!     if not await db.delete_user(user_id):
//!         raise HTTPException(status_code=404, detail="User not found")
//! ```
//!
//! While one request awaits the database, the loop serves the others: that is the whole point of
//! an async backend, and why 200 clients at once are answered in about one database delay.
//!
//! **Bad input is answered as FastAPI answers it**: a body that is not JSON, not an object, or
//! missing a field or with a field of the wrong type, an id or a `limit` that is not an integer
//! or out of range — `422` with FastAPI's (pydantic's) `detail`, a list of errors each with its
//! `type`, `loc`, `msg` and `input` ([`validation`]). Nothing is written unless the whole body is
//! valid, and each write is one transaction.
//!
//! JSON is written by hand with a tiny serializer ([`JsonWriter`]) — the only hard part of JSON
//! output is escaping strings, and it is ten lines; request bodies are parsed with `serde_json`,
//! and the error documents, which echo arbitrary JSON back, are written with it too.
//!
//! Read next: [`db.rs`](db), the database.

#[path = "db.rs"]
pub mod db;

#[path = "validation.rs"]
pub mod validation;

pub use db::{Db, DbError, NewUser, User};

/// A rendered JSON document — what a FastAPI endpoint's return value becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json(pub String);

/// An error a handler returns — FastAPI's `HTTPException(status_code, detail)`; it is rendered
/// as `{"detail": "..."}`, as FastAPI does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// The status code.
    pub status: u16,
    /// The message for the client.
    pub detail: &'static str,
}

/// What the server sends back: a status and a JSON body (empty for a `204`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Json,
}

impl From<Result<Json, HttpError>> for Reply {
    fn from(result: Result<Json, HttpError>) -> Reply {
        match result {
            Ok(body) => Reply { status: 200, body },
            Err(error) => Reply::error(error.status, error.detail),
        }
    }
}

impl Reply {
    /// `{"detail": detail}` with `status`.
    pub fn error(status: u16, detail: &str) -> Reply {
        let mut json = JsonWriter::default();
        json.begin_object();
        json.key("detail");
        json.string(detail);
        json.end_object();
        Reply {
            status,
            body: json.finish(),
        }
    }

    /// `422` with FastAPI's list of validation errors.
    pub fn unprocessable(errors: Vec<validation::Error>) -> Reply {
        Reply {
            status: 422,
            body: validation::render(&errors),
        }
    }

    /// A query failed: `500`, and the reason on stderr (not for the client's eyes).
    pub fn database_error(error: &DbError) -> Reply {
        eprintln!("users_api: {error}");
        Reply::error(500, "Internal Server Error")
    }
}

// ---------------------------------------------------------------------------------------------
// The endpoints
// ---------------------------------------------------------------------------------------------

/// The most users one `GET /users` returns (`le=1000` on `limit`).
pub const MAX_LIMIT: u64 = 1000;

/// The `limit` when the query does not give one.
pub const DEFAULT_LIMIT: u64 = 100;

/// `GET /users?limit=&offset=` — a page of users, in id order, as a JSON array.
pub async fn get_users(db: &Db, limit: u64, offset: u64) -> Result<Json, DbError> {
    let users = db.list_users(limit, offset).await?;
    let mut json = JsonWriter::default();
    json.begin_array();
    for user in &users {
        json.user(user);
    }
    json.end_array();
    Ok(json.finish())
}

/// `GET /users/{id}` — one user, or 404.
pub async fn get_user(db: &Db, id: u64) -> Reply {
    match db.fetch_user(id).await {
        Ok(Some(user)) => Reply {
            status: 200,
            body: user_json(&user),
        },
        Ok(None) => Reply::error(404, "User not found"),
        Err(error) => Reply::database_error(&error),
    }
}

/// `POST /users` — `201` with the user as stored (its new id included).
pub async fn create_user(db: &Db, new: NewUser) -> Reply {
    match db.create_user(new).await {
        Ok(user) => Reply {
            status: 201,
            body: user_json(&user),
        },
        Err(error) => Reply::database_error(&error),
    }
}

/// `DELETE /users/{id}` — `204`, or 404 if there is no such user.
pub async fn delete_user(db: &Db, id: u64) -> Reply {
    match db.delete_user(id).await {
        Ok(true) => Reply {
            status: 204,
            body: Json(String::new()),
        },
        Ok(false) => Reply::error(404, "User not found"),
        Err(error) => Reply::database_error(&error),
    }
}

/// `{"id":1,"name":"...","email":"..."}`.
pub fn user_json(user: &User) -> Json {
    let mut json = JsonWriter::default();
    json.user(user);
    json.finish()
}

/// Which methods a path answers — the `Allow` of its 405. `None`: no such path.
pub fn allowed_methods(target: &str) -> Option<&'static str> {
    match endpoint(target) {
        Some(Endpoint::Users) => Some("GET, HEAD, POST"),
        Some(Endpoint::User(_)) => Some("GET, HEAD, DELETE"),
        None => None,
    }
}

/// Every method the API answers somewhere (for `OPTIONS *`).
pub const ALL_METHODS: &str = "GET, HEAD, POST, DELETE";

/// The router: picks the endpoint for a method and a request target (`/users/3?x=1`), as
/// FastAPI's `@app.get(...)` decorators do, and validates what the endpoint takes (the path's
/// id, the query's `limit` and `offset`, the body) before calling it. An unknown path is 404, a
/// known path with a method it does not answer 405.
pub async fn route(db: &Db, method: &str, target: &str, body: &[u8]) -> Reply {
    let Some(endpoint) = endpoint(target) else {
        return Reply::error(404, "Not Found");
    };
    match (method, endpoint) {
        ("GET" | "HEAD", Endpoint::Users) => {
            let (limit, offset) = match page(target) {
                Ok(page) => page,
                Err(errors) => return Reply::unprocessable(errors),
            };
            match get_users(db, limit, offset).await {
                Ok(body) => Reply { status: 200, body },
                Err(error) => Reply::database_error(&error),
            }
        }
        ("POST", Endpoint::Users) => match validation::new_user(body) {
            Ok(new) => create_user(db, new).await,
            Err(errors) => Reply::unprocessable(errors),
        },
        ("GET" | "HEAD" | "DELETE", Endpoint::User(text)) => {
            let id = match validation::path_id(text) {
                Ok(Some(id)) => id,
                // Digits, but more than any key can be: an integer, so not 422 — just no such user.
                Ok(None) => return Reply::error(404, "User not found"),
                Err(errors) => return Reply::unprocessable(errors),
            };
            if method == "DELETE" {
                delete_user(db, id).await
            } else {
                get_user(db, id).await
            }
        }
        _ => Reply::error(405, "Method Not Allowed"),
    }
}

/// A route, before its parameters are checked.
enum Endpoint<'a> {
    Users,
    /// `/users/{user_id}`, the id as sent.
    User(&'a str),
}

fn endpoint(target: &str) -> Option<Endpoint<'_>> {
    // The query string plays no part in routing.
    let path = target.split('?').next().unwrap_or(target);
    match path.strip_prefix("/users")? {
        "" => Some(Endpoint::Users),
        rest => {
            let id = rest.strip_prefix('/')?;
            // `/users/` and `/users/1/x` are other paths, not a bad id.
            (!id.is_empty() && !id.contains('/')).then_some(Endpoint::User(id))
        }
    }
}

/// `limit` and `offset` from the query string, checked as FastAPI's `Query(ge=…, le=…)` checks
/// them; every error at once.
pub fn page(target: &str) -> Result<(u64, u64), Vec<validation::Error>> {
    let query = target.split_once('?').map(|(_, query)| query).unwrap_or("");
    let mut limit = None;
    let mut offset = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            // Repeated, the last one counts (as Starlette's query parser gives FastAPI).
            "limit" => limit = Some(value),
            "offset" => offset = Some(value),
            _ => {} // FastAPI ignores parameters it was not asked for
        }
    }
    validation::page(limit, offset)
}

// ---------------------------------------------------------------------------------------------
// A tiny JSON writer
// ---------------------------------------------------------------------------------------------

/// Writes JSON into a `String`, putting the commas in for you. Just enough for this API.
#[derive(Default)]
pub struct JsonWriter {
    out: String,
    /// Whether the next value in the current array or object needs a comma before it.
    need_comma: bool,
}

impl JsonWriter {
    fn separate(&mut self) {
        if self.need_comma {
            self.out.push(',');
        }
        self.need_comma = true;
    }

    /// `[`
    pub fn begin_array(&mut self) {
        self.separate();
        self.out.push('[');
        self.need_comma = false;
    }

    /// `]`
    pub fn end_array(&mut self) {
        self.out.push(']');
        self.need_comma = true;
    }

    /// `{`
    pub fn begin_object(&mut self) {
        self.separate();
        self.out.push('{');
        self.need_comma = false;
    }

    /// `}`
    pub fn end_object(&mut self) {
        self.out.push('}');
        self.need_comma = true;
    }

    /// `"name":` — the value must follow.
    pub fn key(&mut self, name: &str) {
        self.string(name);
        self.out.push(':');
        self.need_comma = false;
    }

    /// A string value, escaped.
    pub fn string(&mut self, value: &str) {
        self.separate();
        push_escaped(&mut self.out, value);
    }

    /// A value already written as JSON (by serde_json, for what a client sent).
    pub fn raw(&mut self, json: &str) {
        self.separate();
        self.out.push_str(json);
    }

    /// A number value.
    pub fn number(&mut self, value: u64) {
        self.separate();
        self.out.push_str(&value.to_string());
    }

    /// A user as `{"id":1,"name":"...","email":"..."}`.
    pub fn user(&mut self, user: &User) {
        self.begin_object();
        self.key("id");
        self.number(user.id);
        self.key("name");
        self.string(&user.name);
        self.key("email");
        self.string(&user.email);
        self.end_object();
    }

    /// The document.
    pub fn finish(self) -> Json {
        Json(self.out)
    }
}

/// Writes `value` as a JSON string literal: quotes and backslashes are escaped, control
/// characters become `\n`, `\t`, … or `\u00XX`; everything else (all of Unicode) goes through as
/// UTF-8, which JSON allows.
pub fn push_escaped(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
