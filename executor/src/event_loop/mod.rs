//! The event loop itself — what `asyncio.run` drives, one turn at a time.
//!
//! [`Core`] is one loop: the task table, the ready queue, the timers and the selector. It lives on
//! one thread (like an asyncio loop), behind an `Rc`; everything other threads may touch is in its
//! [`Shared`] part. This file reads in the order the loop runs: the `Core`, `block_on`, one `turn`,
//! then each step of the turn in the order it happens.
//!
//! # One turn
//!
//! [`Core::turn`] does, in order:
//!
//! 1. take the wakes that arrived from other threads (asyncio: the self-pipe's callbacks);
//! 2. poll every task that was ready **when the turn began** — a task woken during the turn runs in
//!    the next one, so a task that keeps waking itself cannot starve timers and I/O (asyncio runs
//!    only the callbacks that were in `_ready` when the iteration started, for the same reason);
//! 3. fire the timers that are due;
//! 4. ask the reactor for I/O: if something is ready to run, just peek (zero timeout); if nothing
//!    is, sleep in the selector until the next timer's deadline — or, under virtual time, jump the
//!    clock to that deadline instead of sleeping.
//!
//! # Re-entrancy
//!
//! Polling a future, dropping one, and waking a waker all run user code, and user code may spawn,
//! wake or drop again. So no `RefCell` borrow of the task table, ready queue, wheel or reactor is ever
//! held across any of them: the future is taken out of its slot to be polled, fired timers' wakers are
//! collected before they are woken, and a task is removed from the table before it is dropped.
//!
//! # The rest of the folder
//!
//! - [`tasks.rs`](tasks) — spawning, scheduling a wake, a task finishing, and what a `JoinHandle`
//!   asks of the loop;
//! - [`waits.rs`](waits) — what waiting futures ask of the loop: arm a timer, wait for a socket,
//!   note what they wait on;
//! - [`ready_queue.rs`](ready_queue) — the tasks to poll, FIFO or seeded;
//! - [`introspect.rs`](introspect) — `all_tasks` and the loop's counters;
//! - [`shutdown.rs`](shutdown) — dropping what is left when the runtime goes;
//! - [`budget.rs`](budget) — how a task that is always ready is made to yield;
//! - [`context.rs`](context) — which loop runs on this thread (asyncio's `get_running_loop`);
//! - [`waker.rs`](waker) — how a wake gets back here, from this thread or another.
//!
//! Read next: [`tasks.rs`](tasks).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crossbeam_channel::Receiver;

use crate::driver::clock::TICK;
use crate::driver::reactor::Reactor;
use crate::driver::seed::Seeded;
use crate::driver::timers::Timers;
use crate::error::{panic_message, JoinError};
use crate::ids::TaskId;
use crate::observe::{Event, WakeCause, Watch, WatchConfig};
use crate::task::outputs::OutputArenas;
use crate::task::{TaskBody, TaskState, TaskTable};

pub(crate) mod budget;
pub(crate) mod context;
mod introspect;
mod ready_queue;
mod shutdown;
mod tasks;
mod waits;
pub(crate) mod waker;

pub use introspect::{all_tasks, current_task, Stats};
use ready_queue::ReadyQueue;
pub(crate) use waker::Resolver;
use waker::{Message, Shared, TaskWaker};

/// The loop's tasks: each slot keeps its waker's shared part, an [`Arc<TaskWaker>`](TaskWaker).
type Tasks = TaskTable<Arc<TaskWaker>>;

/// Numbers loops, so a waker knows whether the thread it is woken on runs *its* loop.
static NEXT_LOOP_ID: AtomicU64 = AtomicU64::new(1);

/// How a loop is set up (filled in by [`Builder`](crate::Builder)).
#[derive(Default)]
pub(crate) struct Config {
    pub(crate) virtual_time: bool,
    pub(crate) watch: WatchConfig,
    /// Replaces the system's name resolution (a test hook; see `Builder::resolver`).
    pub(crate) resolver: Option<Resolver>,
    /// Take the orders the loop is free to choose from a generator with this seed
    /// (`Builder::seed`; see `driver/seed.rs`).
    pub(crate) seed: Option<u64>,
}

/// One event loop: only what a turn needs. Time and I/O reach it through methods (`waits.rs`),
/// and everything that exists only to watch it is behind `watch`.
pub(crate) struct Core {
    /// This loop's number (see [`NEXT_LOOP_ID`]).
    pub(crate) id: u64,
    /// Every task the loop owns.
    tasks: RefCell<Tasks>,
    /// Ids of tasks to poll, in the order they were woken (asyncio's `_ready` deque), or in a
    /// seeded order within a turn when the loop has a seed.
    ready_queue: ReadyQueue,
    /// The `block_on` future was woken: poll it at the next chance.
    main_woken: Cell<bool>,
    /// The clock and the armed timers.
    timers: Timers,
    /// The selector and the registered I/O sources.
    reactor: RefCell<Reactor>,
    /// The part other threads can reach.
    shared: Arc<Shared>,
    /// Messages from other threads (the other end is in `shared`).
    remote_inbox: Receiver<Message>,
    /// Finished tasks' outputs, waiting for their `JoinHandle`s (one arena per output type).
    outputs: RefCell<OutputArenas>,
    /// Tasks polled so far.
    polls: Cell<u64>,
    /// Set while the runtime is being dropped: a spawn then returns a cancelled handle.
    shutting_down: Cell<bool>,
    /// The door to whoever watches the loop: the trace, the timeline, `all_tasks`.
    watch: Watch,
}

impl Core {
    /// Builds a loop with its selector and cross-thread waker.
    pub(crate) fn new(config: Config) -> io::Result<Rc<Core>> {
        let seeded = config.seed.map(Seeded::new);
        let reactor = Reactor::new(seeded.clone())?;
        let id = NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed);
        let (shared, remote_inbox) = Shared::new(id, &reactor, config.resolver)?;
        let timers = Timers::new(config.virtual_time, seeded.clone());
        let watch = Watch::new(
            config.watch,
            timers.clock.origin(),
            timers.clock.is_virtual(),
        );
        let core = Rc::new(Core {
            id,
            tasks: RefCell::new(Tasks::default()),
            ready_queue: ReadyQueue::new(seeded),
            main_woken: Cell::new(false),
            timers,
            reactor: RefCell::new(reactor),
            shared: Arc::new(shared),
            remote_inbox,
            outputs: RefCell::new(OutputArenas::default()),
            polls: Cell::new(0),
            shutting_down: Cell::new(false),
            watch,
        });
        context::register_loop(&core);
        Ok(core)
    }

    /// Drives `future` to completion, running every other task meanwhile (asyncio's
    /// `run_until_complete`).
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F, what: &str) -> F::Output {
        let _running = context::enter(self, what);
        let mut future = pin!(future);
        let main_waker = futures_task::waker(Arc::new(TaskWaker::new(
            TaskId::MAIN,
            crate::ids::MAIN_NUMBER,
            self.shared.clone(),
        )));
        let mut cx = Context::from_waker(&main_waker);
        self.main_woken.set(true);
        self.trace(|| Event::BlockOn);
        if let Some(seeded) = self.seeded() {
            let seed = seeded.seed();
            self.trace(|| Event::Seeded(seed));
        }
        loop {
            if self.main_woken.replace(false) {
                self.watch.set_cause(WakeCause::Main);
                self.trace(|| Event::Polled(TaskId::MAIN));
                self.watch.main_waiting.set(None);
                self.watch.running.set(Some(TaskId::MAIN));
                let polled = budget::with_budget(|| future.as_mut().poll(&mut cx));
                self.watch.running.set(None);
                if let Poll::Ready(output) = polled {
                    self.trace(|| Event::LoopDone);
                    return output;
                }
                self.trace(|| Event::Pending(TaskId::MAIN));
            }
            self.turn();
        }
    }

    /// One turn of the loop; see the module docs.
    fn turn(&self) {
        self.take_remote_messages();

        // Only the tasks that were ready when the turn began (in a seeded order, with a seed).
        let ready_at_start = self.ready_queue.begin_turn();
        if self.watch.is_on() {
            self.run_ready::<true>(ready_at_start);
        } else {
            self.run_ready::<false>(ready_at_start);
        }

        self.fire_timers();

        let idle = self.ready_queue.is_empty() && !self.main_woken.get();
        if idle {
            self.park();
        } else if self.reactor.borrow().registered() > 0 {
            // Busy, but sockets are open: peek at them so I/O is never starved by busy tasks.
            self.poll_io(Some(Duration::ZERO));
        }
    }

    /// Step 1: handles what other threads sent since the last look.
    fn take_remote_messages(&self) {
        // One relaxed load in the common case that nothing arrived.
        if !self.shared.notified.load(Ordering::Relaxed)
            || !self.shared.notified.swap(false, Ordering::AcqRel)
        {
            return;
        }
        self.watch.set_cause(WakeCause::OtherThread);
        while let Ok(message) = self.remote_inbox.try_recv() {
            match message {
                Message::Wake(id) => self.schedule(id),
                Message::Abort(id) => self.abort(id),
                Message::Detach(id) => self.detach(id),
                Message::Spawn(spawn_it) => spawn_it(self),
                Message::ReleaseSource(key) => {
                    let wakers = self.reactor.borrow_mut().release(key);
                    drop(wakers);
                }
            }
        }
    }

    /// Step 2: polls the first `count` tasks of the ready queue. (`WATCHED`: whether anyone
    /// watches; see `run_task`. Deciding it once per turn keeps the check off the per-task path.)
    fn run_ready<const WATCHED: bool>(&self, count: usize) {
        for _ in 0..count {
            let next = self.ready_queue.pop();
            match next {
                Some(id) => self.run_task::<WATCHED>(id),
                None => break,
            }
        }
    }

    /// Polls one task from the ready queue.
    ///
    /// `WATCHED` is a compile-time parameter so the loop checks it once per turn (in `turn`), and
    /// the plain copy of this function carries no trace of the watching at all.
    fn run_task<const WATCHED: bool>(&self, id: TaskId) {
        // Take the future and waker out, so no borrow is held while user code runs.
        let (mut future, task_waker) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(id) else {
                return;
            };
            if slot.state != TaskState::Scheduled {
                return; // aborted while queued
            }
            // Set *before* the poll: a wake from now on moves it to Notified and is not lost.
            slot.state = TaskState::Running;
            slot.waiting = None;
            match (slot.body.take(), slot.waker.take()) {
                (TaskBody::Future(future), Some(waker)) => (future, waker),
                _ => unreachable!("a scheduled task has its future and waker"),
            }
        };
        self.polls.set(self.polls.get() + 1);
        if WATCHED {
            // From here until the next task is polled, every wake is this task's doing
            // (including the wake of whoever awaits it, when it finishes).
            self.watch.set_cause(WakeCause::Task(id));
            self.trace(|| Event::Polled(id));
        }

        // A panic stops at the task's edge: the loop and the other tasks go on.
        let result = {
            let waker = futures_task::waker_ref(&task_waker);
            let mut cx = Context::from_waker(&waker);
            self.watch.running.set(Some(id));
            let result = catch_unwind(AssertUnwindSafe(|| {
                budget::with_budget(|| future.as_mut().poll_task(&mut cx, &self.outputs))
            }));
            self.watch.running.set(None);
            result
        };
        if WATCHED {
            self.trace(|| match &result {
                Ok(Poll::Pending) => Event::Pending(id),
                Ok(Poll::Ready(_)) => Event::Ready(id),
                Err(_) => Event::Panicked(id),
            });
        }

        match result {
            Ok(Poll::Pending) => self.after_pending(id, future, task_waker),
            Ok(Poll::Ready(output)) => {
                let number = task_waker.number();
                let aborted = self.put_waker_back(id, task_waker);
                drop(future);
                if aborted {
                    // `abort` was called during the poll that finished the task: as asyncio's
                    // `cancel()` of a task that then returns, the task counts as cancelled.
                    self.drop_leftovers(number, Some(TaskBody::Output(output)));
                    self.complete(id, Err(JoinError::cancelled(number)));
                } else {
                    self.complete(id, Ok(output));
                }
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                let number = task_waker.number();
                self.put_waker_back(id, task_waker);
                self.drop_future(number, future);
                self.complete(id, Err(JoinError::panicked(number, message)));
            }
        }
    }

    /// A poll returned `Pending`: the future goes back in its slot, and the task waits for a wake
    /// (or, woken during the poll, goes straight back on the ready queue).
    #[inline(always)]
    fn after_pending(&self, id: TaskId, future: crate::task::BoxedTask, waker: Arc<TaskWaker>) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            // Only a runtime dropped from inside one of its own tasks gets here.
            drop(tasks);
            self.drop_future(waker.number(), future);
            return;
        };
        if slot.abort_requested {
            // `abort` was called from inside its own poll; finish the job now.
            let number = waker.number();
            slot.waker = Some(waker);
            drop(tasks);
            let cancelled = self.cancel_future(number, future);
            self.complete(id, Err(cancelled));
            return;
        }
        slot.waker = Some(waker);
        slot.body = TaskBody::Future(future);
        if slot.state == TaskState::Notified {
            slot.state = TaskState::Scheduled;
            drop(tasks);
            self.ready_queue.push(id);
        } else {
            slot.state = TaskState::Idle;
        }
    }

    /// Step 3: fires every timer that is due, waking its task.
    fn fire_timers(&self) {
        let Some(mut fired) = self.timers.take_due() else {
            return;
        };
        if fired.is_empty() {
            // The loop woke for a coarse slot whose timers are not due yet (the wheel only knows
            // when a *slot* is due, not each timer): they moved to a finer level, nothing fired.
            self.trace(|| Event::WheelTurned);
        }
        self.watch.set_cause(WakeCause::Timer);
        // Wake with no borrow held: waking runs code.
        for waker in fired.drain(..) {
            self.trace(|| Event::TimerFired);
            wake_guarded(waker, "by a timer");
        }
        self.timers.give_back(fired);
    }

    /// Step 4, when nothing is ready: wait in the selector until I/O, a wake from another thread,
    /// or the next timer. Under virtual time, jump the clock instead of waiting when nothing else
    /// can happen.
    fn park(&self) {
        let clock = &self.timers.clock;
        let next_due = self.timers.next_due();
        if clock.is_virtual() {
            // Could anything other than a timer still happen? Peek without sleeping first.
            if self.poll_io(Some(Duration::ZERO)) {
                return;
            }
            let quiet = self.remote_inbox.is_empty()
                && self.shared.blocking_jobs.load(Ordering::Acquire) == 0;
            if let (true, Some(target)) = (quiet, next_due) {
                let wait = target.saturating_duration_since(clock.now());
                self.trace(|| Event::VirtualJump { wait, to: target });
                clock.advance_to(target);
                return;
            }
        }
        // Round up to a whole tick so the loop never spins on a sub-millisecond timeout.
        let timeout =
            next_due.map(|due| round_up_to_tick(due.saturating_duration_since(clock.now())));
        self.trace(|| Event::Park(timeout));
        self.poll_io(timeout);
    }

    /// Step 4, the selector itself: polls the reactor and wakes every task whose source became
    /// ready. Returns whether anything happened (I/O or a cross-thread poke).
    fn poll_io(&self, timeout: Option<Duration>) -> bool {
        let result = self.reactor.borrow_mut().poll(timeout);
        let (mut woken, poked) = match result {
            Ok(outcome) => outcome,
            // epoll_wait fails only if the epoll fd itself is broken; nothing can recover that.
            Err(error) => panic!("glassloop: the selector (epoll) failed: {error}"),
        };
        if timeout != Some(Duration::ZERO) {
            self.trace(|| Event::Unpark {
                io_events: woken.len(),
                poked,
            });
        }
        let anything = poked || !woken.is_empty();
        self.watch.set_cause(WakeCause::Io);
        for (source, waker) in woken.drain(..) {
            self.trace(|| Event::IoReady(source));
            wake_guarded(waker, "by I/O");
        }
        self.reactor.borrow_mut().give_back(woken);
        anything
    }

    /// The loop's seeded generator, if it was given a seed.
    pub(crate) fn seeded(&self) -> Option<&Rc<Seeded>> {
        self.ready_queue.seeded()
    }

    /// Records an event for whoever watches. Off, this is one branch.
    #[inline]
    pub(crate) fn trace(&self, event: impl FnOnce() -> Event) {
        self.watch.record(self, || self.timers.clock.now(), event);
    }
}

/// Rounds a wait up to whole ticks (1 ms): waking a little late is fine, waking early only to find
/// nothing due is a wasted turn.
fn round_up_to_tick(wait: Duration) -> Duration {
    let nanos = wait.subsec_nanos() % TICK.subsec_nanos();
    if nanos == 0 {
        wait
    } else {
        wait + (TICK - Duration::from_nanos(nanos as u64))
    }
}

/// Wakes `waker`, containing a panic. Any type can be a waker (`std::task::Wake` is a public
/// trait), so waking runs user code, and a waker that panics must not take the loop down.
fn wake_guarded(waker: Waker, how: &str) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || waker.wake())) {
        eprintln!(
            "glassloop: a waker panicked when woken {how}: {}; the loop goes on",
            panic_message(payload.as_ref())
        );
    }
}
