//! The loop's table of tasks — what asyncio keeps in the weak set behind `asyncio.all_tasks()`.
//!
//! A vector of slots and a stack of free ones: spawning takes a free slot (or grows the vector),
//! finishing gives it back. A [`TaskId`] names a slot and its generation; freeing a slot bumps the
//! generation, so every id of the task that lived there goes stale at once.
//!
//! The table also hands out task numbers (1, 2, 3 … in spawn order): this is the one counter,
//! and every report reads the number it wrote into the slot.
//!
//! Read next: [`outputs.rs`](super::outputs).

use std::collections::HashMap;
use std::panic::Location;
use std::sync::Arc;

use super::{TaskBody, TaskSlot, TaskState};
use crate::ids::TaskId;

/// The loop's tasks; `W` is what the loop keeps of each task's waker (see [`TaskSlot`]).
pub(crate) struct TaskTable<W> {
    slots: Vec<TaskSlot<W>>,
    free: Vec<u32>,
    live: usize,
    /// Tasks spawned so far: the last number handed out.
    spawned: u64,
    /// The names given with `spawn_named`, by slot. Few tasks have one, so a side map costs less
    /// than a field in every slot.
    names: HashMap<u32, Arc<str>>,
}

impl<W> Default for TaskTable<W> {
    /// Room for a few hundred tasks from the start, so a fresh loop does not regrow (and copy) its
    /// table again and again as its first tasks arrive.
    fn default() -> TaskTable<W> {
        TaskTable {
            slots: Vec::with_capacity(256),
            free: Vec::with_capacity(256),
            live: 0,
            spawned: 0,
            names: HashMap::new(),
        }
    }
}

impl<W> TaskTable<W> {
    /// The next task number, for a task that gets no slot (spawned while the loop shuts down).
    pub(crate) fn next_number(&mut self) -> u64 {
        self.spawned += 1;
        self.spawned
    }

    /// Takes a free slot (or grows the table) for a new task, and gives it its number. The slot
    /// is `Scheduled`, holds `body`, and has a handle; the caller gives it its waker and queues
    /// it.
    pub(crate) fn allocate(
        &mut self,
        body: TaskBody,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
    ) -> (TaskId, u64, &mut TaskSlot<W>) {
        let number = self.next_number();
        self.live += 1;
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&i| i < u32::MAX)
                    .expect("glassloop: more than 4 billion live tasks");
                self.slots.push(TaskSlot {
                    generation: 0,
                    state: TaskState::Free,
                    has_handle: false,
                    abort_requested: false,
                    number: 0,
                    body: TaskBody::Empty,
                    join_waker: None,
                    waker: None,
                    location: None,
                    waiting: None,
                });
                index
            }
        };
        if let Some(name) = name {
            self.names.insert(index, name);
        }
        let slot = &mut self.slots[index as usize];
        slot.state = TaskState::Scheduled;
        slot.has_handle = true;
        slot.number = number;
        slot.body = body;
        slot.location = Some(location);
        let id = TaskId {
            index,
            generation: slot.generation,
        };
        (id, number, slot)
    }

    /// The slot of a live task, or `None` if the id is stale (its task ended and the slot moved on).
    pub(crate) fn get_mut(&mut self, id: TaskId) -> Option<&mut TaskSlot<W>> {
        self.slots
            .get_mut(id.index as usize)
            .filter(|slot| slot.generation == id.generation && slot.state != TaskState::Free)
    }

    /// Like [`get_mut`](Self::get_mut), read-only.
    pub(crate) fn get(&self, id: TaskId) -> Option<&TaskSlot<W>> {
        self.slots
            .get(id.index as usize)
            .filter(|slot| slot.generation == id.generation && slot.state != TaskState::Free)
    }

    /// The name given with `spawn_named`, if any.
    pub(crate) fn name(&self, id: TaskId) -> Option<&str> {
        self.get(id)?;
        self.names.get(&id.index).map(|name| &**name)
    }

    /// Frees a slot: bumps its generation so old ids go stale, and hands back what it held so the
    /// caller can drop it *after* releasing the table (dropping can run user code). The waker's
    /// shared part stays, for the next task here.
    pub(crate) fn free(&mut self, id: TaskId) -> Option<TaskBody> {
        let slot = self.get_mut(id)?;
        slot.state = TaskState::Free;
        slot.generation = slot.generation.wrapping_add(1);
        slot.has_handle = false;
        slot.abort_requested = false;
        slot.join_waker = None;
        slot.waiting = None;
        let leftovers = slot.body.take();
        if !self.names.is_empty() {
            self.names.remove(&id.index);
        }
        self.free.push(id.index);
        self.live -= 1;
        Some(leftovers)
    }

    /// How many tasks are alive (not yet freed).
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// Every live slot, with its id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (TaskId, &TaskSlot<W>)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.state != TaskState::Free)
            .map(|(index, slot)| {
                let id = TaskId {
                    index: index as u32,
                    generation: slot.generation,
                };
                (id, slot)
            })
    }

    /// Ids of every live task (used at shutdown).
    pub(crate) fn live_ids(&self) -> Vec<TaskId> {
        self.iter().map(|(id, _)| id).collect()
    }
}
