//! Exercise 3: `gather` in O(n).

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use glassloop_exercises::e03_gather_in_o_n::{join_all, naive_join_all};

/// A child that waits until the test wakes it, counting its polls.
struct Child {
    id: usize,
    polls: Rc<Cell<usize>>,
    wakers: Rc<RefCell<Vec<Option<Waker>>>>,
    released: Rc<RefCell<Vec<bool>>>,
}

impl Future for Child {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls.set(self.polls.get() + 1);
        if self.released.borrow()[self.id] {
            return Poll::Ready(self.id * 10);
        }
        self.wakers.borrow_mut()[self.id] = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Runs a gather of `n` children, releasing and waking one child at a time; the outputs and how
/// many child polls it took.
fn run<G: Future<Output = Vec<usize>>>(
    n: usize,
    make: impl FnOnce(Vec<Child>) -> G,
) -> (Vec<usize>, usize) {
    let polls = Rc::new(Cell::new(0));
    let wakers = Rc::new(RefCell::new(vec![None; n]));
    let released = Rc::new(RefCell::new(vec![false; n]));
    let children = (0..n)
        .map(|id| Child {
            id,
            polls: polls.clone(),
            wakers: wakers.clone(),
            released: released.clone(),
        })
        .collect();
    let (parent, _) = support::counting_waker();
    let mut cx = Context::from_waker(&parent);
    let mut gather = pin!(make(children));
    assert!(gather.as_mut().poll(&mut cx).is_pending());
    for id in (0..n).rev() {
        released.borrow_mut()[id] = true;
        let waker = wakers.borrow_mut()[id]
            .take()
            .expect("the child stored a waker");
        waker.wake();
        if let Poll::Ready(outputs) = gather.as_mut().poll(&mut cx) {
            return (outputs, polls.get());
        }
    }
    panic!("all children were released and woken, and the gather is still pending");
}

#[test]
fn the_naive_one_is_right_and_quadratic() {
    let (outputs, polls) = run(100, naive_join_all);
    assert_eq!(outputs, (0..100).map(|i| i * 10).collect::<Vec<_>>());
    assert!(polls > 5000, "{polls}");
}

#[test]
fn join_all_polls_only_the_woken_children() {
    let (outputs, polls) = run(100, join_all);
    assert_eq!(
        outputs,
        (0..100).map(|i| i * 10).collect::<Vec<_>>(),
        "outputs in input order"
    );
    assert!(
        polls <= 200,
        "{polls} child polls for 100 children that each woke once: not O(n)"
    );
}

#[test]
fn join_all_wakes_its_parent_when_a_child_is_woken() {
    let released = Rc::new(RefCell::new(vec![false]));
    let wakers = Rc::new(RefCell::new(vec![None]));
    let child = Child {
        id: 0,
        polls: Rc::new(Cell::new(0)),
        wakers: wakers.clone(),
        released: released.clone(),
    };
    let (parent, counter) = support::counting_waker();
    let mut gather = pin!(join_all(vec![child]));
    assert!(gather
        .as_mut()
        .poll(&mut Context::from_waker(&parent))
        .is_pending());
    released.borrow_mut()[0] = true;
    wakers.borrow_mut()[0].take().unwrap().wake();
    assert_eq!(
        counter.wakes(),
        1,
        "a child's wake must reach the task that awaits the gather"
    );
}

#[test]
fn it_runs_on_a_real_loop() {
    let outputs = glassloop::run(async {
        join_all(
            [30u64, 10, 20]
                .into_iter()
                .map(|ms| async move {
                    glassloop::sleep(std::time::Duration::from_millis(ms)).await;
                    ms
                })
                .collect(),
        )
        .await
    });
    assert_eq!(outputs, [30, 10, 20]);
}
