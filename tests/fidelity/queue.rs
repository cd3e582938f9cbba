//! `sync::Queue` — asyncio's `Queue` (reference: CPython's `Lib/test/test_asyncio/test_queues.py`).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use glassloop::sync::{Queue, QueueEmpty, QueueFull};

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

// test_queues.py: QueueBasicTests.test_order, test_empty, test_full
#[test]
fn items_come_out_in_the_order_they_went_in() {
    run(async {
        let q = Queue::unbounded();
        assert!(q.is_empty() && !q.is_full());
        for i in [1, 3, 2] {
            q.put_nowait(i).unwrap();
        }
        assert!(!q.is_empty());
        let items: Vec<i32> = (0..3).map(|_| q.get_nowait().unwrap()).collect();
        assert_eq!(items, [1, 3, 2]);
        let q = Queue::bounded(1);
        q.put_nowait(1).unwrap();
        assert!(q.is_full());
    });
}

// test_queues.py: test_nonblocking_get_exception, test_nonblocking_put_exception
#[test]
fn nowait_on_an_empty_or_full_queue_is_an_error() {
    run(async {
        let q: Queue<i32> = Queue::unbounded();
        assert_eq!(q.get_nowait(), Err(QueueEmpty));
        let q = Queue::bounded(1);
        q.put_nowait(1).unwrap();
        assert_eq!(q.put_nowait(2), Err(QueueFull(2)));
    });
}

// test_queues.py: QueueBasicTests.test_maxsize — the putter blocks after maxsize items and
// resumes when one is taken.
#[test]
fn a_putter_waits_while_the_queue_is_full() {
    run(async {
        let q = Queue::bounded(2);
        let put = Rc::new(RefCell::new(Vec::new()));
        let putter = glassloop::spawn({
            let (q, put) = (q.clone(), put.clone());
            async move {
                for i in 0..3 {
                    q.put(i).await;
                    put.borrow_mut().push(i);
                }
            }
        });
        glassloop::sleep(Duration::from_millis(10)).await;
        assert_eq!(*put.borrow(), [0, 1]);
        assert_eq!(q.get_nowait(), Ok(0));
        glassloop::sleep(Duration::from_millis(10)).await;
        assert_eq!(*put.borrow(), [0, 1, 2]);
        assert_eq!((q.get_nowait(), q.get_nowait()), (Ok(1), Ok(2)));
        putter.await.unwrap();
    });
}

// test_queues.py: test_get_cancelled_race — a cancelled getter leaves the line, and the item goes
// to the next one.
#[test]
fn a_cancelled_getter_passes_the_item_on() {
    run(async {
        let q: Queue<&str> = Queue::unbounded();
        let t1 = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        let t2 = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        glassloop::yield_now().await;
        t1.abort();
        glassloop::yield_now().await;
        assert!(t1.is_finished());
        q.put_nowait("a").unwrap();
        assert_eq!(t2.await.unwrap(), "a");
    });
}

// test_queues.py: test_get_with_waiting_putters, test_put_cancelled_race — waiting putters get in
// in order, and a cancelled one leaves the line.
#[test]
fn waiting_putters_get_in_in_order_and_a_cancelled_one_leaves() {
    run(async {
        let q = Queue::bounded(1);
        let put = |item| {
            let q = q.clone();
            glassloop::spawn(async move { q.put(item).await })
        };
        let (a, b, x) = (put('a'), put('b'), put('X'));
        glassloop::yield_now().await;
        assert!(a.is_finished() && !b.is_finished());
        x.abort();
        glassloop::yield_now().await;
        assert_eq!(q.get_nowait(), Ok('a'));
        glassloop::yield_now().await;
        assert_eq!(q.get_nowait(), Ok('b'));
        b.await.unwrap();
        assert!(x.await.unwrap_err().is_cancelled());
        assert!(q.is_empty());
    });
}

// test_queues.py: test_put_with_waiting_getters
#[test]
fn a_put_reaches_a_waiting_getter() {
    run(async {
        let q = Queue::unbounded();
        let getter = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        glassloop::yield_now().await;
        q.put("a").await;
        assert_eq!(getter.await.unwrap(), "a");
    });
}

// The book's promise (docs/waiting-for-each-other.md): a woken putter was handed its place, so a
// `put_nowait` that runs before it does not take it. (asyncio re-queues such a putter at the back;
// glassloop hands over, as the chapter says.)
#[test]
fn put_nowait_does_not_take_the_room_promised_to_a_woken_putter() {
    run(async {
        let q = Queue::bounded(1);
        q.put_nowait(1).unwrap();
        let putter = glassloop::spawn({
            let q = q.clone();
            async move { q.put(2).await }
        });
        glassloop::yield_now().await; // the putter waits
        assert_eq!(q.get_nowait(), Ok(1)); // room: the putter is woken, the room is its
        assert_eq!(q.put_nowait(3), Err(QueueFull(3)));
        putter.await.unwrap();
        assert_eq!(q.get_nowait(), Ok(2));
    });
}

// Likewise an item handed to a woken getter is not there for `get_nowait`.
#[test]
fn get_nowait_does_not_take_the_item_promised_to_a_woken_getter() {
    run(async {
        let q = Queue::unbounded();
        let getter = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        glassloop::yield_now().await;
        q.put_nowait(7).unwrap();
        assert_eq!(q.get_nowait(), Err(QueueEmpty));
        assert_eq!(getter.await.unwrap(), 7);
    });
}

// test_queues.py: JoinableQueueTests.test_task_done — two workers, join returns when all items
// are processed.
#[test]
fn join_returns_once_every_item_is_done() {
    run(async {
        let q = Queue::unbounded();
        for i in 0..100 {
            q.put_nowait(i).unwrap();
        }
        let total = Rc::new(RefCell::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (q, total) = (q.clone(), total.clone());
                glassloop::spawn(async move {
                    loop {
                        let item: i32 = q.get().await;
                        *total.borrow_mut() += item;
                        q.task_done();
                    }
                })
            })
            .collect();
        q.join().await;
        assert_eq!(*total.borrow(), (0..100).sum::<i32>());
        for worker in workers {
            worker.abort();
        }
    });
}

// test_queues.py: test_join_empty_queue
#[test]
fn join_on_an_empty_queue_returns_at_once() {
    run(async {
        let q: Queue<i32> = Queue::unbounded();
        q.join().await;
        q.join().await;
    });
}

// test_queues.py: test_task_done_underflow (asyncio: ValueError; glassloop: a panic saying so)
#[test]
#[should_panic(expected = "task_done called more times")]
fn task_done_more_often_than_put_panics() {
    run(async {
        Queue::<i32>::unbounded().task_done();
    });
}

// asyncio's `join` returns once the count of unfinished items has reached zero, even if a `put`
// comes in before the joiner runs (its future was resolved by the last `task_done`).
#[test]
fn join_returns_when_the_count_reached_zero_even_if_a_put_follows() {
    run(async {
        let q = Queue::unbounded();
        q.put_nowait(1).unwrap();
        let joiner = glassloop::spawn({
            let q = q.clone();
            async move { q.join().await }
        });
        glassloop::yield_now().await; // the joiner waits
        assert_eq!(q.get_nowait(), Ok(1));
        q.task_done(); // the count is zero: the joiner is released
        q.put_nowait(2).unwrap(); // before it runs
        glassloop::timeout(Duration::from_secs(1), joiner)
            .await
            .expect("join returned")
            .unwrap();
    });
}

// test_queues.py: LifoQueueTests.test_order, PriorityQueueTests.test_order
#[test]
fn lifo_and_priority_queues_take_the_last_and_the_smallest() {
    run(async {
        let lifo = Queue::lifo(0);
        let priority = Queue::priority(0);
        for i in [1, 3, 2] {
            lifo.put_nowait(i).unwrap();
            priority.put_nowait(i).unwrap();
        }
        let take = |q: &Queue<i32>| (0..3).map(|_| q.get_nowait().unwrap()).collect::<Vec<_>>();
        assert_eq!(take(&lifo), [2, 3, 1]);
        assert_eq!(take(&priority), [1, 2, 3]);
        // Bounded like any queue, and a waiting getter gets the smallest.
        let bounded = Queue::priority(2);
        bounded.put_nowait(5).unwrap();
        bounded.put_nowait(4).unwrap();
        assert!(bounded.is_full());
        assert_eq!(bounded.get().await, 4);
    });
}

// test_queues.py (3.13): _QueueShutdownTestMixin.test_shutdown_empty — after shutdown a send is
// refused, and a recv on the empty queue gives None.
#[test]
fn a_shut_down_queue_refuses_sends_and_recv_ends() {
    run(async {
        let q = Queue::unbounded();
        q.shutdown(false);
        assert!(q.is_shut_down());
        assert_eq!(q.send(1).await, Err(glassloop::sync::QueueShutDown(1)));
        assert_eq!(q.recv().await, None);
    });
}

// test_queues.py (3.13): test_shutdown_nonempty — what was queued is still delivered, then the
// end; test_shutdown_getter — a waiting getter is released.
#[test]
fn shutdown_delivers_what_is_queued_then_releases_the_getters() {
    run(async {
        let q = Queue::unbounded();
        q.send("a").await.unwrap();
        q.shutdown(false);
        assert_eq!(q.recv().await, Some("a"));
        let waiting = glassloop::spawn({
            let q = q.clone();
            async move { q.recv().await }
        });
        glassloop::yield_now().await;
        assert_eq!(waiting.await.unwrap(), None);
        // A waiting getter released by the shutdown itself.
        let q = Queue::<u8>::unbounded();
        let waiting = glassloop::spawn({
            let q = q.clone();
            async move { q.recv().await }
        });
        glassloop::yield_now().await;
        q.shutdown(false);
        assert_eq!(waiting.await.unwrap(), None);
    });
}

// test_queues.py (3.13): test_shutdown_immediate — queued items are dropped, counted done (join
// returns), and getters get the end at once; test_shutdown_putter — a waiting putter gets its
// item back.
#[test]
fn an_immediate_shutdown_drops_the_items_and_releases_everyone() {
    run(async {
        let q = Queue::bounded(1);
        q.send(1).await.unwrap();
        let putter = glassloop::spawn({
            let q = q.clone();
            async move { q.send(2).await }
        });
        let joiner = glassloop::spawn({
            let q = q.clone();
            async move { q.join().await }
        });
        glassloop::yield_now().await;
        q.shutdown(true);
        assert_eq!(
            putter.await.unwrap(),
            Err(glassloop::sync::QueueShutDown(2))
        );
        joiner.await.unwrap();
        assert!(q.is_empty());
        assert_eq!(q.recv().await, None);
    });
}

// asyncio's `get` raises QueueShutDown; glassloop's `get` (whose output is the item) panics
// saying to use `recv`, and the panic stays in its task.
#[test]
fn get_on_a_shut_down_empty_queue_panics_with_advice() {
    run(async {
        let q = Queue::<u8>::unbounded();
        q.shutdown(false);
        let getter = glassloop::spawn({
            let q = q.clone();
            async move { q.get().await }
        });
        let error = getter.await.unwrap_err();
        assert!(
            error.panic_message().unwrap().contains("use Queue::recv"),
            "{error}"
        );
    });
}
