//! The tour: the README's main command, `cargo run --release --example tour`.
//!
//! For now it shows the core of the tutorial — `sleep`, `gather` and `spawn` — with measured times.
//! Pass `--virtual` to run on virtual time (same printed times, almost no wall time).
//!
//! ```python
//! async def main():
//!     await asyncio.sleep(1)
//!     await asyncio.gather(asyncio.sleep(1), asyncio.sleep(1))
//! asyncio.run(main())
//! ```

use std::time::{Duration, Instant};

fn main() {
    let virtual_time = std::env::args().any(|arg| arg == "--virtual");
    let runtime = glassloop::Runtime::builder()
        .virtual_time(virtual_time)
        .build()
        .expect("could not create the event loop");
    let wall = Instant::now();
    runtime.block_on(async {
        println!(
            "glassloop tour{}",
            if virtual_time { " (virtual time)" } else { "" }
        );

        let start = glassloop::now();
        glassloop::sleep(Duration::from_secs(1)).await;
        println!("  sleep(1 s) took {:.3} s", secs(glassloop::now() - start));

        let start = glassloop::now();
        glassloop::gather!(
            glassloop::sleep(Duration::from_secs(1)),
            glassloop::sleep(Duration::from_secs(1))
        )
        .await;
        println!(
            "  gather!(sleep(1 s), sleep(1 s)) took {:.3} s: they waited together",
            secs(glassloop::now() - start)
        );

        let start = glassloop::now();
        let background = glassloop::spawn(async {
            glassloop::sleep(Duration::from_secs(1)).await;
            "background task done"
        });
        glassloop::sleep(Duration::from_millis(500)).await;
        let message = background.await.expect("the background task does not fail");
        println!(
            "  spawn + 0.5 s of other work, then await: {message} after {:.3} s",
            secs(glassloop::now() - start)
        );
    });
    println!("wall time: {:.3} s", secs(wall.elapsed()));
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
