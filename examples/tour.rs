//! The tour: the README's main command, `cargo run --release --example tour`.
//!
//! The whole tutorial in the order a learner meets it, one "day" at a time, each day running the
//! demos that teach it and ending with a pointer to the source and the book chapter that explain
//! what just happened:
//!
//! 1. why async — `sync_vs_async`, `tea_and_toast`;
//! 2. `async fn`, `.await` and `run` — `async_await`;
//! 3. `gather` and `spawn` — `get_user`, `create_task`;
//! 4. async HTTP calls — `http_get`;
//! 5. a backend endpoint — `users_api`.
//!
//! Plain, it runs in real time (about 25 s, most of it the demos' deliberate waiting). With
//! `-- --virtual` it runs on virtual time: the same printed times, in a fraction of a second.
//!
//! The demos are not copied here: each example file is included as a module (`#[path]` below) and
//! its `demo` function called, so `cargo run --example get_user` and day 3 run the same code. (The
//! modules are `pub` so that `tests/demos.rs`, which includes this file, can reach them too.)

#[allow(dead_code)] // each demo's own `main` is not used here, only its `demo`
#[path = "sync_vs_async.rs"]
pub mod sync_vs_async;

#[allow(dead_code)]
#[path = "tea_and_toast.rs"]
pub mod tea_and_toast;

#[allow(dead_code)]
#[path = "async_await.rs"]
pub mod async_await;

#[allow(dead_code)]
#[path = "get_user.rs"]
pub mod get_user;

#[allow(dead_code)]
#[path = "create_task.rs"]
pub mod create_task;

#[allow(dead_code)]
#[path = "http_get/demo.rs"]
pub mod http_get;

// This demo brings its own copy of the HTTP client module too, hence the `duplicate_mod` allowance.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "users_api/demo.rs"]
pub mod users_api;

use std::time::{Duration, Instant};

/// The heading of a day.
fn day(number: u32, title: &str) {
    println!();
    println!("━━━ Day {number}: {title} ━━━");
}

/// The one-line pointer printed after a day: the source that did what just ran, and the part of
/// the book that explains it.
fn read_next(source: &str, chapter: &str) {
    println!();
    println!("  ↪ read: {source} · {chapter}");
}

/// Runs the whole tour. `new_loop` gives the settings of each demo's loop (every demo gets a fresh
/// loop, like `asyncio.run`); `virtual_time` says whether they are on virtual time. Returns the
/// wall time the tour took.
pub fn tour(virtual_time: bool, new_loop: impl Fn() -> glassloop::Builder) -> Duration {
    let wall = Instant::now();
    println!(
        "glassloop tour — asyncio's ideas, in Rust, on a loop you can read{}",
        if virtual_time { " (virtual time)" } else { "" }
    );

    day(1, "why async — waiting without blocking");
    sync_vs_async::demo(new_loop());
    println!();
    tea_and_toast::demo(new_loop());
    read_next(
        "examples/sync_vs_async.rs, examples/tea_and_toast.rs",
        "docs/asyncio-to-glassloop.md#why-async",
    );

    day(2, "async fn, .await and run");
    async_await::demo(new_loop());
    read_next(
        "examples/async_await.rs, executor/src/yield_now.rs, executor/src/runtime.rs",
        "docs/futures.md (what a future is), docs/asyncio-to-glassloop.md#async-and-coroutines",
    );

    day(3, "gather and spawn — many things at once");
    get_user::demo(new_loop());
    println!();
    create_task::demo(new_loop());
    read_next(
        "examples/get_user.rs, examples/create_task.rs, executor/src/event_loop/mod.rs",
        "docs/event-loop.md, docs/timer-wheel.md, docs/build-your-own.md, docs/reading-the-trace.md",
    );

    day(4, "async HTTP calls — many requests in flight at once");
    let report = new_loop()
        .build()
        .expect("could not create the event loop")
        .block_on(http_get::demo());
    if let Err(error) = report {
        println!("  the HTTP demo failed: {error}");
    }
    read_next(
        "examples/http_get/demo.rs, examples/http_get/client.rs, executor/src/io/net.rs",
        "docs/reactor.md, docs/http.md",
    );

    day(5, "a backend endpoint — FastAPI's idea, on glassloop");
    let timings = new_loop()
        .build()
        .expect("could not create the event loop")
        .block_on(users_api::demo());
    if let Err(error) = timings {
        println!("  the users_api demo failed: {error}");
    }
    read_next(
        "examples/users_api/app.rs, examples/users_api/db.rs, examples/users_api/server.rs, \
         examples/axum_users/routes.rs",
        "docs/http.md",
    );

    let took = wall.elapsed();
    println!();
    println!(
        "tour done in {:.3} s of wall time{}. Watch the loop at work: \
         GLASSLOOP_TRACE=1 cargo run --example get_user -- --virtual",
        took.as_secs_f64(),
        if virtual_time {
            " (virtual time: the loop's clock jumped from timer to timer)"
        } else {
            ""
        }
    );
    println!(
        "next, asyncio's own loop doing the same, beside glassloop's: \
         cargo run --example side_by_side -- get_user"
    );
    took
}

fn main() {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    tour(virtual_time, || {
        glassloop::Runtime::builder().virtual_time(virtual_time)
    });
}
