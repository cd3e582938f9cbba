//! Where finished tasks leave their outputs until their `JoinHandle` collects them.
//!
//! asyncio stores a finished task's result on the `Task` object itself. In Rust the task table
//! holds tasks of every output type, so a slot cannot have a field of type `T`. The obvious
//! answer, `Box<dyn Any>`, costs an allocation per task whenever `T` is not zero-sized — a second
//! allocation on top of the task's own box, on the hottest path of a spawn-heavy program.
//!
//! glassloop keeps one **arena per output type** instead: a `Vec<Option<T>>` indexed by the task's
//! slot number, created the first time a task with that output type finishes and reused ever
//! after. A finished task's output goes into its type's arena at its slot's index; the slot only
//! notes *which* arena ([`ArenaId`]). The `JoinHandle<T>` knows `T`, so it takes the value out
//! typed. A program has a handful of output types, so finding the arena is a short scan.
//!
//! A zero-sized output — `()`, the output of most background tasks — skips the arena: a
//! `Box<dyn Any>` of a zero-sized value allocates nothing, so it simply rides in a box.
//!
//! (`unsafe` code would put the output in the task's own allocation, as tokio does. Without it,
//! this is how to keep spawning to one allocation per task.)

use std::any::{Any, TypeId};

/// A finished task's output, as its slot keeps it until the `JoinHandle` takes it.
pub(crate) enum StoredOutput {
    /// A zero-sized output, boxed (which allocates nothing).
    Boxed(Box<dyn Any>),
    /// Any other output: it waits in this arena, at the slot's index.
    InArena(ArenaId),
}

/// Which arena holds an output (its position in [`OutputArenas`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArenaId(u16);

/// The arenas of one loop, one per output type seen so far.
#[derive(Default)]
pub(crate) struct OutputArenas {
    arenas: Vec<(TypeId, Box<dyn ErasedArena>)>,
}

/// The outputs of one type, by slot index.
struct Arena<T> {
    values: Vec<Option<T>>,
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
        let value = self.values.get_mut(index as usize)?.take()?;
        Some(Box::new(value))
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl OutputArenas {
    /// The arena for `T`, created on first use.
    fn arena<T: 'static>(&mut self) -> (ArenaId, &mut Arena<T>) {
        let type_id = TypeId::of::<T>();
        let position = match self.arenas.iter().position(|(id, _)| *id == type_id) {
            Some(position) => position,
            None => {
                let arena: Box<dyn ErasedArena> = Box::new(Arena::<T> { values: Vec::new() });
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
        (ArenaId(id), arena)
    }

    /// Stores the output of the task in slot `index`.
    pub(crate) fn put<T: 'static>(&mut self, index: u32, value: T) -> ArenaId {
        let (id, arena) = self.arena::<T>();
        let index = index as usize;
        if arena.values.len() <= index {
            arena.values.resize_with(index + 1, || None);
        }
        arena.values[index] = Some(value);
        id
    }

    /// Takes the output of the task in slot `index` out of arena `id`, typed.
    pub(crate) fn take<T: 'static>(&mut self, id: ArenaId, index: u32) -> Option<T> {
        let (found, arena) = self.arena::<T>();
        debug_assert_eq!(found, id, "a JoinHandle's type matches its task's output");
        arena.values.get_mut(index as usize)?.take()
    }

    /// Takes an output out without knowing its type (to drop it).
    pub(crate) fn take_erased(&mut self, id: ArenaId, index: u32) -> Option<Box<dyn Any>> {
        self.arenas.get_mut(id.0 as usize)?.1.take_erased(index)
    }
}
