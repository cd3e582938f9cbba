//! Unit tests for the wheel: the promises a runtime's `sleep` and `timeout` rely on, each checked
//! on hand-picked cases. `tests/model.rs` checks the same promises on random operation sequences
//! against a plain sorted map — the way asyncio's heap would answer.

use super::*;

/// Advances `wheel` to `now` and returns what fired, in firing order.
fn advance<T>(wheel: &mut TimerWheel<T>, now: u64) -> Vec<T> {
    let mut fired = Vec::new();
    wheel.advance_to(now, &mut fired);
    fired
}

/// Ten years of milliseconds: far past the six levels, so on the overflow list.
const TEN_YEARS_MS: u64 = 10 * 365 * 24 * 60 * 60 * 1000;

/// The first tick beyond the six levels' reach from tick 0.
const WHEEL_SPAN: u64 = 1 << 36;

#[test]
fn a_new_wheel_is_empty_at_tick_zero() {
    let wheel: TimerWheel<()> = TimerWheel::default();
    assert_eq!(wheel.elapsed(), 0);
    assert_eq!(wheel.len(), 0);
    assert!(wheel.is_empty());
    assert_eq!(wheel.capacity(), 0);
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn never_fires_early_and_fires_exactly_on_time() {
    // Deadlines on every level and at the edges between them, including the overflow list.
    let deadlines = [
        1,
        2,
        63,
        64,
        65,
        1_000,
        4_095,
        4_096,
        5_000,
        (1 << 20) + 7,
        (1 << 30) - 1,
        WHEEL_SPAN - 1,
        WHEEL_SPAN,
        WHEEL_SPAN + 12_345,
    ];
    for start in [0, 100, 4_000] {
        for deadline in deadlines {
            let deadline = start + deadline;
            let mut wheel = TimerWheel::new();
            advance(&mut wheel, start);
            wheel.insert(deadline, deadline);

            assert!(
                advance(&mut wheel, deadline - 1).is_empty(),
                "deadline {deadline} (inserted at {start}) fired at {}",
                deadline - 1
            );
            assert_eq!(wheel.elapsed(), deadline - 1);
            assert_eq!(advance(&mut wheel, deadline), [deadline]);
            assert!(wheel.is_empty());
        }
    }
}

#[test]
fn the_xor_rule_example_files_on_level_2_and_fires_on_time() {
    // The example from `position_for`: at tick 100, deadline 4100 is only 4000 ticks away, yet
    // it must go on level 2, because tick 4100 is in the next 4096-tick stretch.
    let mut wheel = TimerWheel::new();
    advance(&mut wheel, 100);
    let key = wheel.insert(4_100, ());
    assert_eq!(wheel.position(key), Some(Position { level: 2, slot: 1 }));
    assert_eq!(wheel.next_expiration(), Some(4_096));
    assert!(advance(&mut wheel, 4_099).is_empty());
    assert_eq!(advance(&mut wheel, 4_100).len(), 1);
}

#[test]
fn a_big_jump_fires_everything_due_in_deadline_order() {
    let mut wheel = TimerWheel::new();
    let deadlines = [5_000, 3, WHEEL_SPAN + 1, 64, 70_000, 63, 4_096, 1 << 33];
    for deadline in deadlines {
        wheel.insert(deadline, deadline);
    }
    let mut expected = deadlines.to_vec();
    expected.sort_unstable();

    assert_eq!(advance(&mut wheel, WHEEL_SPAN + 1), expected);
    assert!(wheel.is_empty());
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn cancel_returns_the_payload_and_removes_the_timer() {
    let mut wheel = TimerWheel::new();
    let near = wheel.insert(10, "near");
    let far = wheel.insert(TEN_YEARS_MS, "far");
    let middle = wheel.insert(5_000, "middle");
    assert_eq!(wheel.len(), 3);

    assert_eq!(wheel.cancel(middle), Some("middle"));
    assert_eq!(wheel.cancel(far), Some("far"));
    assert_eq!(wheel.len(), 1);

    // Only the timer that was not cancelled fires, however far time goes.
    assert_eq!(advance(&mut wheel, u64::MAX), ["near"]);
    assert_eq!(wheel.cancel(near), None);
}

#[test]
fn a_stale_key_is_ignored_even_after_its_entry_is_reused() {
    let mut wheel = TimerWheel::new();

    // Stale by cancel.
    let cancelled = wheel.insert(100, "cancelled");
    assert_eq!(wheel.cancel(cancelled), Some("cancelled"));
    assert_eq!(wheel.cancel(cancelled), None);

    // The freed entry is reused by the next insert (capacity stays 1)...
    let fires = wheel.insert(100, "fires");
    assert_eq!(wheel.capacity(), 1);
    assert_eq!(
        fires.index, cancelled.index,
        "the entry should have been reused"
    );

    // ...and the old key sees none of it.
    assert_eq!(wheel.cancel(cancelled), None);
    assert_eq!(wheel.get_mut(cancelled), None);
    assert_eq!(wheel.deadline(cancelled), None);
    assert_eq!(wheel.position(cancelled), None);
    assert_eq!(wheel.len(), 1);

    // Stale by firing: the same again.
    assert_eq!(advance(&mut wheel, 100), ["fires"]);
    let newest = wheel.insert(200, "newest");
    assert_eq!(newest.index, fires.index);
    assert_eq!(wheel.cancel(fires), None);
    assert_eq!(wheel.cancel(cancelled), None);

    // The new owner of the entry is untouched.
    assert_eq!(wheel.deadline(newest), Some(200));
    assert_eq!(advance(&mut wheel, 200), ["newest"]);
}

#[test]
fn a_key_from_elsewhere_is_ignored() {
    let mut big = TimerWheel::new();
    let keys: Vec<_> = (0..10).map(|n| big.insert(n, n)).collect();
    let mut small = TimerWheel::new();
    small.insert(5, 5);

    // Index 9 does not exist in `small`, and index 0 has a live entry of its own.
    assert_eq!(small.cancel(keys[9]), None);
    assert_eq!(small.len(), 1);
}

#[test]
fn get_mut_and_deadline_reach_a_waiting_timer() {
    let mut wheel = TimerWheel::new();
    let key = wheel.insert(1_234, String::from("first waker"));
    assert_eq!(wheel.deadline(key), Some(1_234));

    *wheel.get_mut(key).unwrap() = String::from("second waker");
    assert_eq!(advance(&mut wheel, 1_234), ["second waker"]);
    assert_eq!(wheel.deadline(key), None);
}

#[test]
fn a_deadline_in_the_past_fires_on_the_next_advance_without_time_moving() {
    let mut wheel = TimerWheel::new();

    // At tick 0, deadline 0 is due now.
    wheel.insert(0, "zero");
    assert_eq!(wheel.next_expiration(), Some(0));
    assert_eq!(advance(&mut wheel, 0), ["zero"]);

    advance(&mut wheel, 1_000);
    let past = wheel.insert(10, "past");
    wheel.insert(1_000, "now");
    assert_eq!(
        wheel.position(past),
        Some(Position {
            level: 0,
            slot: 1_000 % 64
        })
    );
    assert_eq!(wheel.next_expiration(), Some(1_000));

    let now = wheel.elapsed();
    assert_eq!(advance(&mut wheel, now), ["past", "now"]);
    assert_eq!(wheel.elapsed(), 1_000);
    assert!(wheel.is_empty());
}

#[test]
fn time_never_goes_back() {
    let mut wheel = TimerWheel::new();
    advance(&mut wheel, 500);
    wheel.insert(400, "due");

    // Advancing to an earlier tick is a no-op: nothing fires and `elapsed` stays.
    assert!(advance(&mut wheel, 100).is_empty());
    assert_eq!(wheel.elapsed(), 500);
    assert_eq!(wheel.len(), 1);

    assert_eq!(advance(&mut wheel, 500), ["due"]);
}

#[test]
fn huge_deadlines_are_accepted_and_fire_late_never_early() {
    let mut wheel = TimerWheel::new();
    let ten_years = wheel.insert(TEN_YEARS_MS, "ten years");
    let forever = wheel.insert(u64::MAX, "forever");
    assert_eq!(
        wheel.position(forever),
        Some(Position {
            level: LEVELS,
            slot: 0
        })
    );
    assert_eq!(wheel.deadline(forever), Some(u64::MAX));

    assert!(advance(&mut wheel, TEN_YEARS_MS - 1).is_empty());
    assert_eq!(advance(&mut wheel, TEN_YEARS_MS), ["ten years"]);
    assert_eq!(wheel.deadline(ten_years), None);

    assert!(advance(&mut wheel, u64::MAX - 1).is_empty());
    assert_eq!(wheel.len(), 1);
    assert_eq!(advance(&mut wheel, u64::MAX), ["forever"]);
    assert_eq!(wheel.elapsed(), u64::MAX);

    // At the very end of time every deadline is due now, and still fires.
    wheel.insert(u64::MAX, "at the end");
    assert_eq!(advance(&mut wheel, u64::MAX), ["at the end"]);
}

#[test]
fn next_expiration_is_exact_on_level_0() {
    let mut wheel = TimerWheel::new();
    wheel.insert(40, ());
    wheel.insert(50, ());
    assert_eq!(wheel.next_expiration(), Some(40));

    // From tick 100, a deadline in the same 64-tick window (64..128) is on level 0 too.
    advance(&mut wheel, 100);
    wheel.insert(120, ());
    assert_eq!(wheel.next_expiration(), Some(120));
}

#[test]
fn next_expiration_on_higher_levels_is_the_slot_start() {
    let mut wheel = TimerWheel::new();
    let level_2 = wheel.insert(5_000, ());
    // Level 2 slots are 4096 ticks wide: 5000 is in the one starting at 4096.
    assert_eq!(wheel.next_expiration(), Some(4_096));

    // A level-1 timer is found before the level-2 one: lower levels always expire first.
    wheel.insert(1_000, ());
    assert_eq!(wheel.next_expiration(), Some(960));

    // Once time is at tick 200, the level-1 timer's slot still starts at 960...
    advance(&mut wheel, 200);
    assert_eq!(wheel.next_expiration(), Some(960));
    // ...and when only the level-2 timer is left, its slot start is the answer.
    advance(&mut wheel, 1_000);
    assert_eq!(
        wheel.position(level_2),
        Some(Position { level: 2, slot: 1 })
    );
    assert_eq!(wheel.next_expiration(), Some(4_096));
}

#[test]
fn next_expiration_for_the_overflow_list_is_the_block_of_its_earliest_deadline() {
    let mut wheel = TimerWheel::new();
    let key = wheel.insert(WHEEL_SPAN + 5, ());
    assert_eq!(
        wheel.position(key),
        Some(Position {
            level: LEVELS,
            slot: 0
        })
    );
    assert_eq!(wheel.next_expiration(), Some(WHEEL_SPAN));

    // Ten years out is in the fifth 2^36-tick block; the earlier deadline still decides.
    wheel.insert(TEN_YEARS_MS, ());
    assert_eq!(wheel.next_expiration(), Some(WHEEL_SPAN));
    wheel.cancel(key);
    let ten_years_block = (TEN_YEARS_MS >> 36) << 36;
    // Cancelling the earliest leaves the old bound in place (a lower bound is allowed)...
    assert_eq!(wheel.next_expiration(), Some(WHEEL_SPAN));
    // ...and advancing to it re-files the list and sharpens the answer, firing nothing.
    assert!(advance(&mut wheel, WHEEL_SPAN).is_empty());
    assert_eq!(wheel.next_expiration(), Some(ten_years_block));

    // Anything on a level comes before the overflow list.
    wheel.insert(WHEEL_SPAN + 10, ());
    assert_eq!(wheel.next_expiration(), Some(WHEEL_SPAN + 10));
}

#[test]
fn positions_match_hand_computed_slots() {
    let mut wheel = TimerWheel::new();
    let cases = [
        (0, Position { level: 0, slot: 0 }), // due now, in the current slot
        (1, Position { level: 0, slot: 1 }),
        (63, Position { level: 0, slot: 63 }),
        (64, Position { level: 1, slot: 1 }),
        (2_000, Position { level: 1, slot: 31 }), // 31 × 64 = 1984 ≤ 2000 < 2048
        (4_095, Position { level: 1, slot: 63 }),
        (4_096, Position { level: 2, slot: 1 }),
        (1 << 18, Position { level: 3, slot: 1 }),
        (3 << 24, Position { level: 4, slot: 3 }),
        ((1 << 36) - 1, Position { level: 5, slot: 63 }),
        (
            1 << 36,
            Position {
                level: LEVELS,
                slot: 0,
            },
        ),
    ];
    for (deadline, expected) in cases {
        let key = wheel.insert(deadline, ());
        assert_eq!(wheel.position(key), Some(expected), "deadline {deadline}");
    }
}

#[test]
fn a_timer_cascades_down_one_level_at_a_time() {
    // The worked example of the chapter: 5000 = 1 × 4096 + 14 × 64 + 8.
    let mut wheel = TimerWheel::new();
    let key = wheel.insert(5_000, ());
    assert_eq!(wheel.position(key), Some(Position { level: 2, slot: 1 }));

    assert!(advance(&mut wheel, 4_096).is_empty());
    assert_eq!(wheel.position(key), Some(Position { level: 1, slot: 14 }));
    assert_eq!(wheel.next_expiration(), Some(4_992));

    assert!(advance(&mut wheel, 4_992).is_empty());
    assert_eq!(wheel.position(key), Some(Position { level: 0, slot: 8 }));
    assert_eq!(wheel.next_expiration(), Some(5_000));

    assert_eq!(advance(&mut wheel, 5_000).len(), 1);
}

#[test]
fn equal_deadlines_fire_in_insertion_order() {
    let mut wheel = TimerWheel::new();
    // Same deadline, inserted at different times: before and after it cascades, interleaved
    // with other deadlines and a cancellation.
    wheel.insert(5_000, 0);
    wheel.insert(4_999, -1);
    wheel.insert(5_000, 1);
    advance(&mut wheel, 4_200); // 5000 has cascaded to level 1 by now
    let cancelled = wheel.insert(5_000, 99);
    wheel.insert(5_000, 2);
    wheel.cancel(cancelled);
    advance(&mut wheel, 4_995); // and to level 0
    wheel.insert(5_000, 3);
    wheel.insert(5_001, -2);
    wheel.insert(5_000, 4);

    assert_eq!(advance(&mut wheel, 6_000), [-1, 0, 1, 2, 3, 4, -2]);
}

#[test]
fn debug_output_needs_no_debug_payload() {
    struct Opaque;
    let mut wheel = TimerWheel::new();
    wheel.insert(7, Opaque);
    let text = format!("{wheel:?}");
    assert!(text.contains("elapsed: 0"), "{text}");
    assert!(text.contains("len: 1"), "{text}");
    assert!(text.contains("next_expiration: Some(7)"), "{text}");
}

#[test]
fn timers_on_many_pages_keep_their_keys_and_fire_in_order() {
    use crate::entries::PAGE;
    let mut wheel = TimerWheel::new();
    let count = 3 * PAGE + 7; // the last page is part full
    let keys: Vec<_> = (0..count)
        .map(|i| wheel.insert(10 + i as u64 % 500, i))
        .collect();
    assert_eq!(wheel.capacity(), count);
    // Cancel every third timer, on every page; each key still finds its own timer.
    for (i, key) in keys.iter().enumerate().step_by(3) {
        assert_eq!(wheel.cancel(*key), Some(i));
    }
    let fired = advance(&mut wheel, 10_000);
    let expected: Vec<usize> = {
        let mut left: Vec<usize> = (0..count).filter(|i| i % 3 != 0).collect();
        left.sort_by_key(|i| (10 + *i as u64 % 500, *i));
        left
    };
    assert_eq!(fired, expected);
    // The freed entries are reused before a new page is made.
    for i in 0..count {
        wheel.insert(20_000, i);
    }
    assert_eq!(wheel.capacity(), count);
}
