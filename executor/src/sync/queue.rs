//! `Queue` — asyncio's `asyncio.Queue`: producers and consumers, with back-pressure.
//!
//! Items come out in the order they went in — or last first, with [`Queue::lifo`] (asyncio's
//! `LifoQueue`), or smallest first, with [`Queue::priority`] (its `PriorityQueue`). A bounded
//! queue makes `put` wait while it is full (back-pressure: a fast producer is slowed to the
//! consumers' pace); `get` waits while it is empty. `task_done` and `join` let a producer wait
//! until every item has been *processed*, not just taken.
//!
//! Getters and putters wait in first-come-first-served lists. When an item arrives, the first
//! getter is notified and the item is promised to it: a `get_nowait` that runs before it cannot
//! take it (likewise the room a `get` makes, for the first putter).
//!
//! Read next: [`event.rs`](super::event).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::observe::Primitive;

use super::wait_list::{wake_all, WaitList, Waiter};

/// A first-in-first-out queue for the tasks of one loop — asyncio's `Queue`.
///
/// Clones share the same queue.
///
/// ```
/// # use glassloop_executor as glassloop;
/// use glassloop::sync::Queue;
///
/// glassloop::run(async {
///     let jobs = Queue::bounded(2); // put() waits while 2 items are queued
///     let worker = glassloop::spawn({
///         let jobs = jobs.clone();
///         async move {
///             let mut total = 0;
///             loop {
///                 let job: u32 = jobs.get().await;
///                 total += job;
///                 jobs.task_done();
///                 if job == 0 {
///                     return total;
///                 }
///             }
///         }
///     });
///     for job in [5, 6, 7, 0] {
///         jobs.put(job).await;
///     }
///     jobs.join().await; // every item taken *and* marked done
///     assert_eq!(worker.await.unwrap(), 18);
/// });
/// ```
pub struct Queue<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<T> {
    items: Items<T>,
    /// 0 means unbounded, as in asyncio.
    maxsize: usize,
    getters: WaitList,
    putters: WaitList,
    /// Items put and not yet marked `task_done`.
    unfinished: usize,
    /// `shutdown` was called: no more puts; gets take what is left, then find nothing.
    shut_down: bool,
    joiners: WaitList,
}

impl<T> Inner<T> {
    fn is_full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    /// Room for one more putter beyond those already promised room.
    fn room_unpromised(&self) -> bool {
        self.maxsize == 0 || self.items.len() + self.putters.promised() < self.maxsize
    }

    /// An item for one more getter beyond those already promised one.
    fn item_unpromised(&self) -> bool {
        self.items.len() > self.getters.promised()
    }
}

/// `put_nowait` on a full queue — asyncio's `QueueFull`. Holds the item that did not fit.
#[derive(PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

/// A `send` to a queue that was shut down — asyncio's `QueueShutDown`. Holds the item that was
/// not sent.
#[derive(PartialEq, Eq)]
pub struct QueueShutDown<T>(pub T);

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}
impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue was shut down")
    }
}
impl<T> Error for QueueShutDown<T> {}

/// `get_nowait` on an empty queue — asyncio's `QueueEmpty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEmpty;

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}
impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}
impl<T> Error for QueueFull<T> {}
impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}
impl Error for QueueEmpty {}

impl<T: Ord> Queue<T> {
    /// A queue whose `get` takes the *smallest* item — asyncio's `PriorityQueue(maxsize)` (0: no
    /// limit). Items that compare equal come out in no set order, as with asyncio's `heapq`; put
    /// `(priority, sequence, item)` to keep them in order.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// let jobs = glassloop::sync::Queue::priority(0);
    /// for job in [(2, "later"), (1, "first"), (3, "last")] {
    ///     jobs.put_nowait(job).unwrap();
    /// }
    /// assert_eq!(jobs.get_nowait().unwrap(), (1, "first"));
    /// ```
    pub fn priority(maxsize: usize) -> Queue<T> {
        Queue::with_items(maxsize, Items::Priority(BinaryHeap::new(), |a, b| b.cmp(a)))
    }
}

/// Where a queue keeps its items, and so which one a `get` takes.
enum Items<T> {
    /// First in, first out: asyncio's `Queue`.
    Fifo(VecDeque<T>),
    /// Last in, first out: asyncio's `LifoQueue`.
    Lifo(Vec<T>),
    /// Smallest first: asyncio's `PriorityQueue`. `BinaryHeap` needs `Ord`, which `Queue<T>` as
    /// a whole does not ask of `T`; so each item carries the comparison, made where `T: Ord` was
    /// known (reversed: the heap gives its greatest first).
    Priority(BinaryHeap<ByOrder<T>>, fn(&T, &T) -> Ordering),
}

impl<T> Items<T> {
    fn push(&mut self, item: T) {
        match self {
            Items::Fifo(items) => items.push_back(item),
            Items::Lifo(items) => items.push(item),
            Items::Priority(items, order) => items.push(ByOrder(item, *order)),
        }
    }

    fn pop(&mut self) -> Option<T> {
        match self {
            Items::Fifo(items) => items.pop_front(),
            Items::Lifo(items) => items.pop(),
            Items::Priority(items, _) => items.pop().map(|ByOrder(item, _)| item),
        }
    }

    fn len(&self) -> usize {
        match self {
            Items::Fifo(items) => items.len(),
            Items::Lifo(items) => items.len(),
            Items::Priority(items, _) => items.len(),
        }
    }
}

/// An item ordered by the comparison it carries.
struct ByOrder<T>(T, fn(&T, &T) -> Ordering);

impl<T> PartialEq for ByOrder<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.1)(&self.0, &other.0) == Ordering::Equal
    }
}
impl<T> Eq for ByOrder<T> {}
impl<T> PartialOrd for ByOrder<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for ByOrder<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.1)(&self.0, &other.0)
    }
}

impl<T> Queue<T> {
    /// A queue with no size limit — asyncio's `Queue()`.
    pub fn unbounded() -> Queue<T> {
        Queue::with_maxsize(0)
    }

    /// A queue holding at most `maxsize` items (`put` waits beyond that) — asyncio's
    /// `Queue(maxsize)`.
    ///
    /// # Panics
    ///
    /// If `maxsize` is 0 (use [`Queue::unbounded`]).
    pub fn bounded(maxsize: usize) -> Queue<T> {
        assert!(
            maxsize > 0,
            "Queue::bounded(0) would never accept an item; use Queue::unbounded() for no limit"
        );
        Queue::with_maxsize(maxsize)
    }

    /// A queue whose `get` takes the item put *last* — asyncio's `LifoQueue(maxsize)` (0: no
    /// limit).
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// let stack = glassloop::sync::Queue::lifo(0);
    /// for i in [1, 3, 2] {
    ///     stack.put_nowait(i).unwrap();
    /// }
    /// let order: Vec<i32> = (0..3).map(|_| stack.get_nowait().unwrap()).collect();
    /// assert_eq!(order, [2, 3, 1]);
    /// ```
    pub fn lifo(maxsize: usize) -> Queue<T> {
        Queue::with_items(maxsize, Items::Lifo(Vec::new()))
    }

    fn with_maxsize(maxsize: usize) -> Queue<T> {
        Queue::with_items(maxsize, Items::Fifo(VecDeque::new()))
    }

    fn with_items(maxsize: usize, items: Items<T>) -> Queue<T> {
        Queue {
            inner: Rc::new(RefCell::new(Inner {
                items,
                maxsize,
                getters: WaitList::new(Primitive::QueueGet),
                putters: WaitList::new(Primitive::QueuePut),
                unfinished: 0,
                shut_down: false,
                joiners: WaitList::new(Primitive::QueueJoin),
            })),
        }
    }

    /// Items in the queue now — asyncio's `qsize()`.
    pub fn len(&self) -> usize {
        self.inner.borrow().items.len()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.borrow().items.len() == 0
    }

    /// Whether a bounded queue is at its limit.
    pub fn is_full(&self) -> bool {
        self.inner.borrow().is_full()
    }

    /// The limit (0: unbounded).
    pub fn maxsize(&self) -> usize {
        self.inner.borrow().maxsize
    }

    /// Adds an item if there is room, without waiting.
    ///
    /// # Panics
    ///
    /// If the queue was shut down (asyncio raises `QueueShutDown`): use [`send`](Self::send),
    /// which hands the item back instead.
    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        let waker = {
            let mut inner = self.inner.borrow_mut();
            assert!(!inner.shut_down, "{PUT_AFTER_SHUTDOWN}");
            // Waiting putters go first, and so do putters promised room: a newcomer may not jump
            // the line.
            if inner.is_full() || !inner.putters.is_clear() {
                return Err(QueueFull(item));
            }
            inner.items.push(item);
            inner.unfinished += 1;
            inner.getters.notify_one()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Adds an item, waiting while the queue is full — asyncio's `await queue.put(item)`.
    ///
    /// It panics if the queue is (or gets, while this waits) shut down; code that shuts queues
    /// down uses [`send`](Self::send) instead.
    ///
    /// **Cancellation:** if dropped before it completes, the item was not added (it is dropped
    /// with the future) and the place in line passes to the next putter.
    pub fn put(&self, item: T) -> Put<'_, T> {
        Put {
            queue: self,
            item: Some(item),
            waiter: None,
        }
    }

    /// Takes the oldest item if there is one, without waiting.
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        let (item, waker) = {
            let mut inner = self.inner.borrow_mut();
            // An item promised to a getter that was woken for it is not there for the taking.
            if !inner.item_unpromised() {
                return Err(QueueEmpty);
            }
            let item = inner.items.pop().ok_or(QueueEmpty)?;
            // Room now: let the first waiting putter in.
            (item, inner.putters.notify_one())
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(item)
    }

    /// Takes the oldest item, waiting while the queue is empty — asyncio's `await queue.get()`.
    ///
    /// It panics if the queue is shut down and has nothing left for it; code that shuts queues
    /// down uses [`recv`](Self::recv) instead.
    ///
    /// **Cancellation:** if dropped before it completes, no item was taken, and a wake meant for
    /// it passes to the next getter.
    pub fn get(&self) -> Get<'_, T> {
        Get {
            queue: self,
            waiter: None,
            done: false,
        }
    }

    /// Like [`put`](Self::put), but a queue that is shut down hands the item back:
    /// `Err(QueueShutDown(item))` — asyncio's `put` raising `QueueShutDown`.
    pub fn send(&self, item: T) -> Send<'_, T> {
        Send(self.put(item))
    }

    /// Like [`get`](Self::get), but `None` once the queue is shut down and empty — asyncio's
    /// `get` raising `QueueShutDown`. A consumer's loop: `while let Some(item) = q.recv().await`.
    ///
    /// ```
    /// # use glassloop_executor as glassloop;
    /// use glassloop::sync::Queue;
    /// glassloop::run(async {
    ///     let q = Queue::unbounded();
    ///     let consumer = glassloop::spawn({
    ///         let q = q.clone();
    ///         async move {
    ///             let mut got = Vec::new();
    ///             while let Some(item) = q.recv().await {
    ///                 got.push(item);
    ///             }
    ///             got
    ///         }
    ///     });
    ///     for i in 0..3 {
    ///         q.send(i).await.unwrap();
    ///     }
    ///     q.shutdown(false); // what is queued is still delivered
    ///     assert_eq!(consumer.await.unwrap(), [0, 1, 2]);
    ///     assert!(q.send(3).await.is_err());
    /// });
    /// ```
    pub fn recv(&self) -> Recv<'_, T> {
        Recv(self.get())
    }

    /// Shuts the queue down — asyncio's `queue.shutdown(immediate)` (3.13). From now on a `send`
    /// is refused and every waiting putter gets its item back; getters take what is left, then
    /// get `None` from `recv`. With `immediate`, what is left is dropped too (and counted done, so
    /// `join` returns), and every waiting getter gets `None` at once.
    pub fn shutdown(&self, immediate: bool) {
        let (dropped, wakers) = {
            let mut inner = self.inner.borrow_mut();
            inner.shut_down = true;
            let mut dropped = Vec::new();
            if immediate {
                while let Some(item) = inner.items.pop() {
                    dropped.push(item);
                }
                inner.unfinished = inner.unfinished.saturating_sub(dropped.len());
            }
            let mut wakers = inner.getters.notify_all();
            wakers.extend(inner.putters.notify_all());
            if inner.unfinished == 0 {
                wakers.extend(inner.joiners.notify_all());
            }
            (dropped, wakers)
        };
        drop(dropped); // user code: after the borrow
        wake_all(wakers);
    }

    /// Whether [`shutdown`](Self::shutdown) was called — asyncio has no such query; its `put`
    /// tells by raising.
    pub fn is_shut_down(&self) -> bool {
        self.inner.borrow().shut_down
    }

    /// Marks one item taken by `get` as processed — asyncio's `task_done()`.
    ///
    /// # Panics
    ///
    /// If called more times than items were put (asyncio raises `ValueError`).
    pub fn task_done(&self) {
        let wakers = {
            let mut inner = self.inner.borrow_mut();
            assert!(
                inner.unfinished > 0,
                "Queue::task_done called more times than there were items put"
            );
            inner.unfinished -= 1;
            if inner.unfinished == 0 {
                inner.joiners.notify_all()
            } else {
                Vec::new()
            }
        };
        wake_all(wakers);
    }

    /// Waits until every item put has been marked done — asyncio's `await queue.join()`.
    pub fn join(&self) -> Join<'_, T> {
        Join {
            queue: self,
            waiter: None,
        }
    }
}

/// The future returned by [`Queue::put`]. It is one-shot: polling it again after it completed
/// panics.
#[must_use = "put does nothing unless awaited"]
pub struct Put<'a, T> {
    queue: &'a Queue<T>,
    item: Option<T>,
    waiter: Option<Rc<Waiter>>,
}

// The item is only moved, never pinned.
impl<T> Unpin for Put<'_, T> {}

impl<T> Put<'_, T> {
    /// `Err(item)`: the queue was shut down.
    fn poll_unbudgeted(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T>> {
        let this = &mut *self;
        assert!(
            this.item.is_some(),
            "a Queue::put future was polled again after it completed; await it once"
        );
        let mut inner = this.queue.inner.borrow_mut();
        if inner.shut_down {
            if let Some(waiter) = this.waiter.take() {
                inner.putters.claim(&waiter);
            }
            return Poll::Ready(Err(this.item.take().expect("checked above")));
        }
        let my_turn = match &this.waiter {
            Some(waiter) if waiter.is_notified() => {
                inner.putters.claim(waiter);
                true
            }
            Some(waiter) => {
                waiter.register(cx);
                return Poll::Pending;
            }
            None => inner.putters.is_clear(),
        };
        if my_turn && !inner.is_full() {
            this.waiter = None;
            let item = this.item.take().expect("checked above");
            inner.items.push(item);
            inner.unfinished += 1;
            let getter = inner.getters.notify_one();
            // Room may remain for the next putter in line.
            let putter = inner
                .room_unpromised()
                .then(|| inner.putters.notify_one())
                .flatten();
            drop(inner);
            getter.into_iter().chain(putter).for_each(|w| w.wake());
            return Poll::Ready(Ok(()));
        }
        // Full (or others are ahead): wait; a putter that was notified but lost the room goes
        // back to the front.
        let at_front = this.waiter.is_some();
        this.waiter = Some(inner.putters.push(cx, at_front));
        Poll::Pending
    }
}

impl<T> Future for Put<'_, T> {
    type Output = ();

    /// A `Ready` costs one operation of the task's budget (see [`budget.rs`](crate::event_loop::budget)).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        crate::event_loop::budget::spend(cx, |cx| self.poll_unbudgeted(cx))
            .map(|sent| sent.unwrap_or_else(|_| panic!("{PUT_AFTER_SHUTDOWN}")))
    }
}

const PUT_AFTER_SHUTDOWN: &str =
    "an item was put in a Queue that was shut down; use Queue::send, which hands the item back";

/// The future returned by [`Queue::send`]: [`Put`] that hands the item back from a queue that
/// was shut down. One-shot.
#[must_use = "send does nothing unless awaited"]
pub struct Send<'a, T>(Put<'a, T>);

impl<T> Future for Send<'_, T> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let put = Pin::new(&mut self.0);
        crate::event_loop::budget::spend(cx, |cx| put.poll_unbudgeted(cx))
            .map(|sent| sent.map_err(QueueShutDown))
    }
}

impl<T> Drop for Put<'_, T> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            let mut inner = self.queue.inner.borrow_mut();
            if inner.putters.remove(&waiter) && inner.room_unpromised() {
                let next = inner.putters.notify_one();
                drop(inner);
                next.into_iter().for_each(|w| w.wake());
            }
        }
    }
}

/// The future returned by [`Queue::get`]. It is one-shot: polling it again after it returned an
/// item panics (it would take a second one).
#[must_use = "get does nothing unless awaited"]
pub struct Get<'a, T> {
    queue: &'a Queue<T>,
    waiter: Option<Rc<Waiter>>,
    /// It has returned its item.
    done: bool,
}

impl<T> Get<'_, T> {
    /// `None`: the queue was shut down, and nothing is left for this getter.
    fn poll_unbudgeted(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        assert!(
            !this.done,
            "a Queue::get future was polled again after it returned an item; await it once"
        );
        let mut inner = this.queue.inner.borrow_mut();
        let my_turn = match &this.waiter {
            Some(waiter) if waiter.is_notified() => {
                inner.getters.claim(waiter);
                true
            }
            Some(waiter) => {
                waiter.register(cx);
                return Poll::Pending;
            }
            None => inner.getters.is_clear(),
        };
        if my_turn {
            if let Some(item) = inner.items.pop() {
                this.waiter = None;
                this.done = true;
                let putter = inner.putters.notify_one();
                // More items may be waiting for the next getter in line.
                let getter = inner
                    .item_unpromised()
                    .then(|| inner.getters.notify_one())
                    .flatten();
                drop(inner);
                putter.into_iter().chain(getter).for_each(|w| w.wake());
                return Poll::Ready(Some(item));
            }
        }
        if inner.shut_down && inner.items.len() == 0 {
            this.waiter = None;
            this.done = true;
            return Poll::Ready(None);
        }
        let at_front = this.waiter.is_some();
        this.waiter = Some(inner.getters.push(cx, at_front));
        Poll::Pending
    }
}

impl<T> Future for Get<'_, T> {
    type Output = T;

    /// A `Ready` costs one operation of the task's budget (see [`budget.rs`](crate::event_loop::budget)).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        crate::event_loop::budget::spend(cx, |cx| self.poll_unbudgeted(cx)).map(|item| {
            item.unwrap_or_else(|| {
                panic!(
                    "Queue::get on a Queue that was shut down and is empty; use Queue::recv, \
                     which returns None then"
                )
            })
        })
    }
}

/// The future returned by [`Queue::recv`]: [`Get`] that gives `None` once the queue is shut down
/// and empty. One-shot.
#[must_use = "recv does nothing unless awaited"]
pub struct Recv<'a, T>(Get<'a, T>);

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let get = Pin::new(&mut self.0);
        crate::event_loop::budget::spend(cx, |cx| get.poll_unbudgeted(cx))
    }
}

impl<T> Drop for Get<'_, T> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            let mut inner = self.queue.inner.borrow_mut();
            // Notified of an item we will not take: pass it on.
            if inner.getters.remove(&waiter) && inner.item_unpromised() {
                let next = inner.getters.notify_one();
                drop(inner);
                next.into_iter().for_each(|w| w.wake());
            }
        }
    }
}

/// The future returned by [`Queue::join`]. Like asyncio's `join`, it is level-like: polled
/// again after it completed, it is ready again as long as no unfinished item has been added.
#[must_use = "join does nothing unless awaited"]
pub struct Join<'a, T> {
    queue: &'a Queue<T>,
    waiter: Option<Rc<Waiter>>,
}

impl<T> Join<'_, T> {
    fn poll_unbudgeted(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut inner = this.queue.inner.borrow_mut();
        match this.waiter.take() {
            // The count reached zero since we started waiting: done, as asyncio's `join` is,
            // even if a `put` has come in since.
            Some(waiter) if waiter.is_notified() => {
                inner.joiners.claim(&waiter);
                return Poll::Ready(());
            }
            _ if inner.unfinished == 0 => return Poll::Ready(()),
            Some(waiter) => {
                waiter.register(cx);
                this.waiter = Some(waiter);
            }
            None => this.waiter = Some(inner.joiners.push(cx, false)),
        }
        Poll::Pending
    }
}

impl<T> Future for Join<'_, T> {
    type Output = ();

    /// A `Ready` costs one operation of the task's budget (see [`budget.rs`](crate::event_loop::budget)).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        crate::event_loop::budget::spend(cx, |cx| self.poll_unbudgeted(cx))
    }
}

impl<T> Drop for Join<'_, T> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            let _ = self.queue.inner.borrow_mut().joiners.remove(&waiter);
        }
    }
}
