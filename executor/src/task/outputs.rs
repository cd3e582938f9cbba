//! Where finished tasks leave their outputs until their `JoinHandle` collects them.
//!
//! asyncio stores a finished task's result on the `Task` object itself. In Rust the task table
//! holds tasks of every output type, so a slot cannot have a field of type `T`. The obvious
//! answer, `Box<dyn Any>`, costs an allocation per task whenever `T` is not zero-sized — a second
//! allocation on top of the task's own box, on the hottest path of a spawn-heavy program.
//!
//! glassloop keeps one **arena per output type** instead: a `Vec<Option<T>>` with a free list,
//! created the first time a task with that output type finishes and reused ever after. A finished
//! task's output goes into a free place of its type's arena; the slot notes which arena and which
//! place ([`ArenaPlace`]). The `JoinHandle<T>` knows `T`, so it takes the value out typed. An arena
//! is as long as the most outputs of its type ever waiting at once — not as long as the task
//! table (an earlier version indexed it by slot number, and one task finishing in slot 1,000,000
//! made a million-entry arena). A program has a handful of output types, so finding the arena is
//! a short scan.
//!
//! A zero-sized output — `()`, the output of most background tasks — skips the arena: a
//! `Box<dyn Any>` of a zero-sized value allocates nothing, so it simply rides in a box.
//!
//! (`unsafe` code would put the output in the task's own allocation, as tokio does. Without it,
//! this is how to keep spawning to one allocation per task.)
//!
//! Read next: [`observe/`](crate::observe), the layer that watches the loop.

use std::any::{Any, TypeId};

/// A finished task's output, as its slot keeps it until the `JoinHandle` takes it.
pub(crate) enum StoredOutput {
    /// A zero-sized output, boxed (which allocates nothing).
    Boxed(Box<dyn Any>),
    /// Any other output: it waits in an arena.
    InArena(ArenaPlace),
}

/// Where an output waits: which arena (its position in [`OutputArenas`]), and where in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArenaPlace {
    arena: u16,
    index: u32,
}

/// The arenas of one loop, one per output type seen so far.
#[derive(Default)]
pub(crate) struct OutputArenas {
    arenas: Vec<(TypeId, Box<dyn ErasedArena>)>,
}

/// The outputs of one type, and the places that are free.
struct Arena<T> {
    values: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Arena<T> {
    fn take(&mut self, index: u32) -> Option<T> {
        let value = self.values.get_mut(index as usize)?.take()?;
        self.free.push(index);
        Some(value)
    }
}

/// What the loop needs from an arena without knowing its type.
trait ErasedArena: Any {
    /// Takes the value at `index` out, boxed, so the caller can drop it after releasing its
    /// borrows (a value's destructor is user code). Only on the rare path of a finished task
    /// whose handle was dropped without being awaited.
    fn take_erased(&mut self, index: u32) -> Option<Box<dyn Any>>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: 'static> ErasedArena for Arena<T> {
    fn take_erased(&mut self, index: u32) -> Option<Box<dyn Any>> {
        let value = self.take(index)?;
        Some(Box::new(value))
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl OutputArenas {
    /// The arena for `T`, created on first use.
    fn arena<T: 'static>(&mut self) -> (u16, &mut Arena<T>) {
        let type_id = TypeId::of::<T>();
        let position = match self.arenas.iter().position(|(id, _)| *id == type_id) {
            Some(position) => position,
            None => {
                let arena: Box<dyn ErasedArena> = Box::new(Arena::<T> {
                    values: Vec::new(),
                    free: Vec::new(),
                });
                self.arenas.push((type_id, arena));
                self.arenas.len() - 1
            }
        };
        let arena = self.arenas[position]
            .1
            .as_any_mut()
            .downcast_mut::<Arena<T>>()
            .expect("an arena is found by its output's TypeId");
        let id = u16::try_from(position).expect("more than 65,535 task output types");
        (id, arena)
    }

    /// Files a finished task's output: boxed if zero-sized (which allocates nothing), otherwise in
    /// a free place of its type's arena.
    pub(crate) fn put<T: 'static>(&mut self, value: T) -> StoredOutput {
        if std::mem::size_of::<T>() == 0 {
            return StoredOutput::Boxed(Box::new(value));
        }
        let (arena_id, arena) = self.arena::<T>();
        let index = match arena.free.pop() {
            Some(index) => {
                arena.values[index as usize] = Some(value);
                index
            }
            None => {
                arena.values.push(Some(value));
                u32::try_from(arena.values.len() - 1).expect("more than 4 billion waiting outputs")
            }
        };
        StoredOutput::InArena(ArenaPlace {
            arena: arena_id,
            index,
        })
    }

    /// Takes an output out, typed.
    pub(crate) fn take<T: 'static>(&mut self, stored: StoredOutput) -> Option<T> {
        match stored {
            StoredOutput::Boxed(output) => output.downcast::<T>().ok().map(|boxed| *boxed),
            StoredOutput::InArena(place) => {
                let (arena_id, arena) = self.arena::<T>();
                debug_assert_eq!(
                    arena_id, place.arena,
                    "a JoinHandle's type matches its task's output"
                );
                arena.take(place.index)
            }
        }
    }

    /// Takes an output out without knowing its type, boxed, so the caller can drop it after
    /// releasing its borrows (a value's destructor is user code).
    pub(crate) fn take_erased(&mut self, stored: StoredOutput) -> Option<Box<dyn Any>> {
        match stored {
            StoredOutput::Boxed(output) => Some(output),
            StoredOutput::InArena(place) => self
                .arenas
                .get_mut(place.arena as usize)?
                .1
                .take_erased(place.index),
        }
    }
}
