//! One wheel slot: a doubly linked list of entries, linked by index rather than by pointer.
//!
//! asyncio cancels a timer lazily: `TimerHandle.cancel()` only sets a flag, and the handle stays
//! in the heap `loop._scheduled` until it reaches the top (or until cancelled handles are more
//! than half of a heap of over a hundred, and asyncio rebuilds the heap without them). glassloop
//! removes a cancelled timer at once, and to do that in O(1) each slot is a doubly linked list:
//! an entry knows its neighbours, so it can step out of the list without anyone searching for it.
//!
//! The links are `u32` indexes into [`Entries`] instead of pointers, which is what lets this be
//! safe Rust: following a link is a bounds-checked `Vec` index, and no entry ever needs to point
//! into another entry's memory. A list is just its two ends, `head` and `tail`; new entries go on
//! at the tail, so entries with the same deadline fire in the order they were inserted.
//!
//! Read next: [`crate::level`], which groups 64 of these lists into one level of the wheel.

use crate::entries::{Entries, Links, NO_ENTRY};

/// The two ends of one list of entries. `Copy`, so a whole list can be detached from its slot by
/// copying these two numbers and resetting the slot to [`SlotList::EMPTY`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlotList {
    /// The oldest entry on the list, or [`NO_ENTRY`].
    head: u32,
    /// The newest entry on the list, or [`NO_ENTRY`].
    tail: u32,
}

impl SlotList {
    /// A list with nothing on it.
    pub(crate) const EMPTY: SlotList = SlotList {
        head: NO_ENTRY,
        tail: NO_ENTRY,
    };

    /// Whether the list has no entries.
    pub(crate) fn is_empty(&self) -> bool {
        self.head == NO_ENTRY
    }

    /// How many entries are on the list (a walk along it: for pictures of the wheel, not for the
    /// loop's hot path).
    pub(crate) fn count<T>(&self, entries: &Entries<T>) -> usize {
        let (mut count, mut at) = (0, self.head);
        while at != NO_ENTRY {
            count += 1;
            at = entries.entry(at).links.next;
        }
        count
    }

    /// Appends entry `index` at the tail. The entry must be on no list.
    pub(crate) fn push_back<T>(&mut self, entries: &mut Entries<T>, index: u32) {
        entries.entry_mut(index).links = Links {
            prev: self.tail,
            next: NO_ENTRY,
        };
        if self.tail == NO_ENTRY {
            // The list was empty: the new entry is both ends.
            self.head = index;
        } else {
            entries.entry_mut(self.tail).links.next = index;
        }
        self.tail = index;
    }

    /// Takes entry `index` off this list, wherever it is on it. O(1): the entry's own links say
    /// who its neighbours are, and only they (or this list's ends) need fixing up.
    pub(crate) fn unlink<T>(&mut self, entries: &mut Entries<T>, index: u32) {
        let Links { prev, next } = entries.entry(index).links;

        // Whoever pointed forward to us now points to our successor...
        if prev == NO_ENTRY {
            self.head = next;
        } else {
            entries.entry_mut(prev).links.next = next;
        }
        // ...and whoever pointed back to us now points to our predecessor.
        if next == NO_ENTRY {
            self.tail = prev;
        } else {
            entries.entry_mut(next).links.prev = prev;
        }

        entries.entry_mut(index).links = Links::UNLINKED;
    }

    /// Takes the oldest entry off the list and returns its index, or `None` when the list is
    /// empty. The entry comes back unlinked, free to be pushed onto another list.
    pub(crate) fn pop_front<T>(&mut self, entries: &mut Entries<T>) -> Option<u32> {
        if self.is_empty() {
            return None;
        }
        let index = self.head;
        self.unlink(entries, index);
        Some(index)
    }
}
