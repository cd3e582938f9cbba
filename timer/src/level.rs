//! One level of the wheel (64 slots and a bitmap of which are occupied), and the arithmetic that
//! decides which level and slot a deadline belongs in.
//!
//! asyncio has no equivalent of this file: its heap `loop._scheduled` keeps timers sorted by
//! comparing deadlines. A wheel never compares deadlines with each other. It reads a deadline
//! as a number written in base 64 — six bits per digit — and files the timer by its digits,
//! the way a post office sorts letters by postcode: first by the coarse digits, and only when a
//! letter gets close to home by the fine ones.
//!
//! Read next: [`crate::wheel`], which puts six levels together and moves time forward.

use crate::entries::Entries;
use crate::list::SlotList;
use crate::wheel::{Position, LEVELS, SLOTS_PER_LEVEL};

/// Bits of a tick number per level: 64 slots per level is 2^6.
pub(crate) const BITS_PER_LEVEL: u32 = 6;

/// Bits of a tick number the six levels cover together: 6 × 6 = 36, so the wheel sees 2^36 ticks
/// (about 2.2 years of milliseconds) ahead at most. Deadlines further out wait in the overflow
/// list.
pub(crate) const WHEEL_BITS: u32 = BITS_PER_LEVEL * LEVELS as u32;

/// Where a timer with `deadline` belongs while the wheel's current tick is `elapsed`.
///
/// The level is picked from the **highest bit in which `deadline` and `elapsed` differ**, not from
/// `deadline - elapsed`. Level `k` slot `s` means "the digit `k` of the deadline is `s`, and every
/// digit above `k` is the same as the current tick's". Only then does the slot name one definite
/// stretch of time in the future. With the difference instead, `elapsed = 100` and
/// `deadline = 4100` would differ by 4000 < 4096 and land on level 1 — in slot
/// `(4100 >> 6) & 63 = 0`, which at tick 100 means ticks 0..64: the past. The xor puts it on level 2,
/// slot 1 (ticks 4096..8192), which is right.
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
        // Differs above bit 36: beyond the wheel's reach. `slot` has no meaning here.
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

/// One level: 64 lists, and one bit per list saying whether it has anything on it.
///
/// The bitmap is what keeps "when is the next timer?" cheap: instead of walking 64 lists (or
/// worse, every entry), one `trailing_zeros` instruction finds the first occupied slot.
#[derive(Debug)]
pub(crate) struct Level {
    /// The slots, each a list of entries in insertion order.
    slots: [SlotList; SLOTS_PER_LEVEL],
    /// Bit `s` is set exactly when `slots[s]` is not empty.
    occupied: u64,
}

impl Level {
    /// A level with every slot empty.
    pub(crate) const EMPTY: Level = Level {
        slots: [SlotList::EMPTY; SLOTS_PER_LEVEL],
        occupied: 0,
    };

    /// Whether every slot is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.occupied == 0
    }

    /// Appends entry `index` to slot `slot`.
    pub(crate) fn push<T>(&mut self, slot: usize, entries: &mut Entries<T>, index: u32) {
        self.slots[slot].push_back(entries, index);
        self.occupied |= 1 << slot;
    }

    /// Takes entry `index` out of slot `slot`, clearing the slot's bit if it was the last one.
    pub(crate) fn remove<T>(&mut self, slot: usize, entries: &mut Entries<T>, index: u32) {
        self.slots[slot].unlink(entries, index);
        if self.slots[slot].is_empty() {
            self.occupied &= !(1 << slot);
        }
    }

    /// Detaches the whole of slot `slot` and returns it, leaving the slot empty and its bit clear.
    pub(crate) fn take_slot(&mut self, slot: usize) -> SlotList {
        self.occupied &= !(1 << slot);
        std::mem::replace(&mut self.slots[slot], SlotList::EMPTY)
    }

    /// The first occupied slot numbered `from` or higher, if any.
    ///
    /// Slots below `from` are behind the wheel's current tick on this level. The wheel never
    /// leaves anything there, because a slot is emptied when time reaches it.
    pub(crate) fn first_occupied_from(&self, from: usize) -> Option<usize> {
        debug_assert_eq!(
            self.occupied & ((1u64 << from) - 1),
            0,
            "glassloop-timer bug: a slot behind the current tick still holds timers"
        );
        let at_or_after = self.occupied & (u64::MAX << from);
        (at_or_after != 0).then(|| at_or_after.trailing_zeros() as usize)
    }
}
