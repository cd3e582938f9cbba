//! The wheel's geometry: how many levels and slots it has, where a timer sits ([`Position`]), and
//! the arithmetic that decides which level and slot a deadline belongs in.
//!
//! asyncio has no equivalent of this file: its heap `loop._scheduled` keeps timers in order by
//! comparing deadlines with each other on every `call_at`. A wheel never compares deadlines. It
//! reads a deadline as a number written in base 64 — six bits per digit — and files the timer by
//! its digits, the way a post office sorts letters by postcode: first by the coarse digits, and
//! only when a letter gets close to home by the fine ones.
//!
//! This file uses nothing else in the crate — numbers in, numbers out — which makes it the place
//! to start reading.
//!
//! Read next: [`crate::entries`], where each timer's deadline and position are stored.

/// How many slots each level has. A level's slots split its range into 64 equal parts, so every
/// level is 64 times coarser than the one below it.
pub const SLOTS_PER_LEVEL: usize = 64;

/// How many levels the wheel has. Six levels of 64 slots reach 64^6 = 2^36 ticks ahead: about 2.2
/// years when a tick is a millisecond. Timers further out than that wait on an overflow list.
pub const LEVELS: usize = 6;

/// Bits of a tick number per level: 64 slots per level is 2^6.
const BITS_PER_LEVEL: u32 = 6;

/// Bits of a tick number the six levels cover together: 6 × 6 = 36, so the wheel sees 2^36 ticks
/// (about 2.2 years of milliseconds) ahead at most. Deadlines further out wait in the overflow
/// list.
const WHEEL_BITS: u32 = BITS_PER_LEVEL * LEVELS as u32;

/// Where a timer sits in the wheel right now, as reported by
/// [`TimerWheel::position`](crate::TimerWheel::position).
///
/// `level` is `0..LEVELS` for the wheel's levels, and `slot` is `0..SLOTS_PER_LEVEL`. The special
/// value `level == LEVELS` (with `slot == 0`) means the overflow list: the timer is more than 2^36
/// ticks away and is not on the wheel yet.
///
/// A timer's position changes as time passes and it cascades down to finer levels, so this is a
/// snapshot — what glassloop's trace prints when a `sleep` arms its timer, in a line such as
/// `timer armed by main(): due at 1.000s, wheel level 1 slot 15`.
///
/// ```
/// use glassloop_timer::{Position, TimerWheel};
///
/// let mut wheel = TimerWheel::new();
/// // 1000 ticks ahead is beyond level 0 (64 ticks) but within level 1 (4096 ticks);
/// // level 1's slots are 64 ticks wide, and 1000 falls in the 16th of them: 15 × 64 = 960.
/// let key = wheel.insert(1000, ());
/// assert_eq!(wheel.position(key), Some(Position { level: 1, slot: 15 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The level, `0..LEVELS`; or `LEVELS` for the overflow list.
    pub level: usize,
    /// The slot within the level, `0..SLOTS_PER_LEVEL`; always 0 on the overflow list.
    pub slot: usize,
}

/// Where a timer with `deadline` belongs while the wheel's current tick is `elapsed`.
///
/// The level is picked from the **highest bit in which `deadline` and `elapsed` differ**, not from
/// `deadline - elapsed`. Level `k` slot `s` means "the digit `k` of the deadline is `s`, and every
/// digit above `k` is the same as the current tick's". Only then does the slot name one definite
/// stretch of time in the future. With the difference instead, `elapsed = 100` and
/// `deadline = 4100` would differ by 4000 < 4096 and land on level 1 — in slot
/// `(4100 >> 6) & 63 = 0`, which at tick 100 means ticks 0..64: the past. The xor puts it on
/// level 2, slot 1 (ticks 4096..8192), which is right.
pub(crate) fn position_for(elapsed: u64, deadline: u64) -> Position {
    if deadline <= elapsed {
        // Due already (or exactly now): file it in the current level-0 slot, which is the first
        // thing the next `advance_to` looks at, even `advance_to(elapsed)`.
        return Position {
            level: 0,
            slot: digit(elapsed, 0),
        };
    }

    // `| 63` treats any difference confined to the lowest six bits as level 0.
    let differing_bits = (elapsed ^ deadline) | (SLOTS_PER_LEVEL as u64 - 1);
    let highest_differing_bit = u64::BITS - 1 - differing_bits.leading_zeros();
    let level = (highest_differing_bit / BITS_PER_LEVEL) as usize;

    if level >= LEVELS {
        // Differs in bit 36 or above: beyond the wheel's reach. `slot` has no meaning here.
        Position {
            level: LEVELS,
            slot: 0,
        }
    } else {
        Position {
            level,
            slot: digit(deadline, level),
        }
    }
}

/// Digit `level` of `tick` in base 64: which slot of that level `tick` falls in.
pub(crate) fn digit(tick: u64, level: usize) -> usize {
    ((tick >> (BITS_PER_LEVEL * level as u32)) & (SLOTS_PER_LEVEL as u64 - 1)) as usize
}

/// The first tick covered by slot `slot` of level `level`, given that the wheel is at `elapsed`.
///
/// Keep every digit of `elapsed` above `level`, put `slot` in digit `level`, and zero the digits
/// below. Nothing here can overflow: the result never exceeds `elapsed` with its low
/// `6 × (level + 1)` bits all set.
pub(crate) fn slot_start(elapsed: u64, level: usize, slot: usize) -> u64 {
    let level_shift = BITS_PER_LEVEL * level as u32;
    let span_of_level = 1u64 << (level_shift + BITS_PER_LEVEL);
    let start_of_level_span = elapsed & !(span_of_level - 1);
    start_of_level_span + ((slot as u64) << level_shift)
}

/// The first tick of the 2^36-tick block that `tick` falls in: the moment the overflow list must
/// be looked at again for a deadline of `tick`, because from then on it fits in the six levels.
pub(crate) fn wheel_block_start(tick: u64) -> u64 {
    (tick >> WHEEL_BITS) << WHEEL_BITS
}
