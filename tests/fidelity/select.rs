//! `select!` — tokio's `select!` (reference: `tokio/tests/macros_select.rs`), with one deliberate
//! difference: glassloop's is always biased (the first ready branch in written order wins).

use std::cell::Cell;
use std::future::{pending, poll_fn, ready};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::virtual_runtime().block_on(future)
}

// macros_select.rs: sync_one_lit_expr_comma, sync_one_lit_expr_no_comma, sync_one_lit_expr_block
#[test]
fn one_branch_with_or_without_a_comma_or_a_block() {
    run(async {
        assert_eq!(glassloop::select! { x = async { 1 } => x, }, 1);
        assert_eq!(glassloop::select! { x = async { 1 } => x }, 1);
        assert_eq!(glassloop::select! { x = async { 1 } => { x } }, 1);
    });
}

// macros_select.rs: no_branch_else_only, no_branch_else_only_biased
#[test]
fn an_else_alone_is_taken() {
    run(async {
        assert_eq!(glassloop::select! { else => 1 }, 1);
        assert_eq!(glassloop::select! { biased; else => 1, }, 1);
    });
}

// macros_select.rs: nested_one, nested
#[test]
fn selects_nest() {
    run(async {
        let sum = glassloop::select! {
            x = async { 1 } => glassloop::select! { y = async { 2 } => x + y },
        };
        assert_eq!(sum, 3);
    });
}

// macros_select.rs: sync_two (tokio: either may win; glassloop: the first always does)
#[test]
fn of_two_ready_branches_only_the_first_is_polled() {
    run(async {
        let polls = Cell::new(0);
        let won = glassloop::select! {
            a = async { polls.set(polls.get() + 1); 1 } => a,
            b = async { polls.set(polls.get() + 1); 2 } => b,
        };
        assert_eq!((won, polls.get()), (1, 1));
    });
}

// macros_select.rs: select_streams — a branch whose pattern does not match is disabled, and the
// `else` runs once every branch is. (Two "channels" that yield `None` once closed.)
#[test]
fn a_refutable_pattern_that_does_not_match_disables_its_branch() {
    run(async {
        let first = std::cell::RefCell::new(std::collections::VecDeque::from([1, 3]));
        let second = std::cell::RefCell::new(std::collections::VecDeque::from([2]));
        // Like a channel's `recv`: it takes an item only when it completes.
        async fn recv(
            channel: &std::cell::RefCell<std::collections::VecDeque<u32>>,
        ) -> Option<u32> {
            glassloop::yield_now().await;
            channel.borrow_mut().pop_front()
        }
        let mut got = Vec::new();
        loop {
            let more = glassloop::select! {
                Some(x) = recv(&first) => { got.push(x); true }
                Some(y) = recv(&second) => { got.push(y); true }
                else => false,
            };
            if !more {
                break;
            }
        }
        // Biased: the first channel wins while it has items; once it is closed its branch is
        // disabled at every select, and the second's item comes through; then `else`.
        assert_eq!(got, [1, 3, 2]);
    });
}

// macros_select.rs: future_panics_after_poll — a branch that did not match is not polled again.
#[test]
fn a_branch_that_did_not_match_is_not_polled_again() {
    run(async {
        let mut polled = false;
        let nothing = poll_fn(|_| {
            assert!(!polled, "polled again after its output did not match");
            polled = true;
            Poll::Ready(None::<u32>)
        });
        let later = async {
            glassloop::yield_now().await;
            glassloop::yield_now().await;
            7
        };
        let got = glassloop::select! {
            Some(_) = nothing => unreachable!(),
            n = later => n,
        };
        assert_eq!(got, 7);
    });
}

// macros_select.rs: disable_with_if, use_future_in_if_condition(_biased)
#[test]
fn a_false_precondition_disables_a_branch_before_it_is_polled() {
    run(async {
        let never_poll = poll_fn(|_| -> Poll<()> { panic!("a disabled branch was polled") });
        glassloop::select! {
            _ = never_poll, if false => unreachable!(),
            _ = glassloop::sleep(Duration::from_millis(5)) => {}
        }
        glassloop::select! {
            biased;
            _ = glassloop::sleep(Duration::from_secs(10)), if false => panic!("if ignored"),
            _ = async { 1u32 } => {}
        }
    });
}

// macros_select.rs: join_with_select — preconditions in a loop turn select! into a join.
#[test]
fn preconditions_in_a_loop_join_two_futures() {
    run(async {
        let mut a_fut = pin!(async {
            glassloop::sleep(Duration::from_millis(20)).await;
            123
        });
        let mut b_fut = pin!(async {
            glassloop::sleep(Duration::from_millis(10)).await;
            456
        });
        let (mut a, mut b) = (None, None);
        while a.is_none() || b.is_none() {
            glassloop::select! {
                v = &mut a_fut, if a.is_none() => a = Some(v),
                v = &mut b_fut, if b.is_none() => b = Some(v),
            }
        }
        assert_eq!((a, b), (Some(123), Some(456)));
    });
}

// macros_select.rs: (tokio panics "all branches are disabled and there is no else branch")
#[test]
fn every_branch_disabled_and_no_else_panics_with_a_clear_message() {
    let panic = std::panic::catch_unwind(|| {
        run(async {
            glassloop::select! {
                Some(x) = async { None::<u32> } => x,
                y = async { 2 }, if false => y,
            }
        })
    })
    .unwrap_err();
    let message = crate::support::panic_text(panic);
    assert!(message.contains("every branch is disabled"), "{message}");
}

// macros_select.rs: mut_on_left_hand_side, mut_ref_patterns
#[test]
fn patterns_may_bind_mut_and_ref_mut() {
    run(async {
        let v = glassloop::select! {
            mut a = async { 1 } => { a += 1; a }
        };
        assert_eq!(v, 2);
        glassloop::select! {
            Some(mut text) = async { Some("1".to_string()) } => {
                text.push('2');
                assert_eq!(text, "12");
            }
        }
        glassloop::select! {
            Some(ref mut text) = async { Some("1".to_string()) } => {
                text.push('2');
                assert_eq!(*text, "12");
            }
        }
        glassloop::select! {
            Some(ref text) = async { Some("1".to_string()) } => assert_eq!(*text, "1"),
        }
        glassloop::select! {
            (1, [x, _]) = async { (1, [2, 3]) } => assert_eq!(x, 2),
        }
    });
}

// macros_select.rs: biased_one_not_ready, biased_eventually_ready
#[test]
fn biased_polls_in_written_order() {
    run(async {
        let got = glassloop::select! {
            biased;
            _ = pending::<()>() => unreachable!(),
            x = ready(2) => x,
            _ = ready(3) => panic!("polled before the branch above it"),
        };
        assert_eq!(got, 2);
        let mut one = pin!(async {});
        let mut two = pin!(glassloop::yield_now());
        let mut three = pin!(glassloop::yield_now());
        let mut count = 0;
        loop {
            glassloop::select! {
                biased;
                _ = &mut two, if count < 2 => { count += 1; assert_eq!(count, 2); }
                _ = &mut three, if count < 3 => { count += 1; assert_eq!(count, 3); }
                _ = &mut one, if count < 1 => { count += 1; assert_eq!(count, 1); }
                else => break,
            }
        }
        assert_eq!(count, 3);
    });
}

// macros_select.rs: mutable_borrowing_future_with_same_borrow_in_block(_and_else) — the losers
// are dropped before the handler runs, so it may use what they borrowed.
#[test]
fn the_handler_may_use_what_the_losers_borrowed() {
    run(async {
        async fn borrow_mut(_: &mut i32) {
            pending::<()>().await
        }
        let mut value = 234;
        glassloop::select! {
            _ = borrow_mut(&mut value) => {}
            _ = async {} => value += 5,
            else => value += 27,
        }
        assert_eq!(value, 239);
    });
}

// macros_select.rs: many_branches (64 there; glassloop's macro reads branches recursively)
#[test]
fn thirty_two_branches() {
    run(async {
        let n = glassloop::select! {
            x = async { 1 } => x, x = async { 2 } => x, x = async { 3 } => x, x = async { 4 } => x,
            x = async { 5 } => x, x = async { 6 } => x, x = async { 7 } => x, x = async { 8 } => x,
            x = async { 1 } => x, x = async { 2 } => x, x = async { 3 } => x, x = async { 4 } => x,
            x = async { 5 } => x, x = async { 6 } => x, x = async { 7 } => x, x = async { 8 } => x,
            x = async { 1 } => x, x = async { 2 } => x, x = async { 3 } => x, x = async { 4 } => x,
            x = async { 5 } => x, x = async { 6 } => x, x = async { 7 } => x, x = async { 8 } => x,
            x = async { 1 } => x, x = async { 2 } => x, x = async { 3 } => x, x = async { 4 } => x,
            x = async { 5 } => x, x = async { 6 } => x, x = async { 7 } => x, x = async { 8 } => x,
        };
        assert_eq!(n, 1);
    });
}
