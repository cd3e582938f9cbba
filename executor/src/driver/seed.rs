//! Seeded choices: with `Builder::seed(n)` (or `GLASSLOOP_SEED=n`), every order the loop is free
//! to choose — between things that became ready *at the same time* — is drawn from a generator
//! seeded with `n`, instead of being taken in arrival order. asyncio has no twin: its order is
//! always FIFO. Its relatives are tokio's unstable `rng_seed` and the deterministic simulators
//! (FoundationDB's, madsim, turmoil).
//!
//! What a seed may reorder, and where each choice is made:
//!
//! - the tasks polled in one turn (the ready queue, at the start of the turn);
//! - the timers that fire on the same tick ([`timers.rs`](super::timers));
//! - the I/O events one selector poll delivers ([`reactor.rs`](super::reactor));
//! - the children that `gather`, `try_gather` and `as_completed` poll together.
//!
//! What it never changes: when anything happens (a sleep never fires early, virtual time moves
//! only to the next deadline), the tie rule of `select!` and `race` (the first branch written
//! wins), and the FIFO hand-over of the sync primitives (`Lock`, `Semaphore`, `Queue` …, which give
//! the item to the first waiter whatever order the waiters are polled in). Those are promises of
//! the API, not choices of the loop.
//!
//! Each choice is a Fisher–Yates shuffle with a small, fast generator (SplitMix64: good enough to
//! explore orders, and the same numbers on every machine). Everything chosen is folded into a
//! *fingerprint* of the run, so seed exploration can say how many different schedules its seeds
//! produced. With no seed there is no `Seeded` at all: the loop's only cost is an `Option` check
//! per turn, per timer batch and per selector poll.
//!
//! Read next: [`clock.rs`](super::clock), the loop's time.

use std::cell::Cell;
use std::rc::Rc;

/// The loop's seeded generator and the fingerprint of what it chose. Shared (an `Rc`) by the
/// places that choose: the ready queue, the timers and the reactor; `gather` asks the loop for it.
#[derive(Debug)]
pub(crate) struct Seeded {
    seed: u64,
    state: Cell<u64>,
    fingerprint: Cell<u64>,
}

impl Seeded {
    pub(crate) fn new(seed: u64) -> Rc<Seeded> {
        Rc::new(Seeded {
            seed,
            state: Cell::new(seed),
            fingerprint: Cell::new(FINGERPRINT_START),
        })
    }

    /// The seed this run was given.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// A digest of every choice made so far: two runs with the same fingerprint took the same
    /// schedule.
    pub(crate) fn fingerprint(&self) -> u64 {
        self.fingerprint.get()
    }

    /// Puts `items` in a seeded order, and folds the resulting order (each item's `key`) into the
    /// fingerprint. One item or none: nothing to choose, nothing drawn.
    pub(crate) fn shuffle<T>(&self, items: &mut [T], key: impl Fn(&T) -> u64) {
        if items.len() < 2 {
            return;
        }
        for last in (1..items.len()).rev() {
            let pick = (self.next() % (last as u64 + 1)) as usize;
            items.swap(last, pick);
        }
        let mut digest = self.fingerprint.get();
        for item in items.iter() {
            digest = (digest ^ key(item)).wrapping_mul(FINGERPRINT_PRIME);
        }
        // The batch boundary counts too: [1, 2] then [3] is not [1] then [2, 3].
        self.fingerprint
            .set((digest ^ items.len() as u64).wrapping_mul(FINGERPRINT_PRIME));
    }

    /// SplitMix64's next number.
    fn next(&self) -> u64 {
        let state = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// FNV-1a's offset basis and prime: a cheap, well-spread fold of 64-bit keys.
const FINGERPRINT_START: u64 = 0xCBF2_9CE4_8422_2325;
const FINGERPRINT_PRIME: u64 = 0x0000_0100_0000_01B3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_orders_and_fingerprint() {
        let run = |seed| {
            let seeded = Seeded::new(seed);
            let mut orders = Vec::new();
            for _ in 0..20 {
                let mut items: Vec<u64> = (0..6).collect();
                seeded.shuffle(&mut items, |&n| n);
                orders.push(items);
            }
            (orders, seeded.fingerprint())
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn every_order_of_three_comes_up_and_nothing_is_lost() {
        let seeded = Seeded::new(1);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let mut items = [1u64, 2, 3];
            seeded.shuffle(&mut items, |&n| n);
            let mut sorted = items;
            sorted.sort_unstable();
            assert_eq!(sorted, [1, 2, 3]);
            seen.insert(items);
        }
        assert_eq!(seen.len(), 6, "all 3! orders");
    }

    #[test]
    fn a_single_item_draws_nothing() {
        let seeded = Seeded::new(3);
        let before = seeded.fingerprint();
        seeded.shuffle(&mut [42u64], |&n| n);
        assert_eq!(seeded.fingerprint(), before);
    }
}
