//! The users API's database, with an async face: SQLite ([`sqlite.rs`](sqlite), the default of
//! the `users_api` program) or a table in memory, and in front of either an optional delay standing
//! for the network round trip to a database server.
//!
//! ```python
//! async def fetch_user(user_id):
//!     await asyncio.sleep(delay)                      # the round trip (the tutorial's stand-in)
//!     async with aiosqlite.connect(path) as db:       # the query, on the connection's thread
//!         ...
//! ```
//!
//! A SQLite query blocks its thread, so each one goes to a helper thread with
//! [`glassloop::to_thread`] — what aiosqlite does under asyncio — and the loop serves other
//! requests until its answer comes back. The in-memory table answers at once, on the loop's own
//! thread: nothing there can block.
//!
//! **A `Send` path.** [`Db`] is `Send + Sync` (the memory table is behind a `Mutex`, the SQLite
//! pool is shared through an `Arc`), and the futures of its methods are `Send`: what they hold
//! across an `.await` is a `&Db`, a [`glassloop::Sleep`] and a `to_thread` `JoinHandle`, all
//! three `Send`. So axum (`examples/axum_users`), whose handlers must be `Send` futures, uses this
//! very type; the hand-written server and hyper's use it through an `Rc`.
//!
//! Read next: [`sqlite.rs`](sqlite), the queries.

#[path = "sqlite.rs"]
pub mod sqlite;

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

pub use sqlite::Sqlite;

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

/// A user to create: what `POST /users` sends (FastAPI's `UserCreate` model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: String,
}

/// A query that failed — the file went away, the disk is full, the query panicked. The server
/// answers `500` and says why on stderr; the client is not told the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError(pub String);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database error: {}", self.0)
    }
}

impl std::error::Error for DbError {}

/// The database: where the users are, and how long a round trip to it takes.
#[derive(Debug)]
pub struct Db {
    store: Store,
    delay: Duration,
}

#[derive(Debug)]
enum Store {
    Memory(Mutex<Table>),
    Sqlite(Sqlite),
}

/// The in-memory table.
#[derive(Debug)]
struct Table {
    users: Vec<User>,
    /// Never reused, as SQLite's AUTOINCREMENT keys are not.
    next_id: u64,
}

impl Db {
    /// The sample table in memory, with every query taking `delay` — the tutorial's pretend
    /// database (`await asyncio.sleep(1)`).
    pub fn new(delay: Duration) -> Db {
        let users: Vec<User> = sqlite::SEED
            .iter()
            .zip(1..)
            .map(|(&(name, email), id)| User {
                id,
                name: name.to_string(),
                email: email.to_string(),
            })
            .collect();
        let next_id = users.len() as u64 + 1;
        Db {
            store: Store::Memory(Mutex::new(Table { users, next_id })),
            delay,
        }
    }

    /// The SQLite database `sqlite`, every query waiting `delay` first (zero: no wait at all).
    pub fn sqlite(sqlite: Sqlite, delay: Duration) -> Db {
        Db {
            store: Store::Sqlite(sqlite),
            delay,
        }
    }

    /// `SELECT * FROM users ORDER BY id LIMIT limit OFFSET offset`.
    pub async fn list_users(&self, limit: u64, offset: u64) -> Result<Vec<User>, DbError> {
        self.round_trip().await;
        match &self.store {
            Store::Memory(table) => Ok(lock(table)
                .users
                .iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .cloned()
                .collect()),
            Store::Sqlite(sqlite) => {
                let sqlite = sqlite.clone();
                on_a_thread(move || sqlite.list_users(limit, offset)).await
            }
        }
    }

    /// `SELECT * FROM users WHERE id = ?`.
    pub async fn fetch_user(&self, id: u64) -> Result<Option<User>, DbError> {
        self.round_trip().await;
        match &self.store {
            Store::Memory(table) => Ok(lock(table).users.iter().find(|u| u.id == id).cloned()),
            Store::Sqlite(sqlite) => {
                let sqlite = sqlite.clone();
                on_a_thread(move || sqlite.get_user(id)).await
            }
        }
    }

    /// `INSERT INTO users …`: the new user, with its id.
    pub async fn create_user(&self, new: NewUser) -> Result<User, DbError> {
        self.round_trip().await;
        match &self.store {
            Store::Memory(table) => {
                let mut table = lock(table);
                let user = User {
                    id: table.next_id,
                    name: new.name,
                    email: new.email,
                };
                table.next_id += 1;
                table.users.push(user.clone());
                Ok(user)
            }
            Store::Sqlite(sqlite) => {
                let sqlite = sqlite.clone();
                on_a_thread(move || sqlite.create_user(&new)).await
            }
        }
    }

    /// `DELETE FROM users WHERE id = ?`: whether there was such a user.
    pub async fn delete_user(&self, id: u64) -> Result<bool, DbError> {
        self.round_trip().await;
        match &self.store {
            Store::Memory(table) => {
                let mut table = lock(table);
                let before = table.users.len();
                table.users.retain(|u| u.id != id);
                Ok(table.users.len() < before)
            }
            Store::Sqlite(sqlite) => {
                let sqlite = sqlite.clone();
                on_a_thread(move || sqlite.delete_user(id)).await
            }
        }
    }

    /// The wait a database server's round trip would make us do. A zero delay skips the timer
    /// entirely (used for measuring the server itself).
    async fn round_trip(&self) {
        if !self.delay.is_zero() {
            glassloop::sleep(self.delay).await;
        }
    }
}

/// Runs a blocking query on a `to_thread` helper and awaits its result; a panic in it becomes a
/// [`DbError`] (the helper caught it; the loop and the pool go on).
async fn on_a_thread<T: Send + 'static>(
    query: impl FnOnce() -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, DbError> {
    match glassloop::to_thread(query).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(DbError(error.to_string())),
        Err(join_error) => Err(DbError(join_error.to_string())),
    }
}

/// The memory table's lock. A panic while it was held cannot leave a half-made change (each
/// change is one `push` or `retain`), so a poisoned lock is taken as it is.
fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}
