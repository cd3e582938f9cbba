//! Reaching the loop from other threads, Ctrl-C, and the attribute macros.

mod support;

use std::time::{Duration, Instant};

use glassloop::Runtime;

#[test]
fn handle_spawn_from_eight_threads() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                let results: Vec<_> = (0..25u64)
                    .map(|i| {
                        handle.spawn(async move {
                            glassloop::yield_now().await;
                            t * 100 + i
                        })
                    })
                    .collect();
                results.into_iter().map(|r| r.join().unwrap()).sum::<u64>()
            })
        })
        .collect();
    // Keep the loop running until every thread has its answers.
    let total = rt.block_on(async move {
        loop {
            if threads.iter().all(|t| t.is_finished()) {
                break;
            }
            glassloop::sleep(Duration::from_millis(2)).await;
        }
        threads.into_iter().map(|t| t.join().unwrap()).sum::<u64>()
    });
    let expected: u64 = (0..8u64)
        .map(|t| (0..25u64).map(|i| t * 100 + i).sum::<u64>())
        .sum();
    assert_eq!(total, expected);
    assert_eq!(rt.stats().live_tasks, 0);
}

#[test]
fn handle_spawn_wakes_a_sleeping_loop_and_can_be_awaited_from_another_loop() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let start = Instant::now();
    let other = std::thread::spawn(move || {
        // This thread runs a loop of its own, and awaits work done on the first loop.
        glassloop::run(async move { handle.spawn(async { "from the other loop" }).await })
    });
    let answer = rt.block_on(async {
        // No timers armed: only the cross-thread message can wake this loop.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let poller = glassloop::to_thread(move || rx.recv_timeout(Duration::from_secs(10)));
        let result = glassloop::to_thread(move || other.join().unwrap())
            .await
            .unwrap();
        drop(tx);
        let _ = poller.await;
        result
    });
    assert_eq!(answer.unwrap(), "from the other loop");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn handle_spawn_after_the_loop_is_gone_is_cancelled() {
    let handle = Runtime::new().unwrap().handle();
    let error = handle.spawn(async { 1 }).join().unwrap_err();
    assert!(error.is_cancelled());
}

#[test]
fn handle_current_outside_a_loop_panics_with_advice() {
    let message =
        support::panic_text(std::panic::catch_unwind(glassloop::Handle::current).unwrap_err());
    assert!(message.contains("Runtime::handle"), "{message}");
}

#[test]
fn ctrl_c_completes_on_sigint() {
    glassloop::run(async {
        let waiting = glassloop::spawn(glassloop::signal::ctrl_c());
        glassloop::yield_now().await; // registered now
        glassloop::yield_now().await;
        signal_hook::low_level::raise(signal_hook::consts::SIGINT).unwrap();
        let outcome = glassloop::timeout(Duration::from_secs(10), waiting).await;
        outcome.expect("ctrl_c did not complete").unwrap().unwrap();
    });
}

#[glassloop::test(virtual_time)]
async fn the_test_attribute_runs_on_virtual_time() {
    let start = glassloop::now();
    glassloop::sleep(Duration::from_secs(3600)).await;
    assert_eq!(glassloop::now() - start, Duration::from_secs(3600));
}

#[glassloop::test]
async fn the_test_attribute_runs_on_real_time() -> Result<(), String> {
    let handle = glassloop::spawn(async { 5 });
    assert_eq!(handle.await.map_err(|e| e.to_string())?, 5);
    Ok(())
}
