//! Seeded schedules (`Builder::seed`, `GLASSLOOP_SEED`, `explore_seeds`, `#[glassloop::test(seeds
//! = N)]`): a seed reorders exactly what the loop may choose — tasks ready in one turn, timers due
//! on one tick, the children `gather` polls together — and nothing it promises; the same seed
//! replays the same run byte for byte; exploration finds the lost update of
//! `examples/lost_update.rs` and names the seed that replays it.

#[allow(dead_code)] // the demo's `main` is not used here
#[path = "../examples/lost_update.rs"]
mod lost_update;

mod support;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use support::{assert_golden, panic_text, Capture};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn seeded(seed: u64) -> glassloop::Runtime {
    glassloop::Runtime::builder()
        .virtual_time(true)
        .seed(seed)
        .build()
        .unwrap()
}

/// Spawns `n` tasks that each note their number when first polled; the order they ran in.
async fn spawn_order(n: usize) -> Vec<usize> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let log = log.clone();
            glassloop::spawn(async move { log.borrow_mut().push(i) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    log.take()
}

#[test]
fn without_a_seed_tasks_ready_together_run_first_in_first_out() {
    let runtime = support::virtual_runtime();
    assert_eq!(runtime.seed(), None);
    assert_eq!(runtime.schedule_fingerprint(), None);
    for _ in 0..10 {
        assert_eq!(runtime.block_on(spawn_order(6)), [0, 1, 2, 3, 4, 5]);
    }
}

#[test]
fn seeds_take_every_order_of_tasks_ready_together_and_each_seed_keeps_its_own() {
    let orders: BTreeSet<Vec<usize>> = (0..300)
        .map(|seed| seeded(seed).block_on(spawn_order(3)))
        .collect();
    assert_eq!(orders.len(), 6, "all 3! orders come up: {orders:?}");
    for seed in [0, 1, 99, u64::MAX] {
        assert_eq!(
            seeded(seed).block_on(spawn_order(8)),
            seeded(seed).block_on(spawn_order(8)),
            "seed {seed} replays its order"
        );
    }
    assert_eq!(seeded(5).seed(), Some(5));
}

/// A program with something to choose at every step: tasks ready together, timers due on one
/// tick, a gather of children woken together, a queue, yields.
async fn busy_program() -> Vec<String> {
    let start = glassloop::now();
    let log = Rc::new(RefCell::new(Vec::new()));
    let queue = Rc::new(glassloop::sync::Queue::unbounded());
    let mut tasks = Vec::new();
    for i in 0..4u64 {
        let (log, queue) = (log.clone(), queue.clone());
        tasks.push(glassloop::spawn_named(&format!("worker {i}"), async move {
            glassloop::sleep(ms(10 * (i % 2 + 1))).await;
            queue.put_nowait(i).unwrap();
            glassloop::yield_now().await;
            log.borrow_mut()
                .push(format!("worker {i} at {:?}", glassloop::now() - start));
        }));
    }
    let gathered = glassloop::gather((0..4u64).map(|i| {
        let log = log.clone();
        async move {
            glassloop::sleep(ms(15)).await;
            log.borrow_mut().push(format!("child {i}"));
            i
        }
    }))
    .await;
    assert_eq!(gathered, [0, 1, 2, 3], "outputs keep the input order");
    for task in tasks {
        task.await.unwrap();
    }
    let mut got = Vec::new();
    while let Ok(item) = queue.get_nowait() {
        got.push(item);
    }
    log.borrow_mut().push(format!("queued {got:?}"));
    log.take()
}

fn traced(seed: u64) -> (String, Vec<String>) {
    let capture = Capture::default();
    let runtime = glassloop::Runtime::builder()
        .virtual_time(true)
        .seed(seed)
        .trace(true)
        .trace_to(capture.clone())
        .build()
        .unwrap();
    let log = runtime.block_on(busy_program());
    drop(runtime);
    (capture.text(), log)
}

#[test]
fn the_same_seed_gives_the_same_trace_byte_for_byte() {
    for seed in [1, 2, 3, 12345] {
        let (first, first_log) = traced(seed);
        let (second, second_log) = traced(seed);
        assert!(first.contains(&format!("seed {seed}: ")), "{first}");
        assert_eq!(first, second, "seed {seed}");
        assert_eq!(first_log, second_log);
    }
    let logs: BTreeSet<Vec<String>> = (0..40).map(|seed| traced(seed).1).collect();
    assert!(
        logs.len() > 10,
        "the seeds tried only {} orders",
        logs.len()
    );
}

#[test]
fn a_timer_due_earlier_always_fires_first_and_ties_go_either_way() {
    let mut tie_orders = BTreeSet::new();
    for seed in 0..100 {
        let order = seeded(seed).block_on(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            let sleepers: Vec<_> = [20u64, 10, 20, 10]
                .into_iter()
                .enumerate()
                .map(|(i, wait)| {
                    let log = log.clone();
                    glassloop::spawn(async move {
                        let start = glassloop::now();
                        glassloop::sleep(ms(wait)).await;
                        assert_eq!(glassloop::now() - start, ms(wait), "exactly on time");
                        log.borrow_mut().push((wait, i));
                    })
                })
                .collect();
            for sleeper in sleepers {
                sleeper.await.unwrap();
            }
            log.take()
        });
        let waits: Vec<u64> = order.iter().map(|&(wait, _)| wait).collect();
        assert_eq!(waits, [10, 10, 20, 20], "seed {seed}: {order:?}");
        tie_orders.insert(order);
    }
    assert_eq!(tie_orders.len(), 4, "both ties, each way: {tie_orders:?}");
}

#[test]
fn a_sleep_never_fires_early_under_any_seed() {
    glassloop::explore_seeds(200, || async {
        let start = glassloop::now();
        let checks = (1..=6u64).map(|n| async move {
            glassloop::sleep(ms(n * 7)).await;
            assert_eq!(glassloop::now() - start, ms(n * 7));
        });
        glassloop::gather(checks).await;
        let timed_out = glassloop::timeout(ms(5), glassloop::sleep(ms(5))).await;
        // A deadline and a sleep due on the same tick: the sleep is ready first inside timeout.
        assert!(timed_out.is_ok());
    });
}

#[test]
fn select_and_race_keep_the_first_written_branch_on_a_tie() {
    let seen = glassloop::explore_seeds(200, || async {
        let winner = glassloop::race(
            async {
                glassloop::sleep(ms(3)).await;
                "first"
            },
            async {
                glassloop::sleep(ms(3)).await;
                "second"
            },
        )
        .await;
        assert_eq!(winner, "first");
        let picked = glassloop::select! {
            a = glassloop::sleep(ms(4)) => { let () = a; 1 },
            b = glassloop::sleep(ms(4)) => { let () = b; 2 },
        };
        assert_eq!(picked, 1);
    });
    assert_eq!(seen.seeds, 200);
}

#[test]
fn locks_semaphores_and_queues_hand_over_in_the_order_waiters_asked() {
    // The seed decides in which order the waiters *ask* (they are ready together); whatever that
    // order, they must be served in it.
    let seen = glassloop::explore_seeds(300, || async {
        let lock = glassloop::sync::Lock::new(());
        let semaphore = glassloop::sync::Semaphore::new(1);
        let queue = glassloop::sync::Queue::<usize>::unbounded();
        let asked = RefCell::new(Vec::new());
        let served = RefCell::new(Vec::new());
        let held = lock.lock().await;
        let permit = semaphore.acquire().await;
        let waiters = (0..4).map(|i| {
            let (lock, semaphore, queue, asked, served) =
                (&lock, &semaphore, &queue, &asked, &served);
            async move {
                asked.borrow_mut().push(("lock", i));
                let guard = lock.lock().await;
                served.borrow_mut().push(("lock", i));
                glassloop::yield_now().await;
                drop(guard);
                asked.borrow_mut().push(("semaphore", i));
                let permit = semaphore.acquire().await;
                served.borrow_mut().push(("semaphore", i));
                glassloop::sleep(ms(1)).await;
                drop(permit);
                asked.borrow_mut().push(("queue", i));
                let item = queue.get().await;
                served.borrow_mut().push(("queue", item));
            }
        });
        let release = async {
            glassloop::sleep(ms(5)).await;
            drop(held);
            drop(permit);
            glassloop::sleep(ms(50)).await;
            for item in 0..4 {
                queue.put_nowait(item).unwrap();
            }
        };
        glassloop::gather!(glassloop::gather(waiters), release).await;
        // Per primitive, the order served is the order asked (queue: the nth asker gets item n).
        for what in ["lock", "semaphore", "queue"] {
            let asked: Vec<usize> = asked
                .borrow()
                .iter()
                .filter(|a| a.0 == what)
                .map(|a| a.1)
                .collect();
            let served: Vec<usize> = served
                .borrow()
                .iter()
                .filter(|s| s.0 == what)
                .map(|s| s.1)
                .collect();
            if what == "queue" {
                assert_eq!(served, [0, 1, 2, 3], "items come out in order");
            } else {
                assert_eq!(served, asked, "{what}: served in the order asked");
            }
        }
    });
    assert!(
        seen.schedules > 20,
        "only {seen} — the waiters did not vary"
    );
}

#[test]
fn gather_polls_children_woken_together_in_a_seeded_order() {
    let mut orders = BTreeSet::new();
    for seed in 0..100 {
        let order = seeded(seed).block_on(async {
            let log = RefCell::new(Vec::new());
            let log = &log;
            let outputs = glassloop::gather((0..3).map(|i| async move {
                glassloop::sleep(ms(2)).await;
                log.borrow_mut().push(i);
                i * 10
            }))
            .await;
            assert_eq!(outputs, [0, 10, 20]);
            log.take()
        });
        orders.insert(order);
    }
    assert_eq!(orders.len(), 6, "{orders:?}");
}

#[test]
fn as_completed_yields_in_finishing_order_and_ties_either_way() {
    let mut tie_orders = BTreeSet::new();
    for seed in 0..100 {
        let got = seeded(seed).block_on(async {
            let waits = [30u64, 10, 20, 10];
            let mut done = glassloop::as_completed(waits.map(|wait| async move {
                glassloop::sleep(ms(wait)).await;
                wait
            }));
            let mut got = Vec::new();
            while let Some(wait) = done.next().await {
                got.push(wait);
            }
            got
        });
        assert_eq!(got.iter().filter(|&&w| w == 10).count(), 2);
        assert_eq!(&got[2..], [20, 30], "seed {seed}");
        tie_orders.insert(got);
    }
    assert_eq!(tie_orders.len(), 1, "two equal outputs: one order to see");
}

#[test]
fn exploration_finds_the_lost_update_and_names_the_seed_that_replays_it() {
    assert_eq!(
        lost_update::run_once(None, false, None),
        lost_update::EXPECTED,
        "FIFO hides it"
    );
    let (seed, balance) = lost_update::first_lost_update(lost_update::SEEDS).expect("found");
    assert_eq!(balance, lost_update::OPENING - lost_update::WITHDRAWAL);
    assert_eq!(
        lost_update::run_once(Some(seed), false, None),
        balance,
        "the seed replays it"
    );
    let failure = catch_unwind(AssertUnwindSafe(|| {
        glassloop::explore_seeds(100, || async {
            assert_eq!(
                lost_update::deposit_and_withdraw(false).await,
                lost_update::EXPECTED
            );
        })
    }))
    .expect_err("the search fails");
    let message = panic_text(failure);
    assert!(
        message.contains(&format!("seed {seed} failed")),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "GLASSLOOP_SEED={seed} GLASSLOOP_TRACE=1 cargo test \
             exploration_finds_the_lost_update_and_names_the_seed_that_replays_it -- --exact"
        )),
        "{message}"
    );
    let fixed = glassloop::explore_seeds(1000, || async {
        assert_eq!(
            lost_update::deposit_and_withdraw(true).await,
            lost_update::EXPECTED
        );
    });
    assert!(fixed.schedules > 1, "{fixed}");
}

#[test]
fn the_lost_update_demo_prints_its_golden_output() {
    let mut out = Vec::new();
    lost_update::report(&mut out).unwrap();
    assert_golden("lost_update.txt", &String::from_utf8(out).unwrap());
}

thread_local! {
    static RUNS: Cell<usize> = const { Cell::new(0) };
}

/// Also a test of its own; called by the next test, which counts its runs.
#[glassloop::test(seeds = 64)]
async fn seeded_attribute_body() {
    RUNS.with(|runs| runs.set(runs.get() + 1));
    let order = spawn_order(3).await;
    assert_eq!(order.len(), 3);
}

#[test]
fn the_attribute_runs_the_body_once_per_seed() {
    RUNS.with(|runs| runs.set(0));
    seeded_attribute_body();
    assert_eq!(RUNS.with(Cell::get), 64);
}

/// Set in the copy of this test binary that checks `GLASSLOOP_SEED`.
const CHILD: &str = "GLASSLOOP_SEEDS_TEST_CHILD";

#[test]
fn glassloop_seed_in_the_environment_seeds_a_loop_built_without_one() {
    if std::env::var_os(CHILD).is_some() {
        match glassloop::Runtime::new() {
            Ok(runtime) => println!("seed: {:?}", runtime.seed()),
            Err(error) => println!("error: {error}"),
        }
        return;
    }
    let name = "glassloop_seed_in_the_environment_seeds_a_loop_built_without_one";
    let child = |seed: &str| {
        let output = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture", "--test-threads", "1"])
            .env(CHILD, "1")
            .env("GLASSLOOP_SEED", seed)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(child("17").contains("seed: Some(17)"));
    assert!(
        child("seventeen").contains(
            "error: GLASSLOOP_SEED=\"seventeen\" is not a seed: give a whole number, 0 to 2^64-1"
        ),
        "a bad seed is a clear error"
    );
}

/// The wakes of one selector poll, in the order the trace shows them, for two sockets that become
/// readable together.
fn io_wake_order(seed: Option<u64>) -> Vec<String> {
    let capture = Capture::default();
    let mut builder = glassloop::Runtime::builder()
        .trace(true)
        .trace_to(capture.clone());
    if let Some(seed) = seed {
        builder = builder.seed(seed);
    }
    let runtime = builder.build().unwrap();
    runtime.block_on(async {
        use glassloop::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut clients = Vec::new();
        let mut readers = Vec::new();
        for name in ["reader a", "reader b"] {
            clients.push(TcpStream::connect(addr).await.unwrap());
            let (mut server_side, _) = listener.accept().await.unwrap();
            readers.push(glassloop::spawn_named(name, async move {
                let mut byte = [0u8; 1];
                server_side.read(&mut byte).await.unwrap()
            }));
        }
        glassloop::yield_now().await; // both readers now wait on their sockets
        glassloop::yield_now().await;
        for client in &mut clients {
            client.write_all(b"x").await.unwrap(); // on loopback: readable at once
        }
        for reader in readers {
            assert_eq!(reader.await.unwrap(), 1);
        }
    });
    drop(runtime);
    capture
        .text()
        .lines()
        .filter(|line| line.contains("'reader") && line.contains("woken by I/O"))
        .map(|line| line.split("] ").nth(1).unwrap_or(line).to_string())
        .collect()
}

#[test]
fn the_io_events_of_one_poll_wake_their_tasks_in_a_seeded_order() {
    let fifo = io_wake_order(None);
    assert_eq!(fifo.len(), 2, "{fifo:?}");
    let orders: BTreeSet<Vec<String>> = (0..40).map(|seed| io_wake_order(Some(seed))).collect();
    assert_eq!(orders.len(), 2, "both orders: {orders:?}");
}
