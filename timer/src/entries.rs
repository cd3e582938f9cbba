//! The storage behind the wheel: timer entries in pages, reused through a free list.
//!
//! In asyncio, `loop.call_at(when, callback)` creates a `TimerHandle` object and pushes it onto the
//! heap `loop._scheduled`; the garbage collector reclaims the handle once nothing points to it. Rust
//! has no garbage collector, and allocating a box per timer would cost an allocation on every
//! `sleep` and every `timeout`. So the wheel keeps all of its entries in one *slab* and hands out
//! [`TimerKey`]s — an index into the slab plus a *generation* — instead of pointers.
//!
//! Three ideas make this safe and cheap:
//!
//! - **Pages.** The slab is a list of fixed-size pages ([`PAGE`] entries each), not one `Vec`. A
//!   `Vec` that doubles copies its entries into a new buffer and frees the old one; while a
//!   program arms a million timers and allocates nothing else, those freed buffers are never
//!   reused, and the process keeps them (25 bytes per timer, measured). A full page is never
//!   moved: the slab grows by adding a page. Index `i` is entry `i % PAGE` of page `i / PAGE`.
//!
//! - **A free list.** A cancelled or fired entry is not removed from the slab (that would shift
//!   every index after it). It is marked free and pushed onto a list of free entries, threaded
//!   through the entries' own `next` links. The next insert pops that list before it ever grows
//!   the slab, so a program that keeps arming and cancelling timeouts reaches a steady size.
//! - **Generations.** When an entry is freed its generation goes up by one. A key remembers the
//!   generation it was created with, so a key that outlived its timer (the timer fired, then the
//!   entry was reused for somebody else's timer) no longer matches, and cancelling with it does
//!   nothing. Without this, ids that get reused would let a stale key cancel whichever timer
//!   now lives in its old entry.
//!
//! The `prev`/`next` links that make each wheel slot a linked list live here too, as plain `u32`
//! indexes; [`crate::list`] is the code that follows them.
//!
//! Read next: [`crate::list`], the linked lists threaded through these entries.

use crate::geometry::Position;

/// The index that means "no entry": the end of a list, or an empty list.
///
/// `u32::MAX` can never be a real index because [`Entries::allocate`] refuses to grow past it.
pub(crate) const NO_ENTRY: u32 = u32::MAX;

/// A handle to one timer in a [`TimerWheel`](crate::TimerWheel), returned by
/// [`insert`](crate::TimerWheel::insert).
///
/// A key is two small numbers, so it is `Copy` and can be stored anywhere (the executor keeps one
/// inside each `Sleep`). It stays valid until its timer fires or is cancelled; after that every
/// method that takes it returns `None`, even once the wheel has reused the same storage for a new
/// timer.
///
/// ```
/// use glassloop_timer::TimerWheel;
///
/// let mut wheel = TimerWheel::new();
/// let first = wheel.insert(10, "first");
/// assert_eq!(wheel.cancel(first), Some("first"));
///
/// // The storage of `first` is reused for `second`...
/// let second = wheel.insert(20, "second");
/// // ...but the old key is stale: it cannot see or cancel the new timer.
/// assert_eq!(wheel.cancel(first), None);
/// assert_eq!(wheel.deadline(second), Some(20));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerKey {
    /// Where the entry lives in [`Entries`].
    pub(crate) index: u32,
    /// The entry's generation when this key was handed out.
    pub(crate) generation: u32,
}

/// The two links that put an entry on a doubly linked list.
///
/// While an entry is in use they link it into one wheel slot (or the overflow list). While it is
/// free, `next` links it into the free list and `prev` is unused.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Links {
    /// The entry before this one, or [`NO_ENTRY`] at the head of the list.
    pub(crate) prev: u32,
    /// The entry after this one, or [`NO_ENTRY`] at the tail of the list.
    pub(crate) next: u32,
}

impl Links {
    /// Links of an entry that is on no list.
    pub(crate) const UNLINKED: Links = Links {
        prev: NO_ENTRY,
        next: NO_ENTRY,
    };
}

/// One timer: its deadline, its payload and its place in the wheel.
#[derive(Debug)]
pub(crate) struct Entry<T> {
    /// The payload (the executor stores a `Waker`); `None` while the entry is free.
    pub(crate) value: Option<T>,
    /// The exact tick at which the timer is due. Kept exactly, never rounded to a slot, so that a
    /// timer can be re-filed into finer and finer slots as its time comes near.
    pub(crate) deadline: u64,
    /// Bumped every time the entry is freed, so older keys stop matching.
    generation: u32,
    /// The entry's neighbours on whichever list it is on.
    pub(crate) links: Links,
    /// Which list the entry is on: a wheel slot, or the overflow list. Cancel needs it to find
    /// the list head and tail it must fix up, and `TimerWheel::position` reports it.
    pub(crate) position: PackedPosition,
}

/// A [`Position`] in two bytes (a level and a slot each fit in a byte), so that an entry is 40
/// bytes rather than 56: with a million timers armed, that is 16 MB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PackedPosition {
    level: u8,
    slot: u8,
}

impl From<Position> for PackedPosition {
    fn from(position: Position) -> PackedPosition {
        // Levels are 0..=LEVELS and slots 0..64: both fit.
        PackedPosition {
            level: position.level as u8,
            slot: position.slot as u8,
        }
    }
}

impl From<PackedPosition> for Position {
    fn from(packed: PackedPosition) -> Position {
        Position {
            level: usize::from(packed.level),
            slot: usize::from(packed.slot),
        }
    }
}

/// Entries per page: a power of two, so an index splits into page and place with a shift and a
/// mask, and the place needs no bounds check. A page of entries with a `Waker` payload is 10 KiB.
pub(crate) const PAGE: usize = 256;

/// One page: a fixed number of entries, made all at once (the unused ones free of any timer).
type Page<T> = Box<[Entry<T>; PAGE]>;

/// A page of entries that hold no timer yet.
fn new_page<T>() -> Page<T> {
    let entries: Box<[Entry<T>]> = (0..PAGE)
        .map(|_| Entry {
            value: None,
            deadline: 0,
            generation: 0,
            links: Links::UNLINKED,
            position: Position { level: 0, slot: 0 }.into(),
        })
        .collect();
    entries
        .try_into()
        .unwrap_or_else(|_| unreachable!("a page has PAGE entries"))
}

/// The slab: every entry the wheel has ever needed at once, live or free.
#[derive(Debug)]
pub(crate) struct Entries<T> {
    /// Live and free entries, side by side, [`PAGE`] to a page; the entries of the last page past
    /// `created` are not in use yet. Indexes never change, and no entry ever moves.
    pages: Vec<Page<T>>,
    /// How many entries exist, live or free.
    created: usize,
    /// The most recently freed entry, or [`NO_ENTRY`]. Reusing the most recent one first keeps
    /// the hot part of the slab small and in cache.
    free_head: u32,
    /// How many entries hold a timer right now.
    live: usize,
}

impl<T> Entries<T> {
    /// An empty slab. Allocates nothing until the first insert.
    pub(crate) const fn new() -> Self {
        Entries {
            pages: Vec::new(),
            created: 0,
            free_head: NO_ENTRY,
            live: 0,
        }
    }

    /// How many entries hold a timer.
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// How many entries exist, live or free. This only grows, and only when an insert finds the
    /// free list empty.
    pub(crate) fn created(&self) -> usize {
        self.created
    }

    /// Stores a new timer and returns its key. The entry is not on any list yet: the wheel files
    /// it into a slot straight afterwards.
    pub(crate) fn allocate(&mut self, deadline: u64, value: T) -> TimerKey {
        self.live += 1;
        let unplaced = Position { level: 0, slot: 0 };

        if self.free_head != NO_ENTRY {
            // Reuse a freed entry. Its generation was already bumped when it was freed, so the
            // key we hand out now differs from every key handed out for it before.
            let index = self.free_head;
            self.free_head = self.entry(index).links.next;
            let entry = self.entry_mut(index);
            entry.value = Some(value);
            entry.deadline = deadline;
            entry.links = Links::UNLINKED;
            entry.position = unplaced.into();
            return TimerKey {
                index,
                generation: entry.generation,
            };
        }

        // No free entry: grow the slab by one. Indexes are `u32` to keep entries small, and
        // `u32::MAX` is reserved for `NO_ENTRY`, so four billion live timers is the limit.
        let index = u32::try_from(self.created)
            .ok()
            .filter(|&index| index != NO_ENTRY)
            .expect("glassloop-timer: more than 4,294,967,294 live timers; cancel some first");
        if self.created % PAGE == 0 {
            self.pages.push(new_page());
        }
        self.created += 1;
        let entry = self.entry_mut(index);
        entry.value = Some(value);
        entry.deadline = deadline;
        entry.position = unplaced.into();
        TimerKey {
            index,
            generation: 0,
        }
    }

    /// Frees a live entry and returns its payload. The caller must already have taken the entry
    /// off its wheel list.
    pub(crate) fn release(&mut self, index: u32) -> T {
        self.live -= 1;
        let free_head = self.free_head;
        let entry = self.entry_mut(index);
        // Bumping the generation is what makes every existing key for this entry stale. It
        // wraps after four billion reuses of the same entry; a key would have to sit unused for
        // that long to be confused with a new one, which we accept (as tokio's slab does).
        entry.generation = entry.generation.wrapping_add(1);
        entry.links = Links {
            prev: NO_ENTRY,
            next: free_head,
        };
        let value = entry.value.take();
        self.free_head = index;
        value.expect("glassloop-timer bug: released an entry that was already free")
    }

    /// The index a key points to, if the key is still current: same generation, and the entry
    /// still holds a timer. Anything else — a stale key, or a key from another wheel that points
    /// past the end — is `None`.
    pub(crate) fn index_of(&self, key: TimerKey) -> Option<u32> {
        let index = key.index as usize;
        let entry = &self.pages.get(index / PAGE)?[index % PAGE];
        // The `value` check is belt and braces: a free entry's generation was bumped past every
        // key handed out for it, so the generation test alone already rejects it.
        let current = entry.generation == key.generation && entry.value.is_some();
        current.then_some(key.index)
    }

    /// The entry at `index`, which must come from [`Self::index_of`] or a wheel list.
    pub(crate) fn entry(&self, index: u32) -> &Entry<T> {
        let index = index as usize;
        &self.pages[index / PAGE][index % PAGE]
    }

    /// The entry at `index`, mutably.
    pub(crate) fn entry_mut(&mut self, index: u32) -> &mut Entry<T> {
        let index = index as usize;
        &mut self.pages[index / PAGE][index % PAGE]
    }
}
