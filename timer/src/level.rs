//! One level of the wheel: 64 slots, each a list of timers, and a bitmap of which are occupied.
//!
//! asyncio finds its next timer at the top of its heap, `loop._scheduled[0]`, which every
//! `call_at` keeps in heap order by comparing deadlines. A level keeps no order at all: it keeps 64
//! lists side by side, and one 64-bit word with a bit per list, so "which slot is the first with a
//! timer in it?" is a single `trailing_zeros`. Which slot a timer goes in is decided in
//! [`crate::geometry`]; this file only keeps the lists and the bits in step.
//!
//! Read next: [`crate::wheel`], which puts six levels together and moves time forward.

use crate::entries::Entries;
use crate::geometry::SLOTS_PER_LEVEL;
use crate::list::SlotList;

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

    /// Each occupied slot, in slot order, with how many timers it holds.
    pub(crate) fn occupancy<T>(&self, entries: &Entries<T>) -> Vec<(usize, usize)> {
        (0..SLOTS_PER_LEVEL)
            .filter(|&slot| self.occupied & (1 << slot) != 0)
            .map(|slot| (slot, self.slots[slot].count(entries)))
            .collect()
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
