//! `cargo run --example lost_update` — the classic race of async code, found by exploring seeds
//! and fixed with a lock.
//!
//! ```python
//! async def deposit(amount):
//!     balance = await db.read_balance()         # the query runs; its answer takes a round trip
//!     await db.write_balance(balance + amount)  # another task may have written meanwhile
//!
//! async def withdraw(amount):
//!     await check_fraud()                       # a call of its own first
//!     balance = await db.read_balance()
//!     await db.write_balance(balance - amount)
//!
//! await asyncio.gather(deposit(50), withdraw(20))   # 100 + 50 - 20 should be 130
//! ```
//!
//! One thread, no data race — and still a race: each task reads, awaits, and writes back, and
//! whether one task's write lands between the other's read and write depends on which of two
//! things due at the same moment the loop runs first. asyncio's order is fixed (first in, first
//! out) and happens to run them the lucky way, so the bug never shows in a test; under load, in
//! production, the timing shifts. Here:
//!
//! 1. the FIFO run gives 130: correct, by luck;
//! 2. seeds: each one orders the things that are ready together differently (on virtual time, so
//!    no real waiting); the first seed that loses the deposit is found, and
//! 3. replayed with the trace on, to show the interleaving;
//! 4. with a `sync::Lock` around each read-modify-write, every seed gives 130.
//!
//! The chapter is docs/seeded-schedules.md; the machinery `Builder::seed` and
//! `glassloop::explore_seeds`.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use glassloop::sync::Lock;

/// How long each database call takes to come back.
pub const ROUND_TRIP: Duration = Duration::from_millis(10);

/// The opening balance, the deposit and the withdrawal.
pub const OPENING: i64 = 100;
pub const DEPOSIT: i64 = 50;
pub const WITHDRAWAL: i64 = 20;

/// A pretend database holding one balance. A query runs when it arrives and its answer comes back
/// a round trip later; a write lands when it arrives and is acknowledged a round trip later.
#[derive(Default)]
pub struct Db {
    balance: Cell<i64>,
}

impl Db {
    pub async fn read_balance(&self) -> i64 {
        let balance = self.balance.get();
        glassloop::sleep(ROUND_TRIP).await;
        balance
    }

    pub async fn write_balance(&self, balance: i64) {
        self.balance.set(balance);
        glassloop::sleep(ROUND_TRIP).await;
    }
}

/// The two tasks at once; returns the final balance. With `lock`, each read-modify-write holds
/// the account's lock (asyncio: `async with account_lock:`).
pub async fn deposit_and_withdraw(lock: bool) -> i64 {
    let db = Rc::new(Db::default());
    db.balance.set(OPENING);
    let account = Lock::new(());
    let deposit = {
        let (db, account) = (db.clone(), account.clone());
        glassloop::spawn_named("deposit", async move {
            let _held = if lock {
                Some(account.lock().await)
            } else {
                None
            };
            let balance = db.read_balance().await;
            db.write_balance(balance + DEPOSIT).await;
        })
    };
    let withdraw = {
        let (db, account) = (db.clone(), account.clone());
        glassloop::spawn_named("withdraw", async move {
            glassloop::sleep(ROUND_TRIP).await; // the fraud check: a call of its own first
            let _held = if lock {
                Some(account.lock().await)
            } else {
                None
            };
            let balance = db.read_balance().await;
            db.write_balance(balance - WITHDRAWAL).await;
        })
    };
    deposit.await.expect("the deposit task");
    withdraw.await.expect("the withdrawal task");
    db.balance.get()
}

/// The balance it should end with.
pub const EXPECTED: i64 = OPENING + DEPOSIT - WITHDRAWAL;

/// The final balance of one run with `seed` (`None`: FIFO), on virtual time, with its trace
/// written to `trace` if given.
pub fn run_once(seed: Option<u64>, lock: bool, trace: Option<SharedBuffer>) -> i64 {
    let mut builder = glassloop::Runtime::builder().virtual_time(true);
    if let Some(seed) = seed {
        builder = builder.seed(seed);
    }
    if let Some(trace) = trace {
        builder = builder.trace(true).trace_to(trace);
    }
    let runtime = builder.build().expect("an event loop");
    runtime.block_on(deposit_and_withdraw(lock))
}

/// The first seed of `0..seeds` that loses an update, and the balance it ended with.
pub fn first_lost_update(seeds: u64) -> Option<(u64, i64)> {
    (0..seeds)
        .map(|seed| (seed, run_once(Some(seed), false, None)))
        .find(|&(_, balance)| balance != EXPECTED)
}

/// A `Write` that keeps what is written, for the trace of one run.
#[derive(Clone, Default)]
pub struct SharedBuffer(pub Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How many seeds the demo tries.
pub const SEEDS: u64 = 100;

/// Everything the demo prints, written to `out` (the golden file tests/golden/lost_update.txt
/// holds it, and the chapter quotes it).
pub fn report(out: &mut impl Write) -> std::io::Result<()> {
    let fifo = run_once(None, false, None);
    writeln!(
        out,
        "FIFO, asyncio's order: {OPENING} + {DEPOSIT} - {WITHDRAWAL} = {fifo} — correct, by luck"
    )?;

    let Some((seed, balance)) = first_lost_update(SEEDS) else {
        return writeln!(out, "no seed of {SEEDS} lost the update");
    };
    writeln!(
        out,
        "seed {seed}: the balance ends at {balance}, not {EXPECTED} — the deposit was lost \
         (replay: GLASSLOOP_SEED={seed} GLASSLOOP_TRACE=1)"
    )?;
    let trace = SharedBuffer::default();
    run_once(Some(seed), false, Some(trace.clone()));
    writeln!(out, "its trace:")?;
    for line in String::from_utf8_lossy(&trace.0.borrow()).lines() {
        writeln!(out, "  {line}")?;
    }

    let seen = glassloop::explore_seeds(SEEDS, || async {
        assert_eq!(deposit_and_withdraw(true).await, EXPECTED);
    });
    writeln!(out, "with the lock: {seen}, every one ending at {EXPECTED}")
}

fn main() {
    let stdout = std::io::stdout();
    if let Err(error) = report(&mut stdout.lock()) {
        eprintln!("lost_update: {error}");
        std::process::exit(1);
    }
}
