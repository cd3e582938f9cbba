//! Which loop is running on this thread — asyncio's `get_running_loop()`.
//!
//! asyncio keeps the running loop in a thread-local so that `asyncio.sleep` or `create_task` can find it
//! without being handed it. glassloop does the same: while `block_on` runs, the loop's [`Core`] sits in
//! the thread-local `CURRENT`, and free functions such as [`spawn`](fn@crate::spawn) or
//! [`sleep`](crate::sleep) reach it through [`with_current`].
//!
//! Every loop that is alive on this thread (running or not) is also listed in `LOOPS`, so that a
//! `JoinHandle` dropped or aborted between two `block_on` calls still finds its loop.
//!
//! Read next: [`waker.rs`](super::waker).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::Core;

thread_local! {
    /// The loop that `block_on` is driving on this thread right now, if any.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
    /// Every loop created on this thread and not yet dropped.
    static LOOPS: RefCell<Vec<Weak<Core>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with the loop running on this thread, or returns `None` when no loop is running.
///
/// The closure only borrows the thread-local immutably, so code inside it may call `with_current`
/// again (a waker woken from inside a poll does exactly that).
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    // `try_with` because wakers can be dropped while the thread's locals are being destroyed.
    CURRENT
        .try_with(|current| current.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// The id of the loop running on this thread, if any.
pub(crate) fn current_loop_id() -> Option<u64> {
    with_current(|core| core.id)
}

/// Runs `f` with loop `loop_id` if it lives on this thread — the running one first (the common
/// case, which costs no reference count), then the idle ones. `None` if the loop is elsewhere or
/// gone.
pub(crate) fn with_loop<R>(loop_id: u64, f: impl FnOnce(&Core) -> R) -> Option<R> {
    let mut f = Some(f);
    let on_current =
        with_current(|core| (core.id == loop_id).then(|| (f.take().expect("called once"))(core)));
    if let Some(Some(result)) = on_current {
        return Some(result);
    }
    let idle = LOOPS
        .try_with(|loops| {
            loops
                .borrow()
                .iter()
                .filter_map(Weak::upgrade)
                .find(|core| core.id == loop_id)
        })
        .ok()
        .flatten()?;
    f.take().map(|f| f(&idle))
}

/// Records a newly built loop in this thread's list.
pub(crate) fn register_loop(core: &Rc<Core>) {
    LOOPS.with(|loops| {
        let mut loops = loops.borrow_mut();
        loops.retain(|weak| weak.strong_count() > 0);
        loops.push(Rc::downgrade(core));
    });
}

/// Removes a loop from this thread's list when its runtime is dropped.
pub(crate) fn unregister_loop(loop_id: u64) {
    let _ = LOOPS.try_with(|loops| {
        loops
            .borrow_mut()
            .retain(|weak| weak.upgrade().is_some_and(|core| core.id != loop_id));
    });
}

/// Makes `core` the running loop until the returned guard is dropped (also on unwind).
///
/// Panics if a loop is already running on this thread: a loop cannot be entered from inside another
/// one (asyncio raises "asyncio.run() cannot be called from a running event loop").
pub(crate) fn enter(core: &Rc<Core>, what: &str) -> EnterGuard {
    CURRENT.with(|current| {
        // A failed borrow means we are inside `with_current`, i.e. inside a running loop too.
        let Ok(mut current) = current.try_borrow_mut() else {
            panic!("{what} was called from inside a running glassloop loop; `.await` instead");
        };
        if current.is_some() {
            panic!(
                "{what} was called from inside a running glassloop loop. A loop cannot block on \
                 itself: inside async code, `.await` the future instead, or hand it to \
                 `glassloop::spawn` to run it in the background."
            );
        }
        *current = Some(core.clone());
    });
    EnterGuard { previous: None }
}

/// Makes `core` the current loop even if another one is running, restoring the previous one after.
///
/// Used only while a runtime shuts down, so that the destructors of its tasks (which may cancel
/// timers or spawn) see their own loop.
pub(crate) fn enter_for_shutdown(core: &Rc<Core>) -> EnterGuard {
    let previous = CURRENT
        .try_with(|current| current.borrow_mut().replace(core.clone()))
        .ok()
        .flatten();
    EnterGuard {
        previous: Some(previous),
    }
}

/// Restores the thread's previous running loop when dropped.
pub(crate) struct EnterGuard {
    /// `None`: there was no loop before (plain `enter`). `Some(x)`: put `x` back.
    previous: Option<Option<Rc<Core>>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take().flatten();
        let _ = CURRENT.try_with(|current| {
            // Take the old value out before dropping it: dropping an `Rc<Core>` never runs user
            // code, but keeping the borrow short costs nothing.
            let replaced = std::mem::replace(&mut *current.borrow_mut(), previous);
            drop(replaced);
        });
    }
}

/// Notes, for the task being polled on this thread's loop, what it waits on (a no-op outside a
/// poll). Leaf futures call this as they return `Pending`.
pub(crate) fn note_waiting(waiting: impl FnOnce() -> crate::observe::Waiting) {
    with_current(|core| core.note_waiting(waiting));
}

/// The running loop's seeded generator, if it has a seed (`gather` orders its children with it).
pub(crate) fn current_seeded() -> Option<Rc<crate::driver::seed::Seeded>> {
    with_current(|core| core.seeded().cloned()).flatten()
}
