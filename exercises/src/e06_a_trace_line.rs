//! Exercise 6: add a trace line — the loop saying who woke whom, and when it parks
//! (`GLASSLOOP_TRACE=1`; asyncio's debug log says far less).
//!
//! [`Recorder`] is a small loop's trace: it records [`Event`]s, and [`describe`] turns each into
//! the words the trace prints. Two are missing. Write:
//! - [`Recorder::wake`]: record that `task` was woken, and by whom — the task being polled right
//!   now (`running`), or, when none is, the loop itself (a timer, I/O);
//! - the two arms of [`describe`] for [`Event::WokenBy`] and [`Event::Parked`], in the trace's
//!   words: `task 2 woken by task 1`, `task 2 woken by the loop`, `loop parks for 40 ms`,
//!   `loop parks until a wake` (no timeout).
//!
//! Read first: docs/reading-the-trace.md. The tests: tests/e06_a_trace_line.rs. (glassloop's
//! own: `describe` in executor/src/observe/trace.rs, and `Core::schedule`, which records the
//! wake, in executor/src/event_loop/tasks.rs.)

use std::cell::{Cell, RefCell};

/// Something the loop did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The task was polled.
    Polled(u32),
    /// Its poll returned `Pending`.
    Pending(u32),
    /// Its poll returned `Ready`.
    Ready(u32),
    /// It was woken; `by` is the task that was running then, `None` if none was.
    WokenBy {
        /// Who was woken.
        task: u32,
        /// Who woke it.
        by: Option<u32>,
    },
    /// The loop went to sleep in the selector, for at most this long (`None`: until a wake).
    Parked {
        /// The park's timeout, in milliseconds.
        timeout_ms: Option<u64>,
    },
}

/// The event in the trace's words.
pub fn describe(event: &Event) -> String {
    match event {
        Event::Polled(task) => format!("task {task} polled"),
        Event::Pending(task) => format!("task {task} → Pending: waits at an .await"),
        Event::Ready(task) => format!("task {task} → Ready: finished"),
        Event::WokenBy { .. } | Event::Parked { .. } => {
            todo!("exercise 6: the two missing lines")
        }
    }
}

/// A loop's trace: what it did, and which task it is polling now.
#[derive(Default)]
pub struct Recorder {
    /// The task being polled, if any.
    pub running: Cell<Option<u32>>,
    /// What happened, in order.
    pub events: RefCell<Vec<Event>>,
}

impl Recorder {
    /// Polls `task` (here: just records it), with `running` set meanwhile; `poll` is the task's
    /// body, which may wake others.
    pub fn poll(&self, task: u32, poll: impl FnOnce(&Recorder) -> bool) {
        self.events.borrow_mut().push(Event::Polled(task));
        self.running.set(Some(task));
        let ready = poll(self);
        self.running.set(None);
        let event = if ready {
            Event::Ready(task)
        } else {
            Event::Pending(task)
        };
        self.events.borrow_mut().push(event);
    }

    /// Records that `task` was woken, by whoever is running.
    pub fn wake(&self, task: u32) {
        let _ = task;
        todo!("exercise 6: record who woke whom")
    }

    /// Records a park.
    pub fn park(&self, timeout_ms: Option<u64>) {
        self.events.borrow_mut().push(Event::Parked { timeout_ms });
    }

    /// The trace so far, one line per event.
    pub fn lines(&self) -> Vec<String> {
        self.events.borrow().iter().map(describe).collect()
    }
}
