//! What the loop drives: its clock and timers, and its selector — asyncio's `loop.time()`, the
//! `loop._scheduled` heap, and `selectors.DefaultSelector`.
//!
//! The loop owns these, and nothing here knows the loop: they are plain data structures the loop
//! calls (tokio calls its versions the time and I/O *drivers*). The futures that wait on them —
//! `sleep`, sockets — sit above the loop, in `time/` and `io/`, and reach them through the loop.
//!
//! - [`clock.rs`](clock) — the loop's time, real or virtual, and its ticks;
//! - [`timers.rs`](timers) — the timer wheel of armed timers, on that clock;
//! - [`reactor.rs`](reactor) — the selector (epoll, through mio) and the registered sockets;
//! - [`seed.rs`](seed) — the seeded generator that orders what is ready at the same time, when
//!   the loop has a seed.

pub(crate) mod clock;
pub(crate) mod reactor;
pub(crate) mod seed;
pub(crate) mod timers;
