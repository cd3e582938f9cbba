//! The event loop itself — what `asyncio.run` drives, one turn at a time.
//!
//! [`Core`] is one loop: the task table, the ready queue, the timer wheel, the clock and the reactor.
//! It lives on one thread (like an asyncio loop), behind an `Rc`; everything other threads may touch is
//! in its [`Shared`] part.
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
//! Read next: [`runtime.rs`](crate::runtime) for the public face of this, and
//! [`time.rs`](crate::time) for the timers.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use glassloop_timer::TimerWheel;

use crate::clock::{Clock, TICK};
use crate::context;
use crate::introspect::{render_dump, TaskInfo, TaskStatus, WaitingOn};
use crate::join::{panic_message, JoinError, JoinHandle};
use crate::outputs::{OutputArenas, StoredOutput};
use crate::reactor::{Reactor, WAKE_TOKEN};
use crate::task::{BoxedTask, TaskBody, TaskId, TaskState, TaskTable};
use crate::trace::{Event, Tracer, WakeCause};
use crate::waker::{Message, Shared, TaskWaker};

/// Numbers loops, so a waker knows whether the thread it is woken on runs *its* loop.
static NEXT_LOOP_ID: AtomicU64 = AtomicU64::new(1);

/// How a loop is set up (filled in by [`Builder`](crate::Builder)).
#[derive(Clone, Default)]
pub(crate) struct Config {
    pub(crate) virtual_time: bool,
    pub(crate) dump: bool,
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) tracer: Option<Tracer>,
}

/// Everything a `Runtime` can report about itself (see [`Runtime::stats`](crate::Runtime::stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tasks spawned and not yet freed (a finished task whose `JoinHandle` is alive still counts).
    pub live_tasks: usize,
    /// Timers armed in the wheel.
    pub armed_timers: usize,
    /// I/O sources registered with the reactor.
    pub registered_sources: usize,
    /// Tasks polled since the loop was created.
    pub polls: u64,
}

/// One event loop.
pub(crate) struct Core {
    /// This loop's number (see [`NEXT_LOOP_ID`]).
    pub(crate) id: u64,
    /// Every task the loop owns.
    pub(crate) tasks: RefCell<TaskTable>,
    /// Ids of tasks to poll, in the order they were woken (asyncio's `_ready` deque).
    pub(crate) ready_queue: RefCell<VecDeque<TaskId>>,
    /// The `block_on` future was woken: poll it at the next chance.
    main_woken: Cell<bool>,
    /// Every armed timer; the payload is the waker to call when it fires.
    pub(crate) timer_wheel: RefCell<TimerWheel<Waker>>,
    /// The loop's time.
    pub(crate) clock: Clock,
    /// The selector and the registered I/O sources.
    pub(crate) reactor: RefCell<Reactor>,
    /// The part other threads can reach.
    pub(crate) shared: Arc<Shared>,
    /// Messages from other threads (the other end is in `shared`).
    remote_inbox: Receiver<Message>,
    /// Set while the runtime is being dropped: a spawn then returns a cancelled handle.
    shutting_down: Cell<bool>,
    /// Reused buffer for wakers collected from the wheel or the reactor.
    wake_buffer: RefCell<Vec<Waker>>,
    /// Reused buffer for timers fired.
    io_buffer: RefCell<Vec<(u32, Waker)>>,
    /// Tasks polled so far.
    polls: Cell<u64>,
    /// The trace and timeline, when switched on.
    pub(crate) tracer: Option<Tracer>,
    /// Who is running right now — the task being polled, the timers firing, … — so that a wake
    /// made now can be reported with its cause. Only the trace reads it, so it is only written
    /// while the trace is on (see [`Core::note_wake_cause`]).
    wake_cause: Cell<WakeCause>,
    /// The task being polled right now (`TaskId::MAIN` for the `block_on` future), so leaf futures
    /// can note what it waits on (see [`introspect.rs`](crate::introspect)).
    running: Cell<Option<TaskId>>,
    /// What the main future waits on.
    main_waiting_on: RefCell<Option<WaitingOn>>,
    /// Finished tasks' outputs, waiting for their `JoinHandle`s (one arena per output type).
    pub(crate) outputs: RefCell<OutputArenas>,
    /// Tasks spawned so far, to number them 1, 2, 3 ….
    spawned: Cell<u64>,
    /// `GLASSLOOP_TRACE=dump`: print `all_tasks` before every long wait.
    dump: bool,
    /// The dump was printed and no task has run since.
    dumped: Cell<bool>,
    /// Warn about a poll that holds the loop longer than this (asyncio debug mode's
    /// `slow_callback_duration`).
    slow_poll: Option<Duration>,
    /// Someone is watching polls: the trace is on, or slow polls are. Checked once before and once
    /// after each poll.
    observed: bool,
    /// When the current poll started, while slow polls are watched.
    poll_started: Cell<Option<Instant>>,
}

impl Core {
    /// Builds a loop with its selector and cross-thread waker.
    pub(crate) fn new(config: Config) -> io::Result<Rc<Core>> {
        let reactor = Reactor::new()?;
        let poll_waker = mio::Waker::new(reactor.registry(), WAKE_TOKEN)?;
        let (sender, receiver) = crossbeam_channel::unbounded();
        let id = NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(Shared {
            loop_id: id,
            remote_queue: sender,
            notified: AtomicBool::new(false),
            poll_waker,
            blocking_jobs: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        });
        let clock = Clock::new(config.virtual_time);
        let tracer = config.tracer;
        let tracer_on = tracer.is_some();
        if let Some(tracer) = &tracer {
            tracer.start(clock.origin(), clock.is_virtual());
        }
        let core = Rc::new(Core {
            id,
            tasks: RefCell::new(TaskTable::default()),
            ready_queue: RefCell::new(VecDeque::with_capacity(256)),
            main_woken: Cell::new(false),
            timer_wheel: RefCell::new(TimerWheel::new()),
            clock,
            reactor: RefCell::new(reactor),
            shared,
            remote_inbox: receiver,
            shutting_down: Cell::new(false),
            wake_buffer: RefCell::new(Vec::new()),
            io_buffer: RefCell::new(Vec::new()),
            polls: Cell::new(0),
            tracer,
            wake_cause: Cell::new(WakeCause::Loop),
            running: Cell::new(None),
            main_waiting_on: RefCell::new(None),
            outputs: RefCell::new(OutputArenas::default()),
            spawned: Cell::new(0),
            dump: config.dump,
            dumped: Cell::new(false),
            observed: tracer_on || config.slow_poll.is_some(),
            poll_started: Cell::new(None),
            slow_poll: config.slow_poll,
        });
        context::register_loop(&core);
        Ok(core)
    }

    /// Records a trace event, if tracing is on. Off, this is one branch.
    #[inline]
    pub(crate) fn trace(&self, event: impl FnOnce() -> Event) {
        if let Some(tracer) = &self.tracer {
            tracer.record(self.clock.now(), event());
        }
    }

    /// Notes who is about to run, so the wakes it makes are traced with their cause. Off, this is
    /// one branch too.
    #[inline]
    fn note_wake_cause(&self, cause: WakeCause) {
        if self.tracer.is_some() {
            self.wake_cause.set(cause);
        }
    }

    /// Who is running now: the cause of a wake made now, or who armed a timer now.
    pub(crate) fn wake_cause(&self) -> WakeCause {
        self.wake_cause.get()
    }

    // ----------------------------------------------------------------------------------------
    // Spawning and scheduling
    // ----------------------------------------------------------------------------------------

    /// Puts `future` in the task table and on the ready queue (asyncio's `create_task`). The trace
    /// shows the caller's location for a task without a name.
    #[track_caller]
    pub(crate) fn spawn<F>(&self, future: F, name: Option<Arc<str>>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.spawn_at(future, name, Location::caller())
    }

    /// [`spawn`](Self::spawn), told where it was called from (for callers that pass through a
    /// closure, which `#[track_caller]` cannot see through).
    pub(crate) fn spawn_at<F>(
        &self,
        future: F,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        if self.shutting_down.get() {
            // The loop is going away: the future is dropped unpolled, as asyncio cancels a task
            // created during shutdown.
            drop(future);
            return JoinHandle::cancelled();
        }
        let traced_name = match &self.tracer {
            Some(_) => name.clone(),
            None => None,
        };
        let id = {
            let mut tasks = self.tasks.borrow_mut();
            let id = tasks.allocate();
            // Erase the future's type so tasks of every type share one table (`Task` in task.rs
            // files the output when it finishes). This box is the one allocation of a spawn.
            let boxed: BoxedTask = Box::pin(future);
            let slot = tasks.get_mut(id).expect("a slot just allocated exists");
            slot.state = TaskState::Scheduled;
            slot.body = TaskBody::Future(boxed);
            slot.has_handle = true;
            slot.name = name;
            self.spawned.set(self.spawned.get() + 1);
            slot.number = self.spawned.get();
            slot.location = Some(location);
            // Reuse the waker's shared part when no clone of it outlived the previous task.
            match slot.waker.as_mut().and_then(Arc::get_mut) {
                Some(waker) => waker.task = id,
                None => {
                    slot.waker = Some(Arc::new(TaskWaker {
                        task: id,
                        shared: self.shared.clone(),
                    }))
                }
            }
            id
        };
        self.ready_queue.borrow_mut().push_back(id);
        self.trace(|| Event::Spawned {
            task: id,
            name: traced_name,
            location,
        });
        JoinHandle::new(id, self.shared.clone())
    }

    /// Queues a task after a wake on the loop's own thread (asyncio's `call_soon`).
    ///
    /// The trace shows a wake only when it changes something: a second wake of a task that is
    /// already queued is not an event.
    pub(crate) fn schedule(&self, id: TaskId) {
        if id == TaskId::MAIN {
            if !self.main_woken.replace(true) && self.tracer.is_some() {
                self.trace_woken(id);
            }
            return;
        }
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return; // stale: the task is gone and its slot may hold another one
        };
        match slot.state {
            TaskState::Idle => {
                slot.state = TaskState::Scheduled;
                drop(tasks);
                self.ready_queue.borrow_mut().push_back(id);
            }
            // Woken during its own poll: remember it, requeue when the poll returns.
            TaskState::Running => {
                slot.state = TaskState::Notified;
                drop(tasks);
            }
            // Already queued, already noted, or finished: nothing to do.
            TaskState::Scheduled | TaskState::Notified | TaskState::Done | TaskState::Free => {
                return
            }
        }
        if self.tracer.is_some() {
            self.trace_woken(id);
        }
    }

    /// The trace line for a wake that queued a task. Out of line and cold, so that `schedule`
    /// — inlined into every waker — stays small when the trace is off.
    #[cold]
    fn trace_woken(&self, id: TaskId) {
        self.trace(|| Event::Woken {
            task: id,
            cause: self.wake_cause.get(),
        });
    }

    // ----------------------------------------------------------------------------------------
    // Polling a task
    // ----------------------------------------------------------------------------------------

    /// Polls one task from the ready queue.
    ///
    /// `OBSERVED` says whether the trace or the slow-poll watch is on. It is a compile-time
    /// parameter so the loop checks it once per turn (in `turn`), and the plain copy of this
    /// function carries no trace of the tracing at all.
    fn run_task<const OBSERVED: bool>(&self, id: TaskId) {
        // Take the future and waker out, so no borrow is held while user code runs.
        let (mut future, task_waker) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(id) else {
                return;
            };
            if slot.state != TaskState::Scheduled {
                return; // aborted while queued
            }
            // Cleared *before* the poll: a wake from now on moves it to Notified and is not lost.
            slot.state = TaskState::Running;
            slot.waiting_on = None;
            match (slot.body.take(), slot.waker.take()) {
                (TaskBody::Future(future), Some(waker)) => (future, waker),
                _ => unreachable!("a scheduled task has its future and waker"),
            }
        };
        self.polls.set(self.polls.get() + 1);
        // All the watching (trace, slow polls) hides behind one flag: with nobody watching, a poll
        // pays for a single branch before and after.
        if OBSERVED {
            self.before_poll(id);
        }

        // A panic stops at the task's edge: the loop and the other tasks go on.
        let result = {
            let waker = futures_task::waker_ref(&task_waker);
            let mut cx = Context::from_waker(&waker);
            self.running.set(Some(id));
            let result = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll_task(&mut cx)));
            self.running.set(None);
            result
        };
        if OBSERVED {
            self.after_poll(id, &result);
        }

        match result {
            Ok(Poll::Pending) => {
                let mut tasks = self.tasks.borrow_mut();
                let Some(slot) = tasks.get_mut(id) else {
                    // Only a runtime dropped from inside one of its own tasks gets here.
                    drop(tasks);
                    self.drop_future(id, future);
                    return;
                };
                slot.waker = Some(task_waker);
                if slot.abort_requested {
                    // `abort` was called from inside its own poll; finish the job now.
                    drop(tasks);
                    self.drop_future(id, future);
                    self.complete(id, Err(JoinError::cancelled(id)));
                    return;
                }
                slot.body = TaskBody::Future(future);
                if slot.state == TaskState::Notified {
                    slot.state = TaskState::Scheduled;
                    drop(tasks);
                    self.ready_queue.borrow_mut().push_back(id);
                } else {
                    slot.state = TaskState::Idle;
                }
            }
            Ok(Poll::Ready(output)) => {
                self.put_waker_back(id, task_waker);
                drop(future);
                self.complete(id, Ok(output));
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                self.put_waker_back(id, task_waker);
                self.drop_future(id, future);
                self.complete(id, Err(JoinError::panicked(id, message)));
            }
        }
    }

    /// What the trace and the slow-poll watch need before a poll.
    #[cold]
    #[inline(never)]
    fn before_poll(&self, id: TaskId) {
        // From here until the next task is polled, every wake is this task's doing (including the
        // wake of whoever awaits it, when it finishes).
        self.note_wake_cause(WakeCause::Task(id));
        self.trace(|| Event::Polled { task: id });
        // The clock is read around the poll only when slow polls are being watched. (Kept in a
        // cell rather than a local: a local would have to live across the poll in every build.)
        if self.slow_poll.is_some() {
            self.poll_started.set(Some(self.clock.now()));
        }
    }

    /// What the trace and the slow-poll watch need after a poll.
    #[cold]
    #[inline(never)]
    fn after_poll<T, E>(&self, id: TaskId, result: &Result<Poll<T>, E>) {
        if let Some(started) = self.poll_started.take() {
            self.check_slow_poll(id, started);
        }
        self.trace(|| match result {
            Ok(Poll::Pending) => Event::Pending { task: id },
            Ok(Poll::Ready(_)) => Event::Ready { task: id },
            Err(_) => Event::Panicked { task: id },
        });
    }

    fn put_waker_back(&self, id: TaskId, task_waker: Arc<TaskWaker>) {
        if let Some(slot) = self.tasks.borrow_mut().get_mut(id) {
            slot.waker = Some(task_waker);
        }
    }

    /// Drops a task's future with its panics caught: a destructor that panics must not take the
    /// loop down either.
    fn drop_future(&self, id: TaskId, future: BoxedTask) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(future))) {
            eprintln!(
                "glassloop: task {} panicked while being dropped: {}",
                id.number(),
                panic_message(payload.as_ref())
            );
        }
    }

    /// Marks a task done — with its output, or with a failure — and wakes whoever awaits its
    /// `JoinHandle`. With no handle, frees the slot at once (reporting a panic nobody will see
    /// otherwise).
    fn complete(&self, id: TaskId, outcome: Result<StoredOutput, JoinError>) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            drop(tasks);
            self.drop_leftovers(id, outcome.ok().map(TaskBody::Output));
            return;
        };
        slot.state = TaskState::Done;
        if slot.has_handle {
            match outcome {
                Ok(output) => slot.body = TaskBody::Output(output),
                Err(failure) => slot.body = TaskBody::Failed(Box::new(failure)),
            }
            let join_waker = slot.join_waker.take();
            drop(tasks);
            if let Some(waker) = join_waker {
                wake_guarded(waker, "as the task it awaits finished");
            }
        } else {
            let leftovers = tasks.free(id);
            drop(tasks);
            if let Err(error) = &outcome {
                error.report_unobserved();
            }
            self.drop_leftovers(id, outcome.ok().map(TaskBody::Output));
            self.drop_leftovers(id, leftovers);
        }
    }

    /// Drops what a freed slot held — its future, an output nobody collected — with no borrow
    /// held and panics caught: all of it is user code.
    fn drop_leftovers(&self, id: TaskId, leftovers: Option<TaskBody>) {
        let output = match leftovers {
            Some(TaskBody::Future(future)) => return self.drop_future(id, future),
            Some(TaskBody::Output(StoredOutput::Boxed(output))) => Some(output),
            Some(TaskBody::Output(StoredOutput::InArena(arena))) => {
                self.outputs.borrow_mut().take_erased(arena)
            }
            Some(TaskBody::Failed(_) | TaskBody::Empty) | None => None,
        };
        let _ = catch_unwind(AssertUnwindSafe(move || drop(output)));
    }

    // ----------------------------------------------------------------------------------------
    // What a JoinHandle asks of the loop
    // ----------------------------------------------------------------------------------------

    /// The output if the task is done, otherwise remembers who to wake.
    pub(crate) fn poll_join<T: 'static>(
        &self,
        id: TaskId,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            // The slot is gone: the runtime dropped the task.
            return Poll::Ready(Err(JoinError::cancelled(id)));
        };
        if slot.state == TaskState::Done {
            // The handle has what it came for: the slot can go back to the free list now.
            let body = tasks.free(id).expect("a done task has a slot");
            drop(tasks);
            let output = match body {
                TaskBody::Failed(failure) => return Poll::Ready(Err(*failure)),
                TaskBody::Output(StoredOutput::Boxed(output)) => {
                    output.downcast::<T>().ok().map(|boxed| *boxed)
                }
                TaskBody::Output(StoredOutput::InArena(arena)) => {
                    self.outputs.borrow_mut().take::<T>(arena)
                }
                TaskBody::Future(_) | TaskBody::Empty => None,
            }
            .expect("a finished task's output has its JoinHandle's type");
            return Poll::Ready(Ok(output));
        }
        let old = match &slot.join_waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => slot.join_waker.replace(cx.waker().clone()),
        };
        let task = slot.number;
        drop(tasks);
        drop(old);
        self.note_waiting(|| WaitingOn::Task { task });
        Poll::Pending
    }

    /// Whether the task has finished (or never existed here any more).
    pub(crate) fn is_finished(&self, id: TaskId) -> bool {
        self.tasks
            .borrow()
            .get(id)
            .is_none_or(|slot| slot.state == TaskState::Done)
    }

    /// The `JoinHandle` is gone: free the task now if it is done, or when it finishes.
    pub(crate) fn detach(&self, id: TaskId) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return;
        };
        slot.has_handle = false;
        let old_waker = slot.join_waker.take();
        if slot.state == TaskState::Done {
            let leftovers = tasks.free(id);
            drop(tasks);
            if let Some(TaskBody::Failed(failure)) = &leftovers {
                failure.report_unobserved();
            }
            self.drop_leftovers(id, leftovers);
        } else {
            drop(tasks);
        }
        drop(old_waker);
    }

    /// Cancels a task: its future is dropped now (or, if it is the one running, when its poll
    /// returns) and its `JoinHandle` yields a cancelled `JoinError`.
    pub(crate) fn abort(&self, id: TaskId) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return;
        };
        match slot.state {
            TaskState::Running | TaskState::Notified => slot.abort_requested = true,
            TaskState::Idle | TaskState::Scheduled => {
                // A Scheduled id stays in the ready queue; `run_task` skips it because the state
                // will be Done.
                let future = match slot.body.take() {
                    TaskBody::Future(future) => Some(future),
                    _ => None,
                };
                slot.state = TaskState::Done;
                drop(tasks);
                self.trace(|| Event::Aborted { task: id });
                if let Some(future) = future {
                    self.drop_future(id, future);
                }
                self.complete(id, Err(JoinError::cancelled(id)));
            }
            TaskState::Done | TaskState::Free => {}
        }
    }

    // ----------------------------------------------------------------------------------------
    // The loop
    // ----------------------------------------------------------------------------------------

    /// Drives `future` to completion, running every other task meanwhile (asyncio's
    /// `run_until_complete`).
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F, what: &str) -> F::Output {
        let _running = context::enter(self, what);
        let mut future = pin!(future);
        let main_waker = futures_task::waker(Arc::new(TaskWaker {
            task: TaskId::MAIN,
            shared: self.shared.clone(),
        }));
        let mut cx = Context::from_waker(&main_waker);
        self.main_woken.set(true);
        self.trace(|| Event::BlockOn);
        loop {
            if self.main_woken.replace(false) {
                self.note_wake_cause(WakeCause::Main);
                self.trace(|| Event::Polled { task: TaskId::MAIN });
                self.main_waiting_on.borrow_mut().take();
                self.running.set(Some(TaskId::MAIN));
                let polled = future.as_mut().poll(&mut cx);
                self.running.set(None);
                if let Poll::Ready(output) = polled {
                    self.trace(|| Event::LoopDone);
                    return output;
                }
                self.trace(|| Event::Pending { task: TaskId::MAIN });
            }
            self.turn();
        }
    }

    /// One turn of the loop; see the module docs.
    fn turn(&self) {
        self.take_remote_messages();

        // Only the tasks that were ready when the turn began.
        let ready_at_start = self.ready_queue.borrow().len();
        if self.dump && ready_at_start > 0 {
            self.dumped.set(false); // something runs: a later idle spell deserves its own dump
        }
        if self.observed {
            self.run_ready::<true>(ready_at_start);
        } else {
            self.run_ready::<false>(ready_at_start);
        }

        self.fire_timers();

        let idle = self.ready_queue.borrow().is_empty() && !self.main_woken.get();
        if idle {
            self.park();
        } else if self.reactor.borrow().registered() > 0 {
            // Busy, but sockets are open: peek at them so I/O is never starved by busy tasks.
            self.poll_io(Some(Duration::ZERO));
        }
    }

    /// Polls the first `count` tasks of the ready queue. (`OBSERVED`: see `run_task`; deciding it
    /// once per turn keeps the check off the per-task path.)
    fn run_ready<const OBSERVED: bool>(&self, count: usize) {
        for _ in 0..count {
            let next = self.ready_queue.borrow_mut().pop_front();
            match next {
                Some(id) => self.run_task::<OBSERVED>(id),
                None => break,
            }
        }
    }

    /// Handles what other threads sent since the last look.
    fn take_remote_messages(&self) {
        // One relaxed load in the common case that nothing arrived.
        if !self.shared.notified.load(Ordering::Relaxed)
            || !self.shared.notified.swap(false, Ordering::AcqRel)
        {
            return;
        }
        self.note_wake_cause(WakeCause::OtherThread);
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

    /// Fires every timer that is due, waking its task.
    fn fire_timers(&self) {
        // The clock is read only when a timer is armed.
        if self.timer_wheel.borrow().is_empty() {
            return;
        }
        let now_tick = self.clock.current_tick(self.clock.now());
        let mut fired = std::mem::take(&mut *self.wake_buffer.borrow_mut());
        let due = {
            let mut wheel = self.timer_wheel.borrow_mut();
            let due = wheel.next_expiration().is_some_and(|due| due <= now_tick);
            if due {
                wheel.advance_to(now_tick, &mut fired);
            }
            due
        };
        if due && fired.is_empty() {
            // The loop woke for a coarse slot whose timers are not due yet (the wheel only knows
            // when a *slot* is due, not each timer): they moved to a finer level, nothing fired.
            self.trace(|| Event::WheelTurned);
        }
        self.note_wake_cause(WakeCause::Timer);
        // Wake with no borrow held: waking runs code.
        for waker in fired.drain(..) {
            self.trace(|| Event::TimerFired);
            wake_guarded(waker, "by a timer");
        }
        *self.wake_buffer.borrow_mut() = fired;
    }

    /// Nothing is ready: wait in the selector until I/O, a wake from another thread, or the next
    /// timer. Under virtual time, jump the clock instead of waiting when nothing else can happen.
    fn park(&self) {
        let next_timer = self.timer_wheel.borrow().next_expiration();
        if self.clock.is_virtual() {
            // Could anything other than a timer still happen? Peek without sleeping first.
            if self.poll_io(Some(Duration::ZERO)) {
                return;
            }
            let quiet = self.remote_inbox.is_empty()
                && self.shared.blocking_jobs.load(Ordering::Acquire) == 0;
            if let (true, Some(tick)) = (quiet, next_timer) {
                let target = self.clock.tick_instant(tick);
                self.dump_if_idle(Some(target.saturating_duration_since(self.clock.now())));
                self.trace(|| Event::VirtualJump {
                    wait: target.saturating_duration_since(self.clock.now()),
                    to: target,
                });
                self.clock.advance_to(target);
                return;
            }
        }
        let timeout = next_timer.map(|tick| {
            let deadline = self.clock.tick_instant(tick);
            // Round up to a whole tick so the loop never spins on a sub-millisecond timeout.
            let wait = deadline.saturating_duration_since(self.clock.now());
            round_up_to_tick(wait)
        });
        self.dump_if_idle(timeout);
        self.trace(|| Event::Park { timeout });
        self.poll_io(timeout);
    }

    /// Polls the reactor and wakes every task whose source became ready. Returns whether anything
    /// happened (I/O or a cross-thread poke).
    fn poll_io(&self, timeout: Option<Duration>) -> bool {
        let mut woken = std::mem::take(&mut *self.io_buffer.borrow_mut());
        let result = self.reactor.borrow_mut().poll(timeout, &mut woken);
        let poked = match result {
            Ok(poked) => poked,
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
        self.note_wake_cause(WakeCause::Io);
        for (source, waker) in woken.drain(..) {
            self.trace(|| Event::IoReady { source });
            wake_guarded(waker, "by I/O");
        }
        *self.io_buffer.borrow_mut() = woken;
        anything
    }

    // ----------------------------------------------------------------------------------------
    // Introspection and shutdown
    // ----------------------------------------------------------------------------------------

    /// Notes what the task being polled now is waiting on (called by leaf futures as they return
    /// `Pending`). Outside a poll it does nothing.
    pub(crate) fn note_waiting(&self, waiting_on: impl FnOnce() -> WaitingOn) {
        match self.running.get() {
            None => {}
            Some(TaskId::MAIN) => *self.main_waiting_on.borrow_mut() = Some(waiting_on()),
            Some(id) => {
                if let Some(slot) = self.tasks.borrow_mut().get_mut(id) {
                    slot.waiting_on = Some(waiting_on());
                }
            }
        }
    }

    /// Every live task; see [`introspect::all_tasks`](crate::all_tasks).
    pub(crate) fn all_tasks(&self) -> Vec<TaskInfo> {
        let running = self.running.get();
        let mut tasks = vec![TaskInfo {
            number: 0,
            name: "main()".to_owned(),
            status: if running == Some(TaskId::MAIN) {
                TaskStatus::Running
            } else if self.main_woken.get() {
                TaskStatus::Ready
            } else {
                TaskStatus::Waiting
            },
            waiting_on: self.main_waiting_on.borrow().clone(),
        }];
        let table = self.tasks.borrow();
        let mut live: Vec<TaskInfo> = table
            .iter()
            .filter(|(_, slot)| slot.state != TaskState::Done)
            .map(|(_, slot)| TaskInfo {
                number: slot.number,
                name: match (&slot.name, slot.location) {
                    (Some(name), _) => name.to_string(),
                    (None, Some(location)) => short_location(location),
                    (None, None) => String::new(),
                },
                status: match slot.state {
                    TaskState::Scheduled => TaskStatus::Ready,
                    TaskState::Running | TaskState::Notified => TaskStatus::Running,
                    _ => TaskStatus::Waiting,
                },
                waiting_on: slot.waiting_on.clone(),
            })
            .collect();
        live.sort_by_key(|info| info.number);
        tasks.extend(live);
        tasks
    }

    /// asyncio's debug-mode warning, "Executing <Task …> took 0.150 seconds": a poll that held the
    /// loop this long kept every other task, timer and socket waiting.
    fn check_slow_poll(&self, id: TaskId, started: Instant) {
        let (Some(threshold), held) = (self.slow_poll, self.clock.now() - started) else {
            return;
        };
        if held < threshold {
            return;
        }
        if let Some(tracer) = self.tracer.as_ref().filter(|tracer| tracer.prints_lines()) {
            tracer.record(self.clock.now(), Event::SlowPoll { task: id, held });
            return;
        }
        let label = self
            .tasks
            .borrow()
            .get(id)
            .map_or_else(String::new, |slot| {
                let name = match (&slot.name, slot.location) {
                    (Some(name), _) => name.to_string(),
                    (None, Some(location)) => short_location(location),
                    (None, None) => String::new(),
                };
                format!("task {} '{name}'", slot.number)
            });
        eprintln!(
            "glassloop: slow poll: {label} held the loop for {:.3}s in one poll — a blocking call? \
             Nothing else could run meanwhile (use .await, or glassloop::to_thread for blocking work)",
            held.as_secs_f64()
        );
    }

    /// `GLASSLOOP_TRACE=dump`: before a long wait, say what every task waits on — once per idle
    /// spell (a turn that polls something starts a new one).
    fn dump_if_idle(&self, wait: Option<Duration>) {
        const LONG_WAIT: Duration = Duration::from_secs(1);
        if !self.dump || self.dumped.get() || wait.is_some_and(|wait| wait < LONG_WAIT) {
            return;
        }
        self.dumped.set(true);
        let why = match wait {
            Some(wait) => format!(
                "no task can run, and nothing is due for at least {:.3}s",
                wait.as_secs_f64()
            ),
            None => "the loop is stuck: no task can run and no timer is armed, so only I/O or \
                     another thread can wake it"
                .to_owned(),
        };
        let text = render_dump(
            &self.all_tasks(),
            self.clock.now(),
            self.clock.origin(),
            &why,
        );
        match &self.tracer {
            Some(tracer) => tracer.write_raw(&text),
            None => eprint!("{text}"),
        }
    }

    /// Counters for tests and the curious.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            live_tasks: self.tasks.borrow().live(),
            armed_timers: self.timer_wheel.borrow().len(),
            registered_sources: self.reactor.borrow().registered(),
            polls: self.polls.get(),
        }
    }

    /// The loop's time.
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Drops every task the loop still holds, as `asyncio.run` cancels what is left. Destructors
    /// run with this loop current, so a `Sleep` can cancel its timer and a spawn gets a cancelled
    /// handle; a panicking destructor is reported and the rest still run.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        let _current = context::enter_for_shutdown(self);
        self.shutting_down.set(true);
        self.note_wake_cause(WakeCause::Loop);
        self.take_remote_messages();
        loop {
            let ids = self.tasks.borrow().live_ids();
            if ids.is_empty() {
                break;
            }
            for id in ids {
                let leftovers = self.tasks.borrow_mut().free(id);
                self.drop_leftovers(id, leftovers);
            }
        }
        let outputs = std::mem::take(&mut *self.outputs.borrow_mut());
        let _ = catch_unwind(AssertUnwindSafe(move || drop(outputs)));
        self.ready_queue.borrow_mut().clear();
        let wheel = std::mem::take(&mut *self.timer_wheel.borrow_mut());
        let _ = catch_unwind(AssertUnwindSafe(move || drop(wheel)));
        if let Some(tracer) = &self.tracer {
            tracer.finish(self.clock.now());
        }
        self.shared.closed.store(true, Ordering::Release);
        context::unregister_loop(self.id);
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

/// `file.rs:12` for a spawn location (the directories add nothing on a one-line list).
fn short_location(location: &Location<'_>) -> String {
    let file = std::path::Path::new(location.file())
        .file_name()
        .map_or_else(|| location.file().into(), |name| name.to_string_lossy());
    format!("{file}:{}", location.line())
}
