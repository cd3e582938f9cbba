//! `cargo run --example tracing_subscriber --features tracing` — the loop's events in a
//! `tracing-subscriber` log, next to the program's own: what a backend using `tracing` sees.
//!
//! ```python
//! import logging
//! logging.basicConfig(level=logging.DEBUG)
//! asyncio.run(main(), debug=True)       # asyncio's own logger joins the program's
//! ```
//!
//! With the cargo feature `tracing`, glassloop emits a span per task (named `task`, with its
//! number and name), entered each time the task is polled, and an event for every wake, timer and
//! park (target `glassloop`, level `TRACE`). Here `tracing-subscriber`'s fmt layer prints them all,
//! and the program's own `info!` lines appear inside the span of the task that logged them.
//! `RUST_LOG`-style filtering is the subscriber's business; this one shows everything.

use std::time::Duration;

async fn get_user(id: u32) -> String {
    glassloop::sleep(Duration::from_millis(100)).await;
    tracing::info!(id, "fetched a user");
    format!("user{id}")
}

fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_target(true)
        .without_time()
        .with_ansi(false)
        .init();
    let users = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .expect("an event loop")
        .block_on(async {
            let task = glassloop::spawn_named("background", get_user(7));
            let users = glassloop::gather([get_user(1), get_user(2)]).await;
            task.await.expect("the background task");
            users
        });
    tracing::info!(?users, "done");
}
