"""asyncio's own loop, narrating: runs a Python program on CPython's event loop and prints one
line per thing the loop does, in the words of glassloop's trace (GLASSLOOP_TRACE=1).

    python3 tools/asyncio_narrator.py examples/python/get_user.py
    python3 tools/asyncio_narrator.py --virtual examples/python/get_user.py

It observes; it does not re-implement. The program runs on CPython's real loop and Tasks, and
every line is something they really did, seen through hooks on the real code:

- an event-loop subclass, given to asyncio.run as its loop factory, which wraps `call_soon` (a
  callback onto the `_ready` deque), its selector's `select(timeout)` (where the loop waits), and
  `_process_events` (the I/O the selector reported);
- a task factory that makes `asyncio.tasks._PyTask`s — the pure-Python twin of the C Task, so
  that `Task.__step` (one step of a coroutine: `coro.send(None)`) and `Task.__wakeup` (the
  done-callback that wakes a Task when the future it awaits completes) can be watched;
- the `heapq` that asyncio's base_events module calls, wrapped: `call_at` pushing a TimerHandle
  onto the `_scheduled` heap, `_run_once` popping the due ones onto `_ready` (and the cancelled
  ones off the top).

The program's own `print`s appear in the transcript as `print: …` lines, at the time they were
made.

`--virtual` gives the loop a virtual clock, as CPython's own test utilities do
(test.test_asyncio.utils.TestLoop): when the loop would wait in `select(timeout)` for a timer, the
clock jumps to that timer's deadline instead (the selector is still asked, with timeout 0, so real
I/O is never missed); a blocking `time.sleep(s)` moves the clock by `s` without sleeping, as
glassloop's `--virtual` counts a blocking sleep. A transcript under `--virtual` is the same on
every run — tests/golden/asyncio/*.txt hold them.

Standard library only; CPython 3.11 or newer (asyncio.Runner's loop_factory).
"""

import asyncio
import asyncio.base_events
import asyncio.futures
import asyncio.tasks
import heapq as _real_heapq
import os
import runpy
import selectors
import sys
import time

if sys.version_info < (3, 11):
    sys.exit("asyncio_narrator needs Python 3.11 or newer (asyncio.Runner's loop_factory)")

_real_sleep = time.sleep


class Narrator:
    """Writes the transcript, and keeps the names: Task numbers, what a future stands for."""

    def __init__(self, out, virtual):
        self.out = out
        self.virtual = virtual
        self.loop = None
        self.origin = None
        self.tasks = {}  # task -> its number, 1, 2, ... in creation order
        self.names = {}  # task -> how the transcript names it
        self.sleeps = {}  # future -> the deadline of the sleep it stands for

    def now(self):
        if self.loop is None or self.origin is None:
            return 0.0
        return self.loop.time() - self.origin

    def say(self, text):
        self.out.write(f"[{self.now():8.3f}s] {text}\n")
        self.out.flush()

    def at(self, when):
        """A loop time as seconds since the loop started, the way the trace prints deadlines."""
        return f"{when - self.origin:.3f}s"

    def task(self, task):
        return self.names.get(task, "a Task")

    def register(self, task, coro):
        number = len(self.tasks) + 1
        self.tasks[task] = number
        name = getattr(coro, "__qualname__", None) or type(coro).__name__
        self.names[task] = f"Task {number} '{name}()'"

    def awaitable(self, future):
        """What a Task waits on, in words."""
        if future in self.tasks:
            return self.task(future)
        if future in self.sleeps:
            return f"sleep, due at {self.at(self.sleeps[future])}"
        if type(future).__name__ == "_GatheringFuture":
            children = getattr(future, "_children", [])
            return f"gather of {len(children)}"
        return type(future).__name__

    def callback(self, callback, args):
        """What a handle on `_ready` will run, in words."""
        owner = getattr(callback, "__self__", None)
        name = getattr(callback, "__qualname__", None) or getattr(callback, "__name__", repr(callback))
        if owner is not None and owner in self.tasks:
            step = name.rsplit(".", 1)[-1].replace("_Task", "")
            return f"the {step} of {self.task(owner)}"
        known = {
            "gather.<locals>._done_callback": "gather's _done_callback (a child is done)",
            "_run_until_complete_cb": "run_until_complete's callback (stop the loop)",
        }
        if name in known:
            return known[name]
        if owner is not None:
            return f"{type(owner).__name__}.{name.rsplit('.', 1)[-1]}"
        return name


NARRATOR = None


class NarratedTask(asyncio.tasks._PyTask):
    """A `_PyTask` that says when it is stepped, woken and cancelled; the stepping is CPython's."""

    def __init__(self, coro, **kwargs):
        # Named before CPython's __init__ runs, which already puts the first __step on _ready.
        NARRATOR.register(self, coro)
        NARRATOR.say(f"{NARRATOR.task(self)} created ({creator()})")
        super().__init__(coro, **kwargs)

    def _Task__step(self, exc=None):
        n = NARRATOR
        how = "throws CancelledError in" if exc is not None else "coro.send(None)"
        n.say(f"{n.task(self)} stepped (__step: {how})")
        super()._Task__step(exc)
        if self.done():
            if self.cancelled():
                n.say(f"{n.task(self)} cancelled: CancelledError ended its coroutine")
            elif self.exception() is not None:
                n.say(f"{n.task(self)} finished with an exception: {self.exception()!r}")
            else:
                n.say(f"{n.task(self)} finished: its result is set, its done-callbacks go onto _ready")
        elif self._fut_waiter is not None:
            n.say(f"{n.task(self)} waits on {n.awaitable(self._fut_waiter)} (add_done_callback(__wakeup))")
        else:
            n.say(f"{n.task(self)} yielded (a bare yield, sleep(0)): its __step goes back onto _ready")

    def _Task__wakeup(self, future):
        n = NARRATOR
        state = "cancelled" if future.cancelled() else "done"
        n.say(f"{n.task(self)} woken: {n.awaitable(future)} is {state} (__wakeup)")
        super()._Task__wakeup(future)

    def cancel(self, msg=None):
        n = NARRATOR
        n.say(f"{n.task(self)}.cancel(): CancelledError will be thrown in at its next step")
        return super().cancel(msg)


def task_factory(loop, coro, **kwargs):
    """The loop's task factory: a NarratedTask where CPython would make a C Task."""
    return NarratedTask(coro, loop=loop, **kwargs)


def creator():
    """Who is creating a Task: the asyncio function found on the stack."""
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        where = os.path.basename(code.co_filename)
        if where == "tasks.py" and code.co_name == "gather":
            return "gather wrapping a coroutine in a Task"
        if where == "tasks.py" and code.co_name == "create_task":
            return "create_task"
        if where == "runners.py" and code.co_name == "run":
            return "asyncio.run: the main Task"
        if where == "base_events.py" and code.co_name == "run_until_complete":
            return "run_until_complete, as asyncio.run closes the loop"
        frame = frame.f_back
    return "ensure_future"


class NarratedHeapq:
    """asyncio.base_events' `heapq`, observed: every push onto and pop off `_scheduled`."""

    def __getattr__(self, name):
        return getattr(_real_heapq, name)

    def heappush(self, heap, handle):
        _real_heapq.heappush(heap, handle)
        n = NARRATOR
        if isinstance(handle, asyncio.TimerHandle) and n.loop is not None and heap is n.loop._scheduled:
            if handle._callback is asyncio.futures._set_result_unless_cancelled and handle._args:
                n.sleeps[handle._args[0]] = handle.when()
            n.say(
                f"call_at: TimerHandle due at {n.at(handle.when())} pushed onto the _scheduled heap "
                f"({len(heap)} timer{'s' if len(heap) != 1 else ''})"
            )

    def heappop(self, heap):
        handle = _real_heapq.heappop(heap)
        n = NARRATOR
        if isinstance(handle, asyncio.TimerHandle) and n.loop is not None and heap is n.loop._scheduled:
            if handle.cancelled():
                n.say(f"TimerHandle due at {n.at(handle.when())} was cancelled: dropped off the heap")
            else:
                n.say(f"TimerHandle due at {n.at(handle.when())} popped off the heap, onto _ready")
        return handle

    def heapify(self, heap):
        _real_heapq.heapify(heap)
        n = NARRATOR
        if n.loop is not None:
            n.say(f"_scheduled rebuilt without its cancelled timers ({len(heap)} left)")


class NarratedLoop(asyncio.SelectorEventLoop):
    """CPython's selector event loop, with its clock virtual if asked, saying what it schedules and
    where it waits."""

    def __init__(self):
        self._virtual_now = 0.0
        super().__init__()
        n = NARRATOR
        n.loop = self
        n.origin = self.time()
        self.set_task_factory(task_factory)
        real_select = self._selector.select

        def select(timeout=None):
            if timeout == 0:
                n.say("select(0): poll for I/O without waiting (something is ready)")
                return real_select(0)
            if n.virtual and timeout is not None:
                due = self._scheduled[0].when() if self._scheduled else self._virtual_now + timeout
                n.say(
                    f"select({timeout:.3f}): the loop parks until the next timer; virtual time "
                    f"jumps the clock to {n.at(due)}"
                )
                self._virtual_now = max(self._virtual_now, due)
                return real_select(0)
            waits = "until I/O" if timeout is None else f"at most {timeout:.3f} s"
            n.say(f"select({'None' if timeout is None else f'{timeout:.3f}'}): the loop parks, {waits}")
            return real_select(timeout)

        self._selector.select = select

    def time(self):
        if NARRATOR.virtual:
            return self._virtual_now
        return super().time()

    def call_soon(self, callback, *args, context=None):
        handle = super().call_soon(callback, *args, context=context)
        n = NARRATOR
        n.say(f"call_soon: {n.callback(callback, args)} onto _ready ({len(self._ready)} ready)")
        return handle

    def _process_events(self, event_list):
        if event_list:
            n = NARRATOR
            n.say(f"the selector reported {len(event_list)} I/O event{'s' if len(event_list) != 1 else ''}")
        return super()._process_events(event_list)


class Prints:
    """The program's stdout: each line it prints becomes a `print:` line of the transcript."""

    def __init__(self):
        self.pending = ""

    def write(self, text):
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            NARRATOR.say(f"print: {line}")
        return len(text)

    def flush(self):
        pass


def blocking_sleep(seconds):
    """`time.sleep` while narrating: it blocks the loop's thread. On virtual time the clock moves."""
    n = NARRATOR
    n.say(f"time.sleep({seconds:g}): a blocking call — the loop's thread is stuck for {seconds:.3f} s")
    if n.virtual and n.loop is not None:
        n.loop._virtual_now += seconds
    else:
        _real_sleep(seconds)


def run_narrated(main, *, debug=None):
    """asyncio.run, on a NarratedLoop."""
    NARRATOR.say("asyncio.run: a new event loop")
    with asyncio.Runner(debug=debug, loop_factory=NarratedLoop) as runner:
        return runner.run(main)


def main(argv):
    global NARRATOR
    args = [a for a in argv if a != "--virtual"]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python3 tools/asyncio_narrator.py [--virtual] PROGRAM.py", file=sys.stderr)
        return 2
    out = sys.stdout
    NARRATOR = Narrator(out, "--virtual" in argv)
    asyncio.base_events.heapq = NarratedHeapq()
    asyncio.run = run_narrated
    time.sleep = blocking_sleep
    sys.stdout = Prints()
    try:
        runpy.run_path(args[0], run_name="__main__")
    finally:
        sys.stdout = out
        time.sleep = _real_sleep
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
