//! glassloop's own primitives under seeded schedules: what `sync::*`, `TaskGroup`, `select!`,
//! `as_completed`, `timeout` and `gather` promise must hold in whatever order the loop takes the
//! things that are ready together. Each test runs its body under 300 seeds (each on virtual
//! time); `GLASSLOOP_SEEDS=5000 cargo test --release --test seeded_toolbox` searches longer, and a
//! failing seed prints the `GLASSLOOP_SEED=…` command that replays it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use glassloop::sync::{Barrier, Condition, Event, Lock, Queue, Semaphore};
use glassloop::TaskGroup;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[glassloop::test(seeds = 300)]
async fn a_lock_lets_one_task_at_a_time_read_await_and_write() {
    let counter = Lock::new(0u32);
    let inside = Cell::new(0);
    let (counter, inside) = (&counter, &inside);
    glassloop::gather((0..6u64).map(|i| async move {
        for round in 0..3 {
            let mut guard = counter.lock().await;
            inside.set(inside.get() + 1);
            assert_eq!(inside.get(), 1, "two tasks inside the lock");
            let seen = *guard;
            glassloop::sleep(ms((i + round) % 3)).await; // the await a lost update needs
            *guard = seen + 1;
            inside.set(inside.get() - 1);
        }
    }))
    .await;
    assert_eq!(*counter.lock().await, 18);
}

#[glassloop::test(seeds = 300)]
async fn a_semaphore_never_lets_more_in_than_its_permits() {
    let semaphore = Semaphore::new(2);
    let inside = Cell::new(0);
    let most = Cell::new(0);
    let (semaphore, inside, most) = (&semaphore, &inside, &most);
    glassloop::gather((0..7u64).map(|i| async move {
        let _permit = semaphore.acquire().await;
        inside.set(inside.get() + 1);
        most.set(most.get().max(inside.get()));
        glassloop::sleep(ms(1 + i % 2)).await;
        inside.set(inside.get() - 1);
    }))
    .await;
    assert_eq!(most.get(), 2);
    assert_eq!(semaphore.available_permits(), 2);
}

#[glassloop::test(seeds = 300)]
async fn a_bounded_queue_delivers_every_item_once_in_each_producers_order() {
    let queue = Rc::new(Queue::bounded(2));
    let producers = (0..3u32).map(|p| {
        let queue = queue.clone();
        glassloop::spawn(async move {
            for n in 0..5u32 {
                queue.put((p, n)).await;
                if n % 2 == 0 {
                    glassloop::yield_now().await;
                }
            }
        })
    });
    let producers: Vec<_> = producers.collect();
    let received = Rc::new(RefCell::new(Vec::new()));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let (queue, received) = (queue.clone(), received.clone());
            glassloop::spawn(async move {
                loop {
                    let item = queue.get().await;
                    received.borrow_mut().push(item);
                    queue.task_done();
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.unwrap();
    }
    queue.join().await; // every item taken and marked done
    for consumer in consumers {
        consumer.abort();
    }
    let received = received.take();
    assert_eq!(received.len(), 15);
    for p in 0..3 {
        let from_p: Vec<u32> = received.iter().filter(|i| i.0 == p).map(|i| i.1).collect();
        assert_eq!(from_p, [0, 1, 2, 3, 4], "producer {p}'s items in its order");
    }
}

#[glassloop::test(seeds = 300)]
async fn a_queue_shut_down_lets_getters_drain_then_tells_them() {
    let queue = Queue::unbounded();
    for n in 0..3 {
        queue.put_nowait(n).unwrap();
    }
    let got = RefCell::new(Vec::new());
    let ended = Cell::new(0);
    let (queue, got, ended) = (&queue, &got, &ended);
    let getters = glassloop::gather((0..3).map(|_| async move {
        while let Some(item) = queue.recv().await {
            got.borrow_mut().push(item);
            glassloop::yield_now().await;
        }
        ended.set(ended.get() + 1);
    }));
    let closer = async {
        glassloop::sleep(ms(1)).await;
        queue.shutdown(false);
    };
    glassloop::gather!(getters, closer).await;
    let mut got = got.take();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(ended.get(), 3, "every getter was told");
}

#[glassloop::test(seeds = 300)]
async fn an_event_wakes_every_waiter_and_a_condition_one_per_notify() {
    let event = Event::new();
    let woke = Cell::new(0);
    let (event, woke) = (&event, &woke);
    let waiters = glassloop::gather((0..4).map(|_| async move {
        event.wait().await;
        woke.set(woke.get() + 1);
    }));
    let setter = async {
        glassloop::sleep(ms(2)).await;
        assert_eq!(woke.get(), 0);
        event.set();
    };
    glassloop::gather!(waiters, setter).await;
    assert_eq!(woke.get(), 4);

    let items = Condition::new(0u32);
    let served = Cell::new(0);
    let (items, served) = (&items, &served);
    let consumers = glassloop::gather((0..3).map(|_| async move {
        let guard = items.lock().await;
        let mut guard = guard.wait_for(|n| *n > 0).await;
        *guard -= 1;
        served.set(served.get() + 1);
    }));
    let producer = async {
        for _ in 0..3 {
            glassloop::sleep(ms(1)).await;
            let mut guard = items.lock().await;
            *guard += 1;
            guard.notify(1);
        }
    };
    glassloop::gather!(consumers, producer).await;
    assert_eq!(served.get(), 3);
    assert_eq!(*items.lock().await, 0);
}

#[glassloop::test(seeds = 300)]
async fn a_barrier_releases_its_parties_together_with_distinct_indices() {
    let barrier = Barrier::new(4);
    let passed = Cell::new(0);
    let (barrier, passed) = (&barrier, &passed);
    let mut indices = glassloop::gather((0..4u64).map(|i| async move {
        glassloop::sleep(ms(i % 2)).await;
        let index = barrier.wait().await.expect("not broken");
        passed.set(passed.get() + 1);
        index
    }))
    .await;
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2, 3]);
    assert_eq!(passed.get(), 4);
}

#[glassloop::test(seeds = 300)]
async fn a_task_group_stops_at_the_first_failure_and_cancels_the_rest() {
    let group = TaskGroup::new();
    let finished = Rc::new(Cell::new(0));
    let mut handles = Vec::new();
    for i in 0..5u64 {
        let finished = finished.clone();
        handles.push(group.spawn(async move {
            glassloop::sleep(ms(if i == 2 { 3 } else { 10 + i })).await;
            if i == 2 {
                return Err(format!("child {i} failed"));
            }
            finished.set(finished.get() + 1);
            Ok(())
        }));
    }
    let error = group.join().await.expect_err("child 2 fails");
    assert_eq!(error.failure().map(String::as_str), Some("child 2 failed"));
    assert_eq!(
        finished.get(),
        0,
        "every sibling was cancelled before it finished"
    );
    for handle in handles {
        assert!(handle.await.unwrap_err().is_cancelled());
    }
}

#[glassloop::test(seeds = 300)]
async fn select_takes_the_first_ready_branch_in_written_order() {
    let ready_first = async {
        glassloop::sleep(ms(2)).await;
        "a"
    };
    let also_ready = async {
        glassloop::sleep(ms(2)).await;
        "b"
    };
    let late = async {
        glassloop::sleep(ms(9)).await;
        "c"
    };
    let picked = glassloop::select! {
        x = late => x,
        y = also_ready, if false => y,
        z = ready_first => z,
    };
    assert_eq!(picked, "a", "b was disabled, c was not ready yet");
    let tie = glassloop::select! {
        one = glassloop::sleep(ms(1)) => { let () = one; 1 },
        two = glassloop::sleep(ms(1)) => { let () = two; 2 },
        else => 0,
    };
    assert_eq!(tie, 1);
}

#[glassloop::test(seeds = 300)]
async fn as_completed_and_timeout_keep_time_exactly() {
    let start = glassloop::now();
    let waits = [25u64, 5, 15, 5, 20];
    let mut done = glassloop::as_completed(waits.iter().enumerate().map(|(i, &wait)| async move {
        glassloop::sleep(ms(wait)).await;
        (i, wait)
    }));
    let mut order = Vec::new();
    while let Some((i, wait)) = done.next().await {
        assert_eq!(glassloop::now() - start, ms(wait), "child {i} at its time");
        order.push(wait);
    }
    assert_eq!(order, [5, 5, 15, 20, 25]);

    let start = glassloop::now();
    let late = glassloop::timeout(ms(7), glassloop::sleep(ms(8))).await;
    assert!(late.is_err());
    assert_eq!(
        glassloop::now() - start,
        ms(7),
        "the timeout fires at its deadline"
    );
    let on_time = glassloop::timeout(ms(7), async {
        glassloop::sleep(ms(6)).await;
        "done"
    })
    .await;
    assert_eq!(on_time, Ok("done"));
}

#[glassloop::test(seeds = 300)]
async fn try_gather_returns_the_first_error_in_time_and_drops_the_rest() {
    let dropped = Rc::new(Cell::new(0));
    struct Noted(Rc<Cell<u32>>);
    impl Drop for Noted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let children = (0..5u64).map(|i| {
        let noted = Noted(dropped.clone());
        async move {
            let _noted = noted;
            glassloop::sleep(ms(match i {
                1 => 4,
                3 => 4,
                _ => 9,
            }))
            .await;
            if i == 1 || i == 3 {
                Err(i)
            } else {
                Ok(i)
            }
        }
    });
    let failed = glassloop::try_gather(children)
        .await
        .expect_err("1 or 3 fails");
    assert!(
        failed == 1 || failed == 3,
        "a tie at 4 ms: either may be first"
    );
    assert_eq!(
        dropped.get(),
        5,
        "every child is gone once the error is returned"
    );
    let outputs = glassloop::gather((0..4u64).map(|i| async move {
        glassloop::sleep(ms(4 - i)).await;
        i
    }))
    .await;
    assert_eq!(
        outputs,
        [0, 1, 2, 3],
        "outputs in input order, whatever the finishing order"
    );
}
