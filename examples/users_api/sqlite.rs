//! The users table in SQLite — a real database, in one file, through the rusqlite crate (with its
//! own bundled copy of SQLite, so nothing is installed by hand). Everything here **blocks**: it is
//! meant to run on a helper thread, and [`db.rs`](super) sends it there with
//! `glassloop::to_thread`.
//!
//! ```python
//! # aiosqlite's model: a thread owns the connection, the loop awaits each query's result
//! async with aiosqlite.connect("users.db") as db:
//!     async with db.execute("SELECT id, name, email FROM users WHERE id = ?", (user_id,)) as rows:
//!         return await rows.fetchone()
//! ```
//!
//! **Why a few connections, each used by one thread at a time.** A SQLite connection is not
//! meant to be shared by threads at once, and a query blocks its thread for as long as it takes —
//! which is why it must not run on the loop's thread. aiosqlite gives each connection a thread of
//! its own and queues the queries to it. Here [`Sqlite`] keeps a small pool of connections
//! ([`CONNECTIONS`]); a query takes one from the pool on the helper thread that `to_thread` gave
//! it, uses it, and puts it back. Several connections let several reads run at once (the file is in
//! WAL mode, where readers do not wait for the writer); writes still go one at a time — SQLite
//! takes a lock on the whole file for each write — and `busy_timeout` makes a writer wait for that
//! lock instead of failing.
//!
//! **No half-done write.** Every write is one transaction (`BEGIN IMMEDIATE … COMMIT`): an error
//! or a panic in the middle rolls it back (rusqlite rolls back a transaction that is dropped
//! without a commit).
//!
//! **Send.** [`Sqlite`] is `Clone + Send + Sync` (an `Arc` around a mutex-guarded pool), so the
//! closures given to `to_thread` can own a copy, and axum — whose handlers must be `Send` — can
//! hold it in its state.
//!
//! Read next: [`db.rs`](super), which puts an async face on these functions.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::{NewUser, User};

/// How many connections the pool opens: enough for reads to overlap on a few cores, few enough
/// that the file's one write lock is not fought over by a crowd.
pub const CONNECTIONS: usize = 4;

/// How long a writer waits for another writer's lock before giving up (SQLite's
/// `busy_timeout`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The five users a new database starts with — the same as the in-memory table's.
pub const SEED: [(&str, &str); 5] = [
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Guido van Rossum", "guido@example.com"),
    // A name that needs escaping, to keep the serializer honest.
    ("Zoë \"Zed\" Ng", "zoe@example.com"),
    ("Linus Torvalds", "linus@example.com"),
];

/// A SQLite database file and a pool of connections to it. Cloning shares the pool.
#[derive(Clone)]
pub struct Sqlite {
    inner: Arc<Pool>,
}

/// A connection taken from the pool; it goes back when the lease is dropped — after the query,
/// or while unwinding from a panic in it (a transaction left open is rolled back first, when its
/// `Transaction` is dropped), so a failed query never costs the pool a connection.
struct Lease<'a> {
    pool: &'a Pool,
    /// Always `Some` until the lease is dropped (an `Option` only so `drop` can move it out).
    connection: Option<Connection>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            let mut idle = self
                .pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            idle.push(connection);
            self.pool.returned.notify_one();
        }
    }
}

struct Pool {
    path: PathBuf,
    /// The connections not in use right now.
    idle: Mutex<Vec<Connection>>,
    /// Signalled when a connection goes back into `idle`.
    returned: Condvar,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Sqlite {
    /// Opens (creating it if needed) the database at `path`: the `users` table is created and
    /// seeded with [`SEED`] if it does not exist yet. Opening is done once, at start-up, before
    /// the loop serves anyone — so it may block, and a bad path is reported before any request.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Sqlite> {
        let path = path.as_ref().to_path_buf();
        let mut first = connect(&path)?;
        // WAL: readers go on while one writer writes. It is a property of the file, kept.
        first.pragma_update(None, "journal_mode", "WAL")?;
        create_and_seed(&mut first)?;
        let mut idle = vec![first];
        for _ in 1..CONNECTIONS {
            idle.push(connect(&path)?);
        }
        Ok(Sqlite {
            inner: Arc::new(Pool {
                path,
                idle: Mutex::new(idle),
                returned: Condvar::new(),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` with a connection of the pool, waiting for one if all are in use. Blocks.
    fn with_connection<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let pool = &self.inner;
        let connection = {
            let mut idle = pool.idle.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(connection) = idle.pop() {
                    break connection;
                }
                idle = pool
                    .returned
                    .wait(idle)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let mut lease = Lease {
            pool,
            connection: Some(connection),
        };
        f(lease
            .connection
            .as_mut()
            .expect("a lease holds its connection"))
    }

    /// `SELECT … ORDER BY id LIMIT ? OFFSET ?`.
    pub fn list_users(&self, limit: u64, offset: u64) -> rusqlite::Result<Vec<User>> {
        self.with_connection(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, name, email FROM users ORDER BY id LIMIT ?1 OFFSET ?2",
            )?;
            let rows = statement.query_map(params![as_sql(limit), as_sql(offset)], read_user)?;
            rows.collect()
        })
    }

    /// `SELECT … WHERE id = ?`.
    pub fn get_user(&self, id: u64) -> rusqlite::Result<Option<User>> {
        let Some(id) = key(id) else {
            return Ok(None);
        };
        self.with_connection(|connection| {
            connection
                .prepare_cached("SELECT id, name, email FROM users WHERE id = ?1")?
                .query_row(params![id], read_user)
                .optional()
        })
    }

    /// `INSERT`, in a transaction of its own; the new row as stored.
    pub fn create_user(&self, new: &NewUser) -> rusqlite::Result<User> {
        self.with_connection(|connection| {
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            transaction
                .prepare_cached("INSERT INTO users (name, email) VALUES (?1, ?2)")?
                .execute(params![new.name, new.email])?;
            let id = transaction.last_insert_rowid();
            transaction.commit()?;
            Ok(User {
                id: id as u64,
                name: new.name.clone(),
                email: new.email.clone(),
            })
        })
    }

    /// `DELETE … WHERE id = ?`, in a transaction of its own; whether there was such a user.
    pub fn delete_user(&self, id: u64) -> rusqlite::Result<bool> {
        let Some(id) = key(id) else {
            return Ok(false);
        };
        self.with_connection(|connection| {
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let deleted = transaction
                .prepare_cached("DELETE FROM users WHERE id = ?1")?
                .execute(params![id])?;
            transaction.commit()?;
            Ok(deleted == 1)
        })
    }
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // With WAL, NORMAL loses no committed transaction on a crash of the program, only (perhaps)
    // the last ones on a power cut — the usual setting for a web backend.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}

/// Creates the table and seeds it, once: `BEGIN IMMEDIATE` takes the write lock first, so two
/// programs starting on the same new file do not both seed it.
fn create_and_seed(connection: &mut Connection) -> rusqlite::Result<()> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // AUTOINCREMENT: the id of a deleted user is never given to a new one.
    transaction.execute(
        "CREATE TABLE IF NOT EXISTS users (
             id    INTEGER PRIMARY KEY AUTOINCREMENT,
             name  TEXT NOT NULL,
             email TEXT NOT NULL
         )",
        [],
    )?;
    let seeded: bool = transaction.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')",
        [],
        |row| row.get(0),
    )?;
    if !seeded {
        for (name, email) in SEED {
            transaction.execute(
                "INSERT INTO users (name, email) VALUES (?1, ?2)",
                params![name, email],
            )?;
        }
    }
    transaction.commit()
}

fn read_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get::<_, i64>(0)? as u64,
        name: row.get(1)?,
        email: row.get(2)?,
    })
}

/// The key for `id`: SQLite's keys are i64, so a larger id names no row.
fn key(id: u64) -> Option<i64> {
    i64::try_from(id).ok()
}

/// SQLite's integers are i64; a limit or an offset beyond that means "all" or "none" alike.
fn as_sql(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
