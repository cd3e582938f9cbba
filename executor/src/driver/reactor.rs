//! The reactor: where the loop sleeps, and how I/O readiness becomes a wake — asyncio's selector.
//!
//! asyncio's `BaseSelectorEventLoop` asks a `selectors.DefaultSelector` (epoll on Linux) "which of my
//! sockets can make progress? wait at most this long". glassloop asks `mio::Poll`, which is epoll
//! under the hood. Three things can end the wait:
//!
//! 1. a registered socket became readable or writable — its stored waker is woken;
//! 2. another thread poked the [`mio::Waker`] (token [`WAKE_TOKEN`]) — the loop drains its channel;
//! 3. the timeout ran out — the next timer is due.
//!
//! mio is **edge-triggered**: it reports a socket once when it *becomes* ready, not on every wait while
//! it stays ready. So the reactor remembers readiness per source, and only forgets it when an operation
//! actually returns `WouldBlock` ([`Reactor::clear_readiness`]). Forgetting it earlier would lose the
//! edge and hang the task; never forgetting it would spin.
//!
//! Each source has a read waker and a write waker, so one task can wait to read while another waits to
//! write on the same socket. A "read closed" or error event wakes both: whichever side is waiting must
//! find out.
//!
//! The wakes of one poll are delivered in the order epoll reported the events, or, with a seed, in
//! a seeded order ([`seed.rs`](super::seed)).
//!
//! Read next: the loop, [`event_loop/`](crate::event_loop), which owns this and the timers; then
//! [`io/`](crate::io), the sockets built on it.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::{Events, Interest, Token};

use super::seed::Seeded;
use crate::store_waker::store_waker;

/// The token of the cross-thread `mio::Waker`; no source ever gets it.
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

/// Which half of a source a task waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Waiting for data to read (or a connection to accept).
    Read,
    /// Waiting for room to write (or a connect to finish).
    Write,
}

/// Names a registered source: its slot and the slot's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SourceKey {
    index: u32,
    generation: u32,
}

impl SourceKey {
    fn token(self) -> Token {
        Token(((self.generation as usize) << 32) | self.index as usize)
    }

    fn from_token(token: Token) -> SourceKey {
        SourceKey {
            index: token.0 as u32,
            generation: (token.0 >> 32) as u32,
        }
    }

    /// The number shown in the trace.
    pub(crate) fn number(self) -> u32 {
        self.index
    }
}

/// What the stepper shows of one registered source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourceState {
    pub(crate) number: u32,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    pub(crate) reader_waits: bool,
    pub(crate) writer_waits: bool,
}

/// What the reactor knows about one source.
#[derive(Default)]
struct SourceSlot {
    generation: u32,
    in_use: bool,
    readable: bool,
    writable: bool,
    /// The peer will send no more (or the socket failed). Sticky: unlike readiness it is never
    /// forgotten, so a reader that cleared `readable` after draining the last bytes still learns
    /// of the end — the close may have come in the very event that brought those bytes.
    read_closed: bool,
    /// Writing can no longer succeed (the socket failed or was shut down). Sticky too.
    write_closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// The selector and the table of registered sources.
pub(crate) struct Reactor {
    poll: mio::Poll,
    events: Events,
    sources: Vec<SourceSlot>,
    free: Vec<u32>,
    registered: usize,
    /// Reused buffer for the wakers a poll collects, with the source each belongs to.
    woken: Vec<(u32, Waker)>,
    /// With a seed: the generator that orders the wakes one poll delivers.
    seeded: Option<Rc<Seeded>>,
}

impl Reactor {
    /// A new selector (an epoll instance).
    pub(crate) fn new(seeded: Option<Rc<Seeded>>) -> io::Result<Reactor> {
        Ok(Reactor {
            seeded,
            poll: mio::Poll::new()?,
            events: Events::with_capacity(1024),
            sources: Vec::new(),
            free: Vec::new(),
            registered: 0,
            woken: Vec::new(),
        })
    }

    /// The registry, to create the cross-thread waker.
    pub(crate) fn registry(&self) -> &mio::Registry {
        self.poll.registry()
    }

    /// How many sources are registered.
    pub(crate) fn registered(&self) -> usize {
        self.registered
    }

    /// Each registered source: its number (as the trace says `socket #N`), whether it is known
    /// readable, and writable, and whether a task waits to read, and to write.
    pub(crate) fn sources(&self) -> Vec<SourceState> {
        (0u32..)
            .zip(&self.sources)
            .filter(|(_, slot)| slot.in_use)
            .map(|(number, slot)| SourceState {
                number,
                readable: slot.readable,
                writable: slot.writable,
                reader_waits: slot.read_waker.is_some(),
                writer_waits: slot.write_waker.is_some(),
            })
            .collect()
    }

    /// Registers `source` for both directions and returns its key.
    pub(crate) fn register(
        &mut self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<SourceKey> {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.sources.push(SourceSlot::default());
                (self.sources.len() - 1) as u32
            }
        };
        let slot = &mut self.sources[index as usize];
        let key = SourceKey {
            index,
            generation: slot.generation,
        };
        let result = self.poll.registry().register(
            source,
            key.token(),
            Interest::READABLE | Interest::WRITABLE,
        );
        if let Err(error) = result {
            self.free.push(index);
            return Err(error);
        }
        slot.in_use = true;
        // Optimistic: a new socket may already be readable or writable, and with edge-triggered
        // events we would only hear about it on the next edge. So the first operation just tries;
        // a `WouldBlock` clears the flag and from then on the edges keep it honest.
        slot.readable = true;
        slot.writable = true;
        slot.read_closed = false;
        slot.write_closed = false;
        self.registered += 1;
        Ok(key)
    }

    /// Deregisters `source`; the key goes stale, so a late event for it is ignored. Returns the
    /// wakers that were still stored, for the caller to drop outside any borrow.
    pub(crate) fn deregister(
        &mut self,
        key: SourceKey,
        source: &mut impl mio::event::Source,
    ) -> (Option<Waker>, Option<Waker>) {
        // Deregistering can only fail if the fd is already gone; either way we forget it.
        let _ = self.poll.registry().deregister(source);
        self.release(key)
    }

    /// Frees the slot of a source whose fd is already closed (dropped off the loop's thread).
    pub(crate) fn release(&mut self, key: SourceKey) -> (Option<Waker>, Option<Waker>) {
        let Some(slot) = self.slot_mut(key) else {
            return (None, None);
        };
        slot.in_use = false;
        slot.generation = slot.generation.wrapping_add(1);
        let wakers = (slot.read_waker.take(), slot.write_waker.take());
        self.free.push(key.index);
        self.registered -= 1;
        wakers
    }

    fn slot_mut(&mut self, key: SourceKey) -> Option<&mut SourceSlot> {
        self.sources
            .get_mut(key.index as usize)
            .filter(|slot| slot.in_use && slot.generation == key.generation)
    }

    /// `Ready` if the source is known to be ready in `direction`; otherwise stores the task's waker
    /// (replacing an older one only if it would wake someone else) and returns `Pending`. The
    /// replaced waker is returned so the caller drops it outside the reactor's borrow.
    pub(crate) fn poll_ready(
        &mut self,
        key: SourceKey,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> (Poll<()>, Option<Waker>) {
        let Some(slot) = self.slot_mut(key) else {
            // A stale key means the source was closed under us: report ready so the caller's next
            // system call returns the real error instead of waiting forever.
            return (Poll::Ready(()), None);
        };
        let (ready, waker) = match direction {
            Direction::Read => (slot.readable || slot.read_closed, &mut slot.read_waker),
            Direction::Write => (slot.writable || slot.write_closed, &mut slot.write_waker),
        };
        if ready {
            return (Poll::Ready(()), None);
        }
        (Poll::Pending, store_waker(waker, cx.waker()))
    }

    /// Forgets readiness after an operation returned `WouldBlock`: the next edge will set it again.
    pub(crate) fn clear_readiness(&mut self, key: SourceKey, direction: Direction) {
        if let Some(slot) = self.slot_mut(key) {
            match direction {
                Direction::Read => slot.readable = false,
                Direction::Write => slot.writable = false,
            }
        }
    }

    /// Waits for events for at most `timeout` (`None`: until something happens) and records
    /// readiness. Returns the wakers to wake, with the source each belongs to (give the list back
    /// with [`give_back`](Self::give_back) once they are woken), and whether the cross-thread
    /// waker was among the events.
    pub(crate) fn poll(
        &mut self,
        timeout: Option<Duration>,
    ) -> io::Result<(Vec<(u32, Waker)>, bool)> {
        let mut woken = std::mem::take(&mut self.woken);
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            // A signal interrupted the wait: just report "nothing happened"; the loop goes round.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => return Ok((woken, false)),
            Err(error) => return Err(error),
        }
        let mut poked = false;
        for event in self.events.iter() {
            if event.token() == WAKE_TOKEN {
                poked = true;
                continue;
            }
            let key = SourceKey::from_token(event.token());
            let Some(slot) = self
                .sources
                .get_mut(key.index as usize)
                .filter(|slot| slot.in_use && slot.generation == key.generation)
            else {
                continue; // an event for a source that has since been closed
            };
            // A closed or failed socket must wake both sides: a reader gets 0 or the error, a
            // writer gets the error, instead of waiting for an edge that will never come.
            let broken = event.is_error() || event.is_read_closed() || event.is_write_closed();
            slot.read_closed |= event.is_read_closed() || event.is_error();
            slot.write_closed |= event.is_write_closed() || event.is_error();
            if event.is_readable() || broken {
                slot.readable = true;
                if let Some(waker) = slot.read_waker.take() {
                    woken.push((key.index, waker));
                }
            }
            if event.is_writable() || broken {
                slot.writable = true;
                if let Some(waker) = slot.write_waker.take() {
                    woken.push((key.index, waker));
                }
            }
        }
        if let Some(seeded) = &self.seeded {
            // The events of one poll arrived together: wake their tasks in a seeded order.
            seeded.shuffle(&mut woken, |&(source, _)| u64::from(source));
        }
        Ok((woken, poked))
    }

    /// Takes back the (emptied) list [`poll`](Self::poll) handed out, for the next poll.
    pub(crate) fn give_back(&mut self, woken: Vec<(u32, Waker)>) {
        self.woken = woken;
    }
}
