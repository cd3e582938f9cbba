//! `get_user` — day 3 of the tour: the "minimum for a backend" snippet, with `gather`.
//!
//! A backend handler often needs several rows from a database. Each query is mostly waiting for
//! the database to answer, so three of them gathered take as long as one: 1 s, not 3.
//!
//! ```python
//! import asyncio
//!
//! async def get_user(user_id):
//!     await asyncio.sleep(1)        # a pretend database call
//!     return {"id": user_id, "name": f"user{user_id}"}
//!
//! async def main():
//!     users = await asyncio.gather(get_user(1), get_user(2), get_user(3))
//!     print(users)                  # after 1 s
//!
//! asyncio.run(main())
//! ```
//!
//! The same program runs on CPython's own loop: `python3 examples/python/get_user.py`, or narrated
//! beside this one: `cargo run --example side_by_side -- get_user`.
//!
//! Run it: `cargo run --example get_user`, or `-- --virtual`. To watch the loop do it, put
//! `GLASSLOOP_TRACE=1` in front; `docs/reading-the-trace.md` reads that trace line by line.

use std::time::Duration;

/// A row of the pretend `users` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The primary key.
    pub id: u32,
    /// The user's name.
    pub name: String,
}

/// A pretend database call: 1 s of waiting for the database, then the row.
pub async fn get_user(id: u32) -> User {
    glassloop::sleep(Duration::from_secs(1)).await;
    User {
        id,
        name: format!("user{id}"),
    }
}

/// What the demo measured.
#[allow(dead_code)] // `main` only prints; the tour and tests/demos.rs read the figures
pub struct Report {
    /// The three rows, in the order asked for.
    pub users: Vec<User>,
    /// How long the three gathered calls took, on the loop's clock.
    pub took: Duration,
}

/// The demo, on a loop built from `builder`.
pub fn demo(builder: glassloop::Builder) -> Report {
    let runtime = builder.build().expect("could not create the event loop");
    runtime.block_on(async {
        println!("get_user: three 1 s database calls, gathered");
        let start = glassloop::now();
        // The three futures run inside this one task; gather polls each when its timer fires.
        let users = glassloop::gather([get_user(1), get_user(2), get_user(3)]).await;
        let took = glassloop::now() - start;
        for user in &users {
            println!("  {user:?}");
        }
        println!(
            "  three calls in {:.3} s: they waited for the database together, not in turn",
            took.as_secs_f64()
        );
        Report { users, took }
    })
}

fn main() {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    demo(glassloop::Runtime::builder().virtual_time(virtual_time));
}
