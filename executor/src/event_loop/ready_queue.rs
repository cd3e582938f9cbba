//! The ready queue: the tasks to poll, in the order they were woken — asyncio's `loop._ready`
//! deque.
//!
//! FIFO is the default and the rule asyncio keeps. With a seed (see
//! [`driver/seed.rs`](crate::driver::seed)), the tasks that were ready when a turn began are
//! polled in a seeded order instead: they became ready "at the same time" as far as the loop can
//! tell, so any order is one a real run could have taken. Tasks woken during the turn still wait
//! for the next one, seed or no seed.
//!
//! Read next: [`tasks.rs`](super::tasks), which fills the queue.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::driver::seed::Seeded;
use crate::ids::TaskId;

pub(crate) struct ReadyQueue {
    queue: RefCell<VecDeque<TaskId>>,
    /// The seeded generator, when the loop has a seed (it lives here, with the order it drives).
    seeded: Option<Rc<Seeded>>,
}

// `#[inline]` on each: they are called on the loop's hottest paths (every spawn, wake and poll),
// from other files of the crate, and a release build inlines across its codegen units only what
// is marked so.
impl ReadyQueue {
    pub(crate) fn new(seeded: Option<Rc<Seeded>>) -> ReadyQueue {
        ReadyQueue {
            queue: RefCell::new(VecDeque::with_capacity(256)),
            seeded,
        }
    }

    #[inline]
    pub(crate) fn push(&self, id: TaskId) {
        self.queue.borrow_mut().push_back(id);
    }

    #[inline]
    pub(crate) fn pop(&self) -> Option<TaskId> {
        self.queue.borrow_mut().pop_front()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.borrow().is_empty()
    }

    pub(crate) fn clear(&self) {
        self.queue.borrow_mut().clear();
    }

    /// The start of a turn: how many tasks the turn polls — those queued now — put in a seeded
    /// order first if the loop has a seed.
    #[inline]
    pub(crate) fn begin_turn(&self) -> usize {
        let mut queue = self.queue.borrow_mut();
        let count = queue.len();
        if let Some(seeded) = &self.seeded {
            let ready = &mut queue.make_contiguous()[..count];
            seeded.shuffle(ready, |id| {
                u64::from(id.index) << 32 | u64::from(id.generation)
            });
        }
        count
    }

    /// The queued task ids, in the order they will be polled (for the stepper's picture).
    pub(crate) fn snapshot(&self) -> Vec<TaskId> {
        self.queue.borrow().iter().copied().collect()
    }

    /// The loop's seeded generator, if it has one (for `gather`'s children).
    #[inline]
    pub(crate) fn seeded(&self) -> Option<&Rc<Seeded>> {
        self.seeded.as_ref()
    }
}
