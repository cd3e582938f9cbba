//! The users API as an application: the data, a pretend database, and the endpoints — what the
//! file with `app = FastAPI()` holds. Nothing here knows about sockets or HTTP framing; the server
//! ([`server.rs`](super)) and the hyper example (`examples/hyper_users`) both call [`route`].
//!
//! ```python
//! app = FastAPI()
//!
//! @app.get("/users")
//! async def get_users():
//!     return await db.fetch_all_users()        # awaits a (simulated) database call
//!
//! @app.get("/users/{user_id}")
//! async def get_user(user_id: int):
//!     user = await db.fetch_user(user_id)
//!     if user is None:
//!         raise HTTPException(status_code=404, detail="User not found")
//!     return user
//! ```
//!
//! While one request awaits the database, the loop serves the others: that is the whole point of
//! an async backend, and why 200 clients at once are answered in about one database delay.
//!
//! JSON is written by hand with a tiny serializer ([`JsonWriter`]) — the only hard part of JSON
//! output is escaping strings, and it is ten lines.

use std::time::Duration;

/// One user, as stored and as returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The key.
    pub id: u64,
    /// Full name (any Unicode, quotes included: the serializer escapes it).
    pub name: String,
    /// E-mail address.
    pub email: String,
}

/// A pretend database: a table of users, and a delay that every query awaits, standing for the
/// round trip to a real database server (`await asyncio.sleep(1)` in the Python tutorial).
#[derive(Debug)]
pub struct Db {
    users: Vec<User>,
    delay: Duration,
}

impl Db {
    /// The sample table, with every query taking `delay`.
    pub fn new(delay: Duration) -> Db {
        let users = [
            (1, "Ada Lovelace", "ada@example.com"),
            (2, "Grace Hopper", "grace@example.com"),
            (3, "Guido van Rossum", "guido@example.com"),
            // A name that needs escaping, to keep the serializer honest.
            (4, "Zoë \"Zed\" Ng", "zoe@example.com"),
            (5, "Linus Torvalds", "linus@example.com"),
        ];
        Db {
            users: users
                .into_iter()
                .map(|(id, name, email)| User {
                    id,
                    name: name.to_string(),
                    email: email.to_string(),
                })
                .collect(),
            delay,
        }
    }

    /// `SELECT * FROM users` — after the simulated round trip.
    pub async fn fetch_all_users(&self) -> Vec<User> {
        self.round_trip().await;
        self.users.clone()
    }

    /// `SELECT * FROM users WHERE id = ?` — after the simulated round trip.
    pub async fn fetch_user(&self, id: u64) -> Option<User> {
        self.round_trip().await;
        self.users.iter().find(|user| user.id == id).cloned()
    }

    /// The wait a real database would make us do. A zero delay skips the timer entirely (used
    /// for measuring the server itself).
    async fn round_trip(&self) {
        if !self.delay.is_zero() {
            glassloop::sleep(self.delay).await;
        }
    }
}

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

/// What the server sends back: a status and a JSON body.
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
}

// ---------------------------------------------------------------------------------------------
// The endpoints
// ---------------------------------------------------------------------------------------------

/// `GET /users` — every user, as a JSON array.
pub async fn get_users(db: &Db) -> Json {
    let users = db.fetch_all_users().await;
    let mut json = JsonWriter::default();
    json.begin_array();
    for user in &users {
        json.user(user);
    }
    json.end_array();
    json.finish()
}

/// `GET /users/{id}` — one user, or 404.
pub async fn get_user(db: &Db, id: u64) -> Result<Json, HttpError> {
    match db.fetch_user(id).await {
        Some(user) => {
            let mut json = JsonWriter::default();
            json.user(&user);
            Ok(json.finish())
        }
        None => Err(HttpError {
            status: 404,
            detail: "User not found",
        }),
    }
}

/// The router: picks the endpoint for a method and a request target (`/users/3?x=1`), as
/// FastAPI's `@app.get(...)` decorators do. An unknown path is 404, a known path with another
/// method than GET or HEAD is 405.
pub async fn route(db: &Db, method: &str, target: &str) -> Reply {
    // The query string plays no part in routing.
    let path = target.split('?').next().unwrap_or(target);
    let endpoint = match path.strip_prefix("/users") {
        Some("") => Some(Endpoint::Users),
        Some(rest) => rest
            .strip_prefix('/')
            .and_then(parse_id)
            .map(Endpoint::User),
        None => None,
    };
    let Some(endpoint) = endpoint else {
        return Reply::error(404, "Not Found");
    };
    if method != "GET" && method != "HEAD" {
        return Reply::error(405, "Method Not Allowed");
    }
    match endpoint {
        Endpoint::Users => Reply {
            status: 200,
            body: get_users(db).await,
        },
        Endpoint::User(id) => get_user(db, id).await.into(),
    }
}

enum Endpoint {
    Users,
    User(u64),
}

/// Digits only (`u64::from_str` would also take `+7`), and it must fit in a `u64`.
fn parse_id(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
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
