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

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
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
use crate::join::{panic_message, JoinError, JoinHandle};
use crate::reactor::{Reactor, WAKE_TOKEN};
use crate::task::{BoxedTask, TaskId, TaskOutput, TaskState, TaskTable};
use crate::trace::{Event, Tracer, WakeCause};
use crate::waker::{Message, Shared, TaskWaker};

/// Numbers loops, so a waker knows whether the thread it is woken on runs *its* loop.
static NEXT_LOOP_ID: AtomicU64 = AtomicU64::new(1);

/// How a loop is set up (filled in by [`Builder`](crate::Builder)).
#[derive(Clone, Default)]
pub(crate) struct Config {
    pub(crate) virtual_time: bool,
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
        if let Some(tracer) = &tracer {
            tracer.start(clock.origin(), clock.is_virtual());
        }
        let core = Rc::new(Core {
            id,
            tasks: RefCell::new(TaskTable::default()),
            ready_queue: RefCell::new(VecDeque::new()),
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

    // ----------------------------------------------------------------------------------------
    // Spawning and scheduling
    // ----------------------------------------------------------------------------------------

    /// Puts `future` in the task table and on the ready queue (asyncio's `create_task`).
    pub(crate) fn spawn<F>(&self, future: F, name: Option<Arc<str>>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        if self.shutting_down.get() {
            // The loop is going away: the future is dropped unpolled, as asyncio cancels a task
            // created during shutdown.
            drop(future);
            return JoinHandle::cancelled();
        }
        // Erase the output type so tasks of every type share one table. `Box<()>` does not
        // allocate, so an empty task is one allocation: this box.
        let boxed: BoxedTask = Box::pin(async move { Box::new(future.await) as Box<dyn Any> });
        let traced_name = match &self.tracer {
            Some(_) => name.clone(),
            None => None,
        };
        let id = {
            let mut tasks = self.tasks.borrow_mut();
            let id = tasks.allocate();
            let slot = tasks.get_mut(id).expect("a slot just allocated exists");
            slot.state = TaskState::Scheduled;
            slot.future = Some(boxed);
            slot.has_handle = true;
            slot.name = name;
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
        });
        JoinHandle::new(id, self.shared.clone())
    }

    /// Queues a task after a wake on the loop's own thread (asyncio's `call_soon`).
    pub(crate) fn schedule(&self, id: TaskId) {
        if id == TaskId::MAIN {
            self.main_woken.set(true);
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
            TaskState::Running => slot.state = TaskState::Notified,
            // Already queued, already noted, or finished: nothing to do.
            TaskState::Scheduled | TaskState::Notified | TaskState::Done | TaskState::Free => {}
        }
    }

    // ----------------------------------------------------------------------------------------
    // Polling a task
    // ----------------------------------------------------------------------------------------

    /// Polls one task from the ready queue.
    fn run_task(&self, id: TaskId) {
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
            match (slot.future.take(), slot.waker.take()) {
                (Some(future), Some(waker)) => (future, waker),
                _ => unreachable!("a scheduled task has its future and waker"),
            }
        };
        self.polls.set(self.polls.get() + 1);
        self.trace(|| Event::Polled { task: id });

        // A panic stops at the task's edge: the loop and the other tasks go on.
        let result = {
            let waker = futures_task::waker_ref(&task_waker);
            let mut cx = Context::from_waker(&waker);
            catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)))
        };

        match result {
            Ok(Poll::Pending) => {
                self.trace(|| Event::Pending { task: id });
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
                slot.future = Some(future);
                if slot.state == TaskState::Notified {
                    slot.state = TaskState::Scheduled;
                    drop(tasks);
                    self.ready_queue.borrow_mut().push_back(id);
                } else {
                    slot.state = TaskState::Idle;
                }
            }
            Ok(Poll::Ready(output)) => {
                self.trace(|| Event::Ready { task: id });
                self.put_waker_back(id, task_waker);
                drop(future);
                self.complete(id, Ok(output));
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                self.trace(|| Event::Panicked { task: id });
                self.put_waker_back(id, task_waker);
                self.drop_future(id, future);
                self.complete(id, Err(JoinError::panicked(id, message)));
            }
        }
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

    /// Marks a task done with `output`: hands it to the `JoinHandle`, or frees the slot if nobody
    /// holds one (reporting a panic nobody will see otherwise).
    fn complete(&self, id: TaskId, output: TaskOutput) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            return;
        };
        slot.state = TaskState::Done;
        if slot.has_handle {
            slot.output = Some(output);
            let join_waker = slot.join_waker.take();
            drop(tasks);
            if let Some(waker) = join_waker {
                waker.wake();
            }
        } else {
            let leftovers = tasks.free(id);
            drop(tasks);
            if let Err(error) = &output {
                error.report_unobserved();
            }
            // Outputs and leftovers may have destructors: drop them with no borrow held.
            drop(leftovers);
            drop(output);
        }
    }

    // ----------------------------------------------------------------------------------------
    // What a JoinHandle asks of the loop
    // ----------------------------------------------------------------------------------------

    /// The output if the task is done, otherwise remembers who to wake.
    pub(crate) fn poll_join(&self, id: TaskId, cx: &mut Context<'_>) -> Poll<TaskOutput> {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else {
            // The slot is gone: the runtime dropped the task.
            return Poll::Ready(Err(JoinError::cancelled(id)));
        };
        if slot.state == TaskState::Done {
            let output = slot
                .output
                .take()
                .expect("JoinHandle polled again after it returned its output");
            // The handle has what it came for: the slot can go back to the free list now.
            tasks.free(id);
            return Poll::Ready(output);
        }
        let old = match &slot.join_waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => slot.join_waker.replace(cx.waker().clone()),
        };
        drop(tasks);
        drop(old);
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
            if let Some((_, Some(Err(error)))) = &leftovers {
                error.report_unobserved();
            }
            drop(leftovers);
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
                let future = slot.future.take();
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
        loop {
            if self.main_woken.replace(false) {
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    self.trace(|| Event::LoopDone);
                    return output;
                }
            }
            self.turn();
        }
    }

    /// One turn of the loop; see the module docs.
    fn turn(&self) {
        self.take_remote_messages();

        // Only the tasks that were ready when the turn began.
        let ready_at_start = self.ready_queue.borrow().len();
        for _ in 0..ready_at_start {
            let next = self.ready_queue.borrow_mut().pop_front();
            match next {
                Some(id) => self.run_task(id),
                None => break,
            }
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

    /// Handles what other threads sent since the last look.
    fn take_remote_messages(&self) {
        // One relaxed load in the common case that nothing arrived.
        if !self.shared.notified.load(Ordering::Relaxed)
            || !self.shared.notified.swap(false, Ordering::AcqRel)
        {
            return;
        }
        while let Ok(message) = self.remote_inbox.try_recv() {
            match message {
                Message::Wake(id) => {
                    self.trace(|| Event::Woken {
                        task: id,
                        cause: WakeCause::OtherThread,
                    });
                    self.schedule(id);
                }
                Message::Abort(id) => self.abort(id),
                Message::Detach(id) => self.detach(id),
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
        {
            let mut wheel = self.timer_wheel.borrow_mut();
            if wheel.next_expiration().is_some_and(|due| due <= now_tick) {
                wheel.advance_to(now_tick, &mut fired);
            }
        }
        // Wake with no borrow held: waking runs code.
        for waker in fired.drain(..) {
            self.trace(|| Event::TimerFired);
            waker.wake();
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
                self.trace(|| Event::VirtualJump { to: target });
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
        for (source, waker) in woken.drain(..) {
            self.trace(|| Event::IoReady { source });
            waker.wake();
        }
        *self.io_buffer.borrow_mut() = woken;
        anything
    }

    // ----------------------------------------------------------------------------------------
    // Introspection and shutdown
    // ----------------------------------------------------------------------------------------

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
        self.take_remote_messages();
        loop {
            let ids = self.tasks.borrow().live_ids();
            if ids.is_empty() {
                break;
            }
            for id in ids {
                let leftovers = self.tasks.borrow_mut().free(id);
                if let Some((future, output)) = leftovers {
                    if let Some(future) = future {
                        self.drop_future(id, future);
                    }
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(output)));
                }
            }
        }
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
