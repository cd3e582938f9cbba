//! `GLASSLOOP_TRACE=html:big.html cargo run --example timeline_stress` — a run with more than
//! 10,000 events, to see that the HTML timeline stays readable (and quick) at that size: zoomed
//! out, the page draws one bar per pixel of a lane where many polls fall on it, and hides the wake
//! arrows while more than 1,500 are in view. `scripts/check_html_timeline.py` loads its page in
//! headless Chromium and checks both.
//!
//! ```python
//! async def worker(i):
//!     for _ in range(30):
//!         await asyncio.sleep(0.001 * (i % 7 + 1))
//!         await asyncio.sleep(0)
//! await asyncio.gather(*(worker(i) for i in range(100)))
//! ```

use std::time::Duration;

fn main() {
    let runtime = glassloop::Runtime::builder()
        .virtual_time(true)
        .build()
        .expect("an event loop");
    runtime.block_on(async {
        let workers: Vec<_> = (0..100u64)
            .map(|i| {
                glassloop::spawn(async move {
                    for _ in 0..30 {
                        glassloop::sleep(Duration::from_millis(i % 7 + 1)).await;
                        glassloop::yield_now().await;
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.expect("a worker");
        }
    });
}
