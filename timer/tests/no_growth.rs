//! Storage reuse: a long-running loop that keeps arming and cancelling timeouts must reach a
//! steady size.
//!
//! This is the cost that asyncio pays in garbage (a `TimerHandle` per `call_at`, and cancelled
//! handles that sit in `loop._scheduled` until they surface). The wheel reuses the entry of every
//! cancelled or fired timer before it grows its storage, so `capacity()` stops moving once the
//! number of timers waiting at the same time stops growing.

use glassloop_timer::TimerWheel;

const PAIRS: u64 = 1_000_000;

/// A deadline that visits every level and the overflow list as `round` goes up.
fn spread_deadline(now: u64, round: u64) -> u64 {
    let distance = match round % 4 {
        0 => round % 64,
        1 => round % 5_000,
        2 => (round * 7_919) % (1 << 30),
        _ => (round * 104_729) << 20, // beyond 2^36 for most rounds
    };
    now + distance
}

#[test]
fn a_million_insert_cancel_pairs_do_not_grow_the_storage() {
    let mut wheel = TimerWheel::new();
    let mut fired = Vec::new();

    for round in 0..PAIRS {
        let key = wheel.insert(spread_deadline(wheel.elapsed(), round), round);
        assert_eq!(wheel.cancel(key), Some(round));
        if round % 1_000 == 0 {
            // Let time move too, so the deadlines are spread relative to a moving tick.
            wheel.advance_to(wheel.elapsed() + 17, &mut fired);
        }
    }
    assert!(wheel.is_empty());
    assert!(fired.is_empty());
    let capacity = wheel.capacity();
    assert_eq!(capacity, 1, "one timer at a time needs one entry");

    for round in 0..PAIRS {
        let key = wheel.insert(spread_deadline(wheel.elapsed(), round), round);
        wheel.cancel(key);
    }
    assert!(wheel.is_empty());
    assert_eq!(wheel.capacity(), capacity);
}

#[test]
fn a_thousand_timers_cancelled_and_inserted_again_reuse_their_entries() {
    let mut wheel = TimerWheel::new();
    let keys: Vec<_> = (0..1_000)
        .map(|n| wheel.insert(spread_deadline(0, n), n))
        .collect();
    let capacity = wheel.capacity();
    assert_eq!(capacity, 1_000);

    for key in keys {
        wheel.cancel(key);
    }
    assert!(wheel.is_empty());

    for n in 0..1_000 {
        wheel.insert(spread_deadline(0, n), n);
    }
    assert_eq!(wheel.len(), 1_000);
    assert_eq!(wheel.capacity(), capacity);
}

#[test]
fn fired_timers_free_their_entries_too() {
    let mut wheel = TimerWheel::new();
    for n in 0..1_000 {
        wheel.insert(n % 300, n);
    }
    let capacity = wheel.capacity();

    let mut fired = Vec::new();
    wheel.advance_to(300, &mut fired);
    assert_eq!(fired.len(), 1_000);

    for n in 0..1_000 {
        wheel.insert(400 + n % 300, n);
    }
    assert_eq!(wheel.capacity(), capacity);
}
