//! Model test: the wheel against the simplest structure that could do its job.
//!
//! asyncio's `loop._scheduled` is a heap ordered by deadline; here the model is a
//! `BTreeMap<(deadline, seq), id>`, sorted by deadline with ties broken by insertion order. proptest
//! generates random sequences of inserts (near, far, beyond the wheel, `u64::MAX`, in the past),
//! cancels (of live and of stale keys) and advances (by nothing, a little, a lot, to the end of
//! time), and after every step the wheel must agree with the model exactly: the same timers fired,
//! in the same order, none early and none late, and the same number left waiting.
//!
//! `PROPTEST_CASES=10000 cargo test -p glassloop-timer --test model` runs it harder.

use std::collections::BTreeMap;

use glassloop_timer::{Position, TimerKey, TimerWheel, LEVELS, SLOTS_PER_LEVEL};
use proptest::prelude::*;
use proptest::sample::Index;

/// How far away a new timer's deadline is, relative to the wheel's tick when it is inserted.
#[derive(Clone, Debug)]
enum Deadline {
    /// Within a few level-0 windows.
    Soon(u64),
    /// Up to 2^20 ticks: levels 1 to 3.
    Later(u64),
    /// Up to 2^40 ticks: the upper levels and the overflow list.
    Far(u64),
    /// `u64::MAX` exactly.
    EndOfTime,
    /// A few ticks short of `u64::MAX`.
    NearEndOfTime(u64),
    /// Already in the past (or exactly now).
    Past(u64),
}

/// How far to move time forward.
#[derive(Clone, Debug)]
enum Step {
    Zero,
    Small(u64),
    Large(u64),
    Huge(u64),
    ToEndOfTime,
}

#[derive(Clone, Debug)]
enum Op {
    Insert(Deadline),
    CancelLive(Index),
    CancelStale(Index),
    Advance(Step),
    /// `advance_to(next_expiration())`: must fire nothing early.
    AdvanceToNextExpiration,
    /// Repeat `advance_to(next_expiration())` until the earliest timer fires.
    RunUntilEarliestFires,
}

fn deadline() -> impl Strategy<Value = Deadline> {
    prop_oneof![
        8 => (0..200u64).prop_map(Deadline::Soon),
        6 => (0..1u64 << 20).prop_map(Deadline::Later),
        4 => (0..1u64 << 40).prop_map(Deadline::Far),
        1 => Just(Deadline::EndOfTime),
        1 => (0..100u64).prop_map(Deadline::NearEndOfTime),
        2 => (0..1_000u64).prop_map(Deadline::Past),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::Zero),
        6 => (1..200u64).prop_map(Step::Small),
        4 => (200..1u64 << 20).prop_map(Step::Large),
        2 => (1u64 << 20..1u64 << 42).prop_map(Step::Huge),
        1 => Just(Step::ToEndOfTime),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => deadline().prop_map(Op::Insert),
        4 => any::<Index>().prop_map(Op::CancelLive),
        2 => any::<Index>().prop_map(Op::CancelStale),
        6 => step().prop_map(Op::Advance),
        2 => Just(Op::AdvanceToNextExpiration),
        2 => Just(Op::RunUntilEarliestFires),
    ]
}

/// A timer the model knows is waiting.
#[derive(Debug)]
struct LiveTimer {
    id: u64,
    key: TimerKey,
    deadline: u64,
    /// Its key in `Model::pending`.
    order: (u64, u64),
}

/// The wheel under test and the sorted map that says what it should do.
struct Model {
    wheel: TimerWheel<u64>,
    /// Every waiting timer, by (effective deadline, insertion number). A timer inserted with a
    /// deadline in the past is due at the tick it was inserted: that is when it fires, and that
    /// places it in firing order.
    pending: BTreeMap<(u64, u64), u64>,
    /// The same timers, in a `Vec` so that a random one can be picked to cancel.
    live: Vec<LiveTimer>,
    /// Keys whose timers fired or were cancelled.
    stale: Vec<TimerKey>,
    inserted: u64,
}

impl Model {
    fn new() -> Self {
        Model {
            wheel: TimerWheel::new(),
            pending: BTreeMap::new(),
            live: Vec::new(),
            stale: Vec::new(),
            inserted: 0,
        }
    }

    fn insert(&mut self, how_far: &Deadline) {
        let now = self.wheel.elapsed();
        let deadline = match *how_far {
            Deadline::Soon(ticks) | Deadline::Later(ticks) | Deadline::Far(ticks) => {
                now.saturating_add(ticks)
            }
            Deadline::EndOfTime => u64::MAX,
            Deadline::NearEndOfTime(ticks) => u64::MAX - ticks,
            Deadline::Past(ticks) => now.saturating_sub(ticks),
        };
        let id = self.inserted;
        self.inserted += 1;

        let key = self.wheel.insert(deadline, id);
        let order = (deadline.max(now), id);
        self.pending.insert(order, id);
        self.live.push(LiveTimer {
            id,
            key,
            deadline,
            order,
        });
    }

    fn cancel_live(&mut self, pick: &Index) {
        if self.live.is_empty() {
            return;
        }
        let timer = self.live.swap_remove(pick.index(self.live.len()));
        assert_eq!(self.wheel.deadline(timer.key), Some(timer.deadline));
        let position = self
            .wheel
            .position(timer.key)
            .expect("a live timer has a position");
        assert!(position.level <= LEVELS && position.slot < SLOTS_PER_LEVEL);
        if position.level == LEVELS {
            assert_eq!(
                position,
                Position {
                    level: LEVELS,
                    slot: 0
                }
            );
        }

        assert_eq!(self.wheel.cancel(timer.key), Some(timer.id));
        self.pending.remove(&timer.order);
        self.stale.push(timer.key);
    }

    fn cancel_stale(&mut self, pick: &Index) {
        if self.stale.is_empty() {
            return;
        }
        let key = self.stale[pick.index(self.stale.len())];
        assert_eq!(
            self.wheel.cancel(key),
            None,
            "a stale key cancelled something"
        );
        assert_eq!(self.wheel.deadline(key), None);
        assert_eq!(self.wheel.position(key), None);
    }

    /// Advances the wheel to `now` and checks that exactly the model's due timers fired, in
    /// order. Returns how many fired.
    fn advance_to(&mut self, now: u64) -> usize {
        let before = self.wheel.elapsed();
        let mut fired = Vec::new();
        self.wheel.advance_to(now, &mut fired);
        assert_eq!(self.wheel.elapsed(), before.max(now));

        // Everything in the model with an effective deadline up to `now`, in model order.
        let mut expected = Vec::new();
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 > now {
                break;
            }
            expected.push(entry.remove());
        }
        assert_eq!(fired, expected, "advance_to({now}) from {before}");

        self.live.retain(|timer| {
            let gone = timer.order.0 <= now;
            if gone {
                self.stale.push(timer.key);
            }
            !gone
        });
        fired.len()
    }

    fn advance_by(&mut self, step: &Step) {
        let now = self.wheel.elapsed();
        let target = match *step {
            Step::Zero => now,
            Step::Small(ticks) | Step::Large(ticks) | Step::Huge(ticks) => {
                now.saturating_add(ticks)
            }
            Step::ToEndOfTime => u64::MAX,
        };
        self.advance_to(target);
    }

    fn advance_to_next_expiration(&mut self) {
        if let Some(next) = self.wheel.next_expiration() {
            self.advance_to(next);
        }
    }

    fn run_until_earliest_fires(&mut self) {
        let Some(&(earliest, _)) = self.pending.keys().next() else {
            return;
        };
        // The earliest timer moves at least one level down per step (and the overflow list may
        // need two visits when its recorded earliest deadline was cancelled), so this is short.
        for _ in 0..LEVELS + 2 {
            let next = self.wheel.next_expiration().expect("timers are waiting");
            assert!(
                next <= earliest,
                "next_expiration {next} is after {earliest}"
            );
            if self.advance_to(next) > 0 {
                assert_eq!(next, earliest);
                return;
            }
        }
        panic!(
            "the earliest timer, due at {earliest}, did not fire in {} steps",
            LEVELS + 2
        );
    }

    /// What must hold between any two operations.
    fn check(&self) {
        assert_eq!(self.wheel.len(), self.pending.len());
        assert_eq!(self.wheel.is_empty(), self.pending.is_empty());
        let elapsed = self.wheel.elapsed();
        match self.pending.keys().next() {
            None => assert_eq!(self.wheel.next_expiration(), None),
            Some(&(earliest, _)) => {
                let next = self.wheel.next_expiration().expect("timers are waiting");
                assert!(
                    elapsed <= next && next <= earliest,
                    "next_expiration {next} outside {elapsed}..={earliest}"
                );
                // Within the current level-0 window the earliest timer is on level 0, and the
                // answer must be exact.
                if earliest >> 6 == elapsed >> 6 {
                    assert_eq!(next, earliest);
                }
            }
        }
    }
}

proptest! {
    // The default configuration, so that `PROPTEST_CASES` can raise the number of cases.
    #[test]
    fn the_wheel_agrees_with_a_sorted_map(ops in prop::collection::vec(op(), 1..150)) {
        let mut model = Model::new();
        for op in &ops {
            match op {
                Op::Insert(how_far) => model.insert(how_far),
                Op::CancelLive(pick) => model.cancel_live(pick),
                Op::CancelStale(pick) => model.cancel_stale(pick),
                Op::Advance(step) => model.advance_by(step),
                Op::AdvanceToNextExpiration => model.advance_to_next_expiration(),
                Op::RunUntilEarliestFires => model.run_until_earliest_fires(),
            }
            model.check();
        }
        // Finally, the end of time fires everything that is left.
        model.advance_to(u64::MAX);
        model.check();
        prop_assert!(model.wheel.is_empty());
    }
}
