//! The public face of the loop: [`run`], [`Runtime`], [`Builder`] and [`spawn`](fn@crate::spawn) — asyncio's
//! `asyncio.run`, the loop object, and `asyncio.create_task`.
//!
//! `asyncio.run(main())` makes a fresh loop, runs `main()` to completion on it, cancels whatever
//! tasks are left, and closes the loop. [`run`] does the same. [`Runtime`] is the loop object for when
//! you want to keep it between calls (`block_on` is `loop.run_until_complete`).
//!
//! Read next: [`workers.rs`](crate::workers), one loop per core.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::event_loop::{context, Config, Core, Stats};
use crate::handle::Handle;
use crate::observe::{LoopView, WatchConfig};
use crate::spawn::JoinHandle;

/// A poll longer than this is reported when slow polls are watched (asyncio's default
/// `slow_callback_duration` is 100 ms too).
const DEFAULT_SLOW_POLL: Duration = Duration::from_millis(100);

/// Runs `future` on a fresh event loop until it completes, and returns its output — asyncio's
/// `asyncio.run(main())`.
///
/// When `future` finishes, every task it spawned that is still pending is dropped (asyncio.run
/// cancels them), and the loop is closed.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// async fn greet(name: &str) -> String {
///     glassloop::sleep(Duration::from_millis(10)).await;
///     format!("hello, {name}")
/// }
/// assert_eq!(glassloop::run(greet("world")), "hello, world");
/// ```
///
/// # Panics
///
/// When called from inside a running loop (`.await` the future there instead), when the operating
/// system refuses to create the loop's selector, or when `future` itself panics.
pub fn run<F: Future>(future: F) -> F::Output {
    // Check before building anything: a nested run must not touch the outer loop.
    if context::current_loop_id().is_some() {
        panic!(
            "glassloop::run was called from inside a running glassloop loop. A loop cannot block \
             on itself: inside async code, `.await` the future instead, or hand it to \
             `glassloop::spawn` to run it in the background."
        );
    }
    let runtime = Runtime::new().unwrap_or_else(|error| {
        panic!("glassloop::run could not create the event loop's selector (epoll): {error}")
    });
    runtime.block_on_inner(future, "glassloop::run")
}

/// An event loop you keep — asyncio's loop object.
///
/// Create it with [`Runtime::new`] or [`Runtime::builder`], spawn tasks on it, and drive it with
/// [`Runtime::block_on`]. Tasks still pending when `block_on` returns stay in the loop and go on
/// running at the next `block_on`. Dropping the runtime drops every task it still holds.
///
/// A `Runtime` belongs to the thread that made it (tasks need not be `Send`).
///
/// ```
/// # use glassloop_executor as glassloop;
/// let rt = glassloop::Runtime::new().unwrap();
/// let handle = rt.spawn(async { 1 + 1 }); // runs once block_on starts
/// assert_eq!(rt.block_on(handle).unwrap(), 2);
/// ```
pub struct Runtime {
    core: Rc<Core>,
}

impl Runtime {
    /// A runtime with the default settings (real time; trace and timeline as the
    /// `GLASSLOOP_TRACE` environment variable says).
    pub fn new() -> io::Result<Runtime> {
        Builder::default().build()
    }

    /// Starts configuring a runtime.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Runs `future` to completion on this loop, running the loop's other tasks meanwhile —
    /// asyncio's `loop.run_until_complete(future)`.
    ///
    /// # Panics
    ///
    /// When called from inside a running loop, or when `future` panics.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.block_on_inner(future, "Runtime::block_on")
    }

    fn block_on_inner<F: Future>(&self, future: F, what: &str) -> F::Output {
        self.core.block_on(future, what)
    }

    /// Spawns a task on this loop — asyncio's `loop.create_task(coro)`.
    ///
    /// It may be called outside `block_on`; the task runs once the loop does.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        JoinHandle::new(self.core.spawn(future, None, Location::caller()))
    }

    /// Like [`spawn`](Self::spawn), with a name the trace and the timeline show.
    #[track_caller]
    pub fn spawn_named<F>(&self, name: &str, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        JoinHandle::new(
            self.core
                .spawn(future, Some(Arc::from(name)), Location::caller()),
        )
    }

    /// A handle other threads can use to spawn work on this loop.
    pub fn handle(&self) -> Handle {
        Handle::new(self.core.shared().clone())
    }

    /// Every unfinished task of this loop and what it waits on (see [`all_tasks`](crate::all_tasks)).
    pub fn all_tasks(&self) -> Vec<crate::TaskInfo> {
        self.core.tasks()
    }

    /// Counters: live tasks, armed timers, registered sources, polls so far.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// let rt = glassloop::Runtime::new().unwrap();
    /// rt.block_on(async { glassloop::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.stats().live_tasks, 0);
    /// ```
    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    /// The seed this loop orders its choices by (from [`Builder::seed`] or `GLASSLOOP_SEED`), or
    /// `None`: FIFO, as asyncio.
    pub fn seed(&self) -> Option<u64> {
        self.core.seeded().map(|seeded| seeded.seed())
    }

    /// With a seed: a digest of every order the loop has chosen so far. Two runs of one program
    /// with equal fingerprints took the same schedule — how [`explore_seeds`](crate::explore_seeds)
    /// counts distinct schedules. `None` without a seed.
    pub fn schedule_fingerprint(&self) -> Option<u64> {
        self.core.seeded().map(|seeded| seeded.fingerprint())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.core.shutdown();
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("loop", &self.core.id)
            .field("stats", &self.core.stats())
            .finish()
    }
}

/// Configures a [`Runtime`].
///
/// ```
/// # use glassloop_executor as glassloop;
/// use std::time::Duration;
/// let rt = glassloop::Runtime::builder().virtual_time(true).build().unwrap();
/// let waited = rt.block_on(async {
///     let start = glassloop::now();
///     glassloop::sleep(Duration::from_secs(3600)).await; // an hour, in microseconds
///     glassloop::now() - start
/// });
/// assert_eq!(waited, Duration::from_secs(3600));
/// ```
#[derive(Default)]
pub struct Builder {
    virtual_time: bool,
    trace: bool,
    timeline: bool,
    dump: bool,
    slow_poll: Option<Duration>,
    sink: Option<Box<dyn io::Write>>,
    resolver: Option<crate::event_loop::Resolver>,
    seed: Option<u64>,
    chrome: Option<std::path::PathBuf>,
    html: Option<std::path::PathBuf>,
    /// `None`: the default (on with the `tracing` feature).
    emit_tracing: Option<bool>,
    /// Pause after each event, with keys from the terminal (`step`) or from a reader.
    step: bool,
    step_keys: Option<Box<dyn io::BufRead>>,
}

impl Builder {
    /// Virtual time: when nothing is ready to run, no I/O is waiting and no `to_thread` job is
    /// running, the clock jumps straight to the next timer instead of waiting for it.
    pub fn virtual_time(mut self, on: bool) -> Builder {
        self.virtual_time = on;
        self
    }

    /// Prints one line per loop event (as `GLASSLOOP_TRACE=1` does).
    pub fn trace(mut self, on: bool) -> Builder {
        self.trace = on;
        self
    }

    /// Draws the timeline chart when the runtime is dropped (as `GLASSLOOP_TRACE=timeline` does).
    pub fn timeline(mut self, on: bool) -> Builder {
        self.timeline = on;
        self
    }

    /// Before every wait of a second or more (or forever), prints every task and what it waits on
    /// (as `GLASSLOOP_TRACE=dump` does) — "why is my program not finishing?", answered.
    pub fn dump(mut self, on: bool) -> Builder {
        self.dump = on;
        self
    }

    /// Warns (on stderr, or in the trace) when one poll holds the loop longer than `threshold` —
    /// asyncio debug mode's "Executing <Task …> took 0.150 seconds". On by default, at 100 ms,
    /// whenever the trace, timeline or dump is on, or with `GLASSLOOP_TRACE=slow`.
    pub fn warn_slow_polls(mut self, threshold: Duration) -> Builder {
        self.slow_poll = Some(threshold);
        self
    }

    /// Sends the trace and the timeline to `sink` instead of stderr (tests capture them this way).
    pub fn trace_to(mut self, sink: impl io::Write + 'static) -> Builder {
        self.sink = Some(Box::new(sink));
        self
    }

    /// Resolves host names with `resolve` instead of the system's resolver (`getaddrinfo`) — for
    /// tests that need a name to resolve slowly, fail, or point somewhere else. It is called on a
    /// `to_thread` helper thread with the host and the port, as the system's would be.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// use std::net::SocketAddr;
    /// let rt = glassloop::Runtime::builder()
    ///     .resolver(|host, port| match host {
    ///         "db.internal" => Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]),
    ///         _ => Err(std::io::Error::new(std::io::ErrorKind::NotFound, "unknown host")),
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     let error = glassloop::net::TcpStream::connect("elsewhere:80").await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub fn resolver(
        mut self,
        resolve: impl Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    ) -> Builder {
        self.resolver = Some(Arc::new(resolve));
        self
    }

    /// Pauses the loop after each event and shows its state — the event, the ready queue, every
    /// task and what it waits on, the wheel's occupied slots, the sockets — waiting for a key:
    /// Enter (next event), `t` (to the end of this turn), `c` (continue without pausing), `q`
    /// (stop stepping). The keys come from the terminal, or from standard input when that is not
    /// a terminal; `GLASSLOOP_STEP=1` does the same from the environment. Screens go where the
    /// trace goes (stderr, or [`trace_to`](Self::trace_to)).
    pub fn step(mut self, on: bool) -> Builder {
        self.step = on;
        self
    }

    /// Like [`step`](Self::step), with the keys read from `keys` (a script, a test).
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// let screens = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    /// #[derive(Clone)]
    /// struct Screens(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
    /// impl std::io::Write for Screens {
    ///     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
    ///         self.0.borrow_mut().extend_from_slice(b);
    ///         Ok(b.len())
    ///     }
    ///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
    /// }
    /// let runtime = glassloop::Runtime::builder()
    ///     .virtual_time(true)
    ///     .step_with(std::io::Cursor::new("\nq\n")) // one event, then stop stepping
    ///     .trace_to(Screens(screens.clone()))
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(glassloop::sleep(std::time::Duration::from_millis(5)));
    /// drop(runtime);
    /// let shown = String::from_utf8(screens.borrow().clone()).unwrap();
    /// assert_eq!(shown.matches("── step ").count(), 2);
    /// assert!(shown.contains("ready queue: main()"));
    /// ```
    pub fn step_with(mut self, keys: impl io::BufRead + 'static) -> Builder {
        self.step_keys = Some(Box::new(keys));
        self
    }

    /// With the cargo feature `tracing`: whether the loop's events go to the `tracing` ecosystem
    /// as spans and events (a span per task, entered for each poll; an event per wake, timer and
    /// park). On by default when the feature is on; without the feature this does nothing.
    pub fn emit_tracing(mut self, on: bool) -> Builder {
        self.emit_tracing = Some(on);
        self
    }

    /// Writes the timeline, when the loop ends, to `path` as one self-contained web page: a lane
    /// per task with each poll as a bar (its width the poll's duration), each wait labelled with
    /// what the task waited on, marks for spawns, timers and ends, an arrow for every wake, the
    /// loop's parks on a lane of their own; hover for the trace line, scroll to zoom, drag to
    /// pan. Nothing is fetched from the network. `GLASSLOOP_TRACE=html:PATH` does the same.
    pub fn timeline_html(mut self, path: impl Into<std::path::PathBuf>) -> Builder {
        self.html = Some(path.into());
        self
    }

    /// Writes the run, when the loop ends, to `path` as a Chrome trace (Trace Event Format JSON):
    /// a row per task with each poll as a bar, timers and spawns as marks, every wake as an arrow
    /// from the waker to the woken task, the loop's parks on a row of its own. Open it in
    /// Perfetto's UI (ui.perfetto.dev) or `chrome://tracing`. `GLASSLOOP_TRACE=chrome:PATH` does
    /// the same from the environment.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// let path = std::env::temp_dir().join(format!("glassloop-doc-{}.json", std::process::id()));
    /// let runtime = glassloop::Runtime::builder()
    ///     .virtual_time(true)
    ///     .chrome_trace(&path)
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(async { glassloop::spawn(async {}).await.unwrap() });
    /// drop(runtime); // the file is written when the loop ends
    /// let json = std::fs::read_to_string(&path).unwrap();
    /// assert!(json.starts_with("{\"traceEvents\":["));
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn chrome_trace(mut self, path: impl Into<std::path::PathBuf>) -> Builder {
        self.chrome = Some(path.into());
        self
    }

    /// Runs with a seeded schedule: wherever the loop is free to choose an order — the tasks ready
    /// in one turn, the timers due on one tick, the I/O events of one selector poll, the children
    /// `gather` and `as_completed` poll together — it takes the order from a generator seeded with
    /// `seed` instead of arrival order. Same seed, same program, virtual time and no outside I/O:
    /// the same run, trace byte for byte. Without a seed (the default) the order is FIFO, as
    /// asyncio's.
    ///
    /// What a seed never changes: when things happen (a sleep never fires early), the tie rule of
    /// `select!` and [`race`](crate::race) (the first branch written wins), and the FIFO order in
    /// which the [`sync`](crate::sync) primitives hand items and permits to their waiters.
    ///
    /// `GLASSLOOP_SEED=N` in the environment gives a seed to a loop built without one, so any
    /// program's run can be replayed from the outside. Exploring many seeds from a test:
    /// [`explore_seeds`](crate::explore_seeds) or `#[glassloop::test(seeds = N)]`.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let order = |seed| {
    ///     let runtime = glassloop::Runtime::builder().seed(seed).build().unwrap();
    ///     runtime.block_on(async {
    ///         let log = Rc::new(RefCell::new(Vec::new()));
    ///         let tasks: Vec<_> = (0..4)
    ///             .map(|n| {
    ///                 let log = log.clone();
    ///                 glassloop::spawn(async move { log.borrow_mut().push(n) })
    ///             })
    ///             .collect();
    ///         for task in tasks {
    ///             task.await.unwrap();
    ///         }
    ///         log.take()
    ///     })
    /// };
    /// assert_eq!(order(7), order(7)); // a seed replays exactly
    /// let orders: std::collections::BTreeSet<_> = (0..50).map(order).collect();
    /// assert!(orders.len() > 1); // and different seeds try different orders
    /// ```
    pub fn seed(mut self, seed: u64) -> Builder {
        self.seed = Some(seed);
        self
    }

    /// Builds the runtime: creates its selector and cross-thread waker.
    pub fn build(self) -> io::Result<Runtime> {
        let seed = match self.seed {
            Some(seed) => Some(seed),
            None => seed_from_env()?,
        };
        let step_from_env = std::env::var("GLASSLOOP_STEP").is_ok_and(|v| v == "1");
        let step = match self.step_keys {
            Some(keys) => Some(keys),
            None if self.step || step_from_env => Some(crate::observe::keys_from_terminal()),
            None => None,
        };
        let from_env = std::env::var("GLASSLOOP_TRACE").unwrap_or_default();
        let env_words: Vec<&str> = from_env.split(',').map(str::trim).collect();
        let lines = self.trace
            || env_words
                .iter()
                .any(|w| matches!(*w, "1" | "true" | "lines"));
        let timeline = self.timeline || env_words.contains(&"timeline");
        let dump = self.dump || env_words.contains(&"dump");
        let chrome = self.chrome.or_else(|| {
            env_words
                .iter()
                .find_map(|word| word.strip_prefix("chrome:"))
                .filter(|path| !path.is_empty())
                .map(std::path::PathBuf::from)
        });
        let html = self.html.or_else(|| {
            env_words
                .iter()
                .find_map(|word| word.strip_prefix("html:"))
                .filter(|path| !path.is_empty())
                .map(std::path::PathBuf::from)
        });
        // Watching for slow polls costs a clock reading per event: on when asked, or whenever the
        // loop is being watched anyway.
        let slow_poll = self.slow_poll.or_else(|| {
            (lines || timeline || dump || env_words.contains(&"slow")).then_some(DEFAULT_SLOW_POLL)
        });
        let core = Core::new(Config {
            virtual_time: self.virtual_time,
            watch: WatchConfig {
                lines,
                timeline,
                dump,
                slow_poll,
                sink: self.sink,
                chrome,
                html,
                tracing: self.emit_tracing.unwrap_or(cfg!(feature = "tracing")),
                step,
            },
            resolver: self.resolver,
            seed,
        })?;
        Ok(Runtime { core })
    }
}

/// `GLASSLOOP_SEED`, if set: a number, or an error saying what is wrong with it.
pub(crate) fn seed_from_env() -> io::Result<Option<u64>> {
    match std::env::var("GLASSLOOP_SEED") {
        Err(_) => Ok(None),
        Ok(text) if text.trim().is_empty() => Ok(None),
        Ok(text) => text.trim().parse().map(Some).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("GLASSLOOP_SEED={text:?} is not a seed: give a whole number, 0 to 2^64-1"),
            )
        }),
    }
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("virtual_time", &self.virtual_time)
            .field("trace", &self.trace)
            .field("timeline", &self.timeline)
            .field("seed", &self.seed)
            .finish()
    }
}
