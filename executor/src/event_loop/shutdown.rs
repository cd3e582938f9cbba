//! Closing the loop — what `asyncio.run` does when `main()` returns: cancel the tasks that are
//! left, and close the loop.
//!
//! Dropping a task's future runs its destructors, which are user code: they may cancel timers,
//! spawn, wake or panic. So the loop stays current while it drains (a `Sleep` finds its wheel, a
//! spawn gets a cancelled handle), each task is taken out of the table before it is dropped, and a
//! panicking destructor is reported while the rest still run.
//!
//! Read next: [`budget.rs`](super::budget).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use super::{context, Core};
use crate::observe::WakeCause;

impl Core {
    /// Drops every task the loop still holds, as `asyncio.run` cancels what is left.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        let _current = context::enter_for_shutdown(self);
        self.shutting_down.set(true);
        self.watch.set_cause(WakeCause::Loop);
        self.take_remote_messages();
        loop {
            let ids = self.tasks.borrow().live_ids();
            if ids.is_empty() {
                break;
            }
            for id in ids {
                let (number, leftovers) = {
                    let mut tasks = self.tasks.borrow_mut();
                    let Some(slot) = tasks.get_mut(id) else {
                        continue;
                    };
                    // Cancelled: a JoinHandle on another thread sees it finished.
                    if let Some(waker) = &slot.waker {
                        waker.mark_finished();
                    }
                    (slot.number, tasks.free(id))
                };
                self.drop_leftovers(number, leftovers);
            }
        }
        let outputs = std::mem::take(&mut *self.outputs.borrow_mut());
        let _ = catch_unwind(AssertUnwindSafe(move || drop(outputs)));
        self.ready_queue.clear();
        let wheel = self.timers.take_all();
        let _ = catch_unwind(AssertUnwindSafe(move || drop(wheel)));
        self.watch.finish(&**self, self.timers.clock.now());
        context::unregister_loop(self.id);
    }
}
