//! The timer wheel itself: where timers are filed, how the next deadline is found, and how time
//! moves forward.
//!
//! This is glassloop's replacement for asyncio's `loop._scheduled`, the heap of `TimerHandle`s
//! that `loop.call_at` pushes onto and that every turn of asyncio's loop pops from
//! (`BaseEventLoop._run_once`). The heap costs O(log n) per timer and cancels lazily; the wheel
//! files and unfiles a timer in O(1), which matters because most timers — request timeouts — are
//! cancelled long before they would fire.
//!
//! This is the last file in the reading order given on the crate's front page, because it puts
//! all the others together: [`crate::geometry`], [`crate::entries`], [`crate::list`] and
//! [`crate::level`].
//!
//! Read next: the tests in `wheel/tests.rs`, which check each promise of the wheel on hand-picked
//! cases.

use crate::entries::{Entries, TimerKey};
use crate::geometry::{digit, position_for, slot_start, wheel_block_start, Position, LEVELS};
use crate::level::Level;
use crate::list::SlotList;

/// A hierarchical timer wheel: a set of timers, each a deadline (a tick number) and a payload of
/// type `T`.
///
/// The wheel has no clock. Time is a `u64` tick count that only moves when you call
/// [`advance_to`](Self::advance_to); glassloop's executor uses one tick per millisecond, but the
/// wheel never needs to know.
///
/// # The shape
///
/// Six levels of 64 slots each. A slot on level 0 is one tick wide; a slot on each level above
/// is as wide as the whole level below it. With 1 ms ticks:
///
/// - level 0: 1 ms slots, 64 ms range
/// - level 1: 64 ms slots, ~4 s range (4,096 ms)
/// - level 2: ~4 s slots, ~4.4 min range (262,144 ms)
/// - level 3: ~4.4 min slots, ~4.7 hour range (16,777,216 ms)
/// - level 4: ~4.7 hour slots, ~12.4 day range (2^30 ms)
/// - level 5: ~12.4 day slots, ~2.2 year range (2^36 ms)
/// - overflow: one list for everything further away
///
/// A timer is filed on the finest level whose range still reaches its deadline, and only when
/// time reaches its slot is it taken out and filed again, one or more levels lower
/// (*cascading*). So a timer moves at most six times however far away it was, and one that is
/// cancelled early — the usual fate of a timeout — is never touched by the passing of time.
///
/// # Costs
///
/// - [`insert`](Self::insert), [`cancel`](Self::cancel): O(1).
/// - [`next_expiration`](Self::next_expiration): O(`LEVELS`), a bitmap lookup per level.
/// - [`advance_to`](Self::advance_to): O(1) per slot visited and per entry moved or fired.
///
/// # Example
///
/// ```
/// use glassloop_timer::TimerWheel;
///
/// let mut wheel = TimerWheel::new();
/// wheel.insert(30, "tea is ready");
/// let toast = wheel.insert(20, "toast is ready");
/// wheel.insert(5_000, "guests arrive");
///
/// // The toast timer is cancelled: it will never fire.
/// assert_eq!(wheel.cancel(toast), Some("toast is ready"));
///
/// // The next timer is at tick 30, so a loop could sleep until then.
/// assert_eq!(wheel.next_expiration(), Some(30));
///
/// let mut fired = Vec::new();
/// wheel.advance_to(100, &mut fired);
/// assert_eq!(fired, ["tea is ready"]);
/// assert_eq!(wheel.elapsed(), 100);
/// assert_eq!(wheel.len(), 1);
/// ```
pub struct TimerWheel<T> {
    /// Every timer's entry, linked into the lists below by index.
    entries: Entries<T>,
    /// Level 0 (finest) to level 5 (coarsest).
    levels: [Level; LEVELS],
    /// Timers more than 2^36 ticks away, in insertion order.
    overflow: SlotList,
    /// No deadline on the overflow list is earlier than this (meaningful only while the list is
    /// not empty). Cancelling may remove the timer it came from, so it is a lower bound, not
    /// always the exact minimum; that is enough to know when to look at the list again.
    overflow_earliest: u64,
    /// The current tick: every timer due at or before it has fired.
    elapsed: u64,
}

impl<T> TimerWheel<T> {
    /// An empty wheel at tick 0. Allocates nothing until the first insert.
    ///
    /// ```
    /// let wheel: glassloop_timer::TimerWheel<()> = glassloop_timer::TimerWheel::new();
    /// assert_eq!(wheel.elapsed(), 0);
    /// assert!(wheel.is_empty());
    /// ```
    pub const fn new() -> Self {
        TimerWheel {
            entries: Entries::new(),
            levels: [Level::EMPTY; LEVELS],
            overflow: SlotList::EMPTY,
            overflow_earliest: 0,
            elapsed: 0,
        }
    }

    /// The wheel's current tick. It starts at 0 and only [`advance_to`](Self::advance_to) moves
    /// it, never backwards.
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// How many timers are waiting (inserted, and neither fired nor cancelled).
    pub fn len(&self) -> usize {
        self.entries.live()
    }

    /// Whether no timer is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many timer entries the wheel has storage for: the most timers that were ever waiting
    /// at the same time. Fired and cancelled entries are reused before the storage grows, so this
    /// stays put in a program whose number of pending timers stays put.
    ///
    /// ```
    /// let mut wheel = glassloop_timer::TimerWheel::new();
    /// for round in 0..1_000 {
    ///     let key = wheel.insert(round, round);
    ///     wheel.cancel(key);
    /// }
    /// // One timer at a time needed only one entry.
    /// assert_eq!(wheel.capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.entries.created()
    }

    /// Adds a timer due at tick `deadline`, carrying `value`, and returns the key that can cancel
    /// it. O(1).
    ///
    /// A `deadline` at or before [`elapsed`](Self::elapsed) is due now: the timer fires on the
    /// next [`advance_to`](Self::advance_to), even `advance_to(elapsed())`. Any `u64` is
    /// accepted, `u64::MAX` included; a timer never fires before its deadline.
    ///
    /// ```
    /// let mut wheel = glassloop_timer::TimerWheel::new();
    /// let mut fired = Vec::new();
    /// wheel.advance_to(50, &mut fired);
    ///
    /// // Tick 10 is already in the past: the timer fires at the next advance, without time moving.
    /// wheel.insert(10, "late");
    /// wheel.advance_to(wheel.elapsed(), &mut fired);
    /// assert_eq!(fired, ["late"]);
    /// ```
    pub fn insert(&mut self, deadline: u64, value: T) -> TimerKey {
        let key = self.entries.allocate(deadline, value);
        self.file(key.index);
        key
    }

    /// Removes the timer `key` refers to and returns its payload. O(1).
    ///
    /// Returns `None`, and changes nothing, when the key is stale: its timer already fired or was
    /// cancelled — even if the wheel has since reused the timer's storage for a new timer, which
    /// the old key can never reach.
    ///
    /// ```
    /// let mut wheel = glassloop_timer::TimerWheel::new();
    /// let key = wheel.insert(100, "timeout");
    /// assert_eq!(wheel.cancel(key), Some("timeout"));
    /// assert_eq!(wheel.cancel(key), None); // already gone
    /// assert!(wheel.is_empty());
    /// ```
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let index = self.entries.index_of(key)?;
        let Position { level, slot } = self.entries.entry(index).position.into();
        if level == LEVELS {
            self.overflow.unlink(&mut self.entries, index);
        } else {
            self.levels[level].remove(slot, &mut self.entries, index);
        }
        Some(self.entries.release(index))
    }

    /// The payload of a waiting timer, to change in place; `None` for a stale key.
    ///
    /// The executor uses this to swap in a fresh `Waker` when a `Sleep` is polled again by a
    /// different task, without moving the timer.
    ///
    /// ```
    /// let mut wheel = glassloop_timer::TimerWheel::new();
    /// let key = wheel.insert(100, 1);
    /// *wheel.get_mut(key).unwrap() += 1;
    /// assert_eq!(wheel.cancel(key), Some(2));
    /// assert_eq!(wheel.get_mut(key), None);
    /// ```
    pub fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        let index = self.entries.index_of(key)?;
        self.entries.entry_mut(index).value.as_mut()
    }

    /// The deadline a waiting timer was inserted with, exactly; `None` for a stale key.
    pub fn deadline(&self, key: TimerKey) -> Option<u64> {
        let index = self.entries.index_of(key)?;
        Some(self.entries.entry(index).deadline)
    }

    /// Where a waiting timer sits in the wheel right now; `None` for a stale key. See
    /// [`Position`] for an example.
    pub fn position(&self, key: TimerKey) -> Option<Position> {
        let index = self.entries.index_of(key)?;
        Some(self.entries.entry(index).position.into())
    }
    /// Where the armed timers are: every occupied slot (level and slot) with how many timers it
    /// holds, finest level first; the overflow list, if it holds any, last (level `LEVELS`). For
    /// pictures of the wheel (the loop's stepper draws it): it walks every occupied slot's list.
    ///
    /// ```
    /// use glassloop_timer::{Position, TimerWheel};
    ///
    /// let mut wheel = TimerWheel::new();
    /// wheel.insert(10, "a");
    /// wheel.insert(10, "b");
    /// wheel.insert(1_000, "c");
    /// assert_eq!(
    ///     wheel.occupancy(),
    ///     [(Position { level: 0, slot: 10 }, 2), (Position { level: 1, slot: 15 }, 1)]
    /// );
    /// ```
    pub fn occupancy(&self) -> Vec<(Position, usize)> {
        let mut occupied = Vec::new();
        for (level, slots) in self.levels.iter().enumerate() {
            for (slot, count) in slots.occupancy(&self.entries) {
                occupied.push((Position { level, slot }, count));
            }
        }
        let overflow = self.overflow.count(&self.entries);
        if overflow > 0 {
            occupied.push((
                Position {
                    level: LEVELS,
                    slot: 0,
                },
                overflow,
            ));
        }
        occupied
    }

    /// The earliest tick at which [`advance_to`](Self::advance_to) will have work to do, or
    /// `None` when the wheel is empty. An executor parks until then.
    ///
    /// When the earliest timer is on level 0 this is exactly its deadline. Otherwise it is the
    /// first tick of the earliest occupied slot: a lower bound, the tick at which that slot's
    /// timers are re-filed on a finer level. Advancing to it fires nothing early; it just makes
    /// the next answer more precise. (For the overflow list it is the start of the 2^36-tick
    /// block holding the earliest deadline there.)
    ///
    /// It costs a bitmap lookup per level; no timer is looked at.
    ///
    /// ```
    /// let mut wheel = glassloop_timer::TimerWheel::new();
    /// assert_eq!(wheel.next_expiration(), None);
    ///
    /// wheel.insert(1_000, ());
    /// // Tick 1000 is on level 1, in the 64-tick slot that starts at 15 × 64 = 960.
    /// assert_eq!(wheel.next_expiration(), Some(960));
    ///
    /// let mut fired = Vec::new();
    /// wheel.advance_to(960, &mut fired);
    /// // Now the timer has cascaded to level 0, and the answer is exact.
    /// assert!(fired.is_empty());
    /// assert_eq!(wheel.next_expiration(), Some(1_000));
    /// ```
    pub fn next_expiration(&self) -> Option<u64> {
        self.next_list_due().map(|(tick, _)| tick)
    }

    /// Moves time forward to tick `now` and fires every timer whose deadline is at or before it:
    /// each one's payload is pushed onto `fired`, and its key goes stale.
    ///
    /// Timers fire in deadline order; timers with the same deadline fire in the order they were
    /// inserted. A timer inserted with a deadline already in the past counts as due at the tick
    /// it was inserted, so it fires first, in insertion order with other such timers.
    ///
    /// Time never goes back: a `now` below [`elapsed`](Self::elapsed) does nothing. Afterwards,
    /// `elapsed()` is the larger of the old value and `now`.
    ///
    /// `fired` is pushed onto, not cleared, so a caller can reuse one `Vec` for every turn of its
    /// loop and never allocate once it has grown.
    ///
    /// ```
    /// let mut wheel = glassloop_timer::TimerWheel::new();
    /// wheel.insert(70, "b");
    /// wheel.insert(3, "a");
    /// wheel.insert(70, "c");
    ///
    /// let mut fired = Vec::new();
    /// wheel.advance_to(69, &mut fired);
    /// assert_eq!(fired, ["a"]); // 70 is not due at 69: nothing fires early
    ///
    /// wheel.advance_to(70, &mut fired);
    /// assert_eq!(fired, ["a", "b", "c"]); // same deadline: insertion order
    /// ```
    pub fn advance_to(&mut self, now: u64, fired: &mut Vec<T>) {
        // Jump from one occupied slot to the next, never tick by tick, so that advancing across
        // an idle hour costs a handful of steps rather than 3.6 million.
        while let Some((tick, position)) = self.next_list_due() {
            if tick > now {
                break;
            }
            self.elapsed = tick;

            // THE TRAP: take the whole slot off the wheel before re-filing any of its entries.
            //
            // Some entries of this slot are not due yet and must be filed again. If we walked the
            // slot's list in place while filing, an entry could be filed back onto the very list
            // we are walking — the overflow list re-files far-away timers onto itself — and the
            // walk would meet it again and never end. Clearing the slot's bitmap bit *after* the
            // walk would be just as wrong: it would hide an entry that was filed there meanwhile.
            // So: detach the list and clear the bit first; then the slot is an ordinary empty slot
            // that filing may use freely, and the detached list is ours alone to walk.
            let mut taken = self.take_list(position);

            while let Some(index) = taken.pop_front(&mut self.entries) {
                if self.entries.entry(index).deadline <= self.elapsed {
                    fired.push(self.entries.release(index));
                } else {
                    // Not due yet: now that the current tick has moved into this slot, the
                    // deadline shares more digits with it and lands on a finer level.
                    self.file(index);
                }
            }
        }

        // Nothing more is due at or before `now`, so time can simply move there. Every timer
        // still waiting sits in a slot that starts after `now`, so no slot has been skipped.
        self.elapsed = self.elapsed.max(now);
    }

    /// Puts entry `index` (on no list yet) on the list its deadline belongs to, as seen from the
    /// current tick, and records that position in the entry.
    fn file(&mut self, index: u32) {
        let deadline = self.entries.entry(index).deadline;
        let position = position_for(self.elapsed, deadline);
        self.entries.entry_mut(index).position = position.into();

        if position.level == LEVELS {
            if self.overflow.is_empty() || deadline < self.overflow_earliest {
                self.overflow_earliest = deadline;
            }
            self.overflow.push_back(&mut self.entries, index);
        } else {
            self.levels[position.level].push(position.slot, &mut self.entries, index);
        }
    }

    /// The list that needs attention first, and the tick at which it does.
    ///
    /// Level by level from the finest: the first level with an occupied slot at or after the
    /// current one wins. A finer level always comes first because all its slots lie inside the
    /// current slot of every coarser level — and the current slot of a coarser level is always
    /// empty, since it was emptied (cascaded) when time entered it.
    fn next_list_due(&self) -> Option<(u64, Position)> {
        for (level_number, level) in self.levels.iter().enumerate() {
            let current_slot = digit(self.elapsed, level_number);
            if let Some(slot) = level.first_occupied_from(current_slot) {
                let position = Position {
                    level: level_number,
                    slot,
                };
                return Some((slot_start(self.elapsed, level_number, slot), position));
            }
        }

        // All six levels are empty. The overflow list needs looking at when time reaches the
        // 2^36-tick block of its earliest deadline: from then on that deadline fits in the levels.
        // Every overflow deadline lies in a later block than `elapsed` (that is why it is on the
        // overflow list), so this tick is in the future and the arithmetic cannot overflow.
        if self.overflow.is_empty() {
            return None;
        }
        debug_assert!(self.levels.iter().all(Level::is_empty));
        let overflow = Position {
            level: LEVELS,
            slot: 0,
        };
        Some((wheel_block_start(self.overflow_earliest), overflow))
    }

    /// Detaches the list at `position` from the wheel and returns it.
    fn take_list(&mut self, position: Position) -> SlotList {
        if position.level == LEVELS {
            std::mem::replace(&mut self.overflow, SlotList::EMPTY)
        } else {
            self.levels[position.level].take_slot(position.slot)
        }
    }
}

impl<T> Default for TimerWheel<T> {
    /// The same as [`TimerWheel::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for TimerWheel<T> {
    /// A summary — the current tick, how many timers wait and when the next is due — that does
    /// not require `T: Debug` (a `Waker` payload tells a reader nothing).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimerWheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len())
            .field("next_expiration", &self.next_expiration())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
