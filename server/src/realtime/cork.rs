//! Corking: hold a thread's emits back and send each connection's share in one write.
//!
//! Emits normally go to the socket at once (one `send` each, see [`super::outbox`]). A producer
//! that emits several packets to the same clients in one burst (a game room's tick: a frame, then
//! every few ticks a leaderboard, to each player) can cork instead: while a [`Cork`] lives on a
//! thread, that thread's emits are queued without a system call, and when it drops every
//! connection that received something is written once, its packets together in one `writev`.
//! The idea is Node's `socket.cork()` and uWebSockets' `cork`; here it is per thread, so it needs
//! no handle to pass around and a cork on one thread never delays another thread's emits.
//!
//! [`Cork::handing_off`] leaves those writes to each connection's own task instead of the corking
//! thread: a game room's tick thread then only computes (its tick stays short when the machine is
//! busy), the writes interleave fairly with each connection's reads, and when the tasks fall
//! behind a connection's frames of several ticks leave in one write, so under overload the cost
//! per frame falls instead of the tick slipping. bench/RESULTS-realtime.md has the comparison.

use super::outbox::{Deferred, Frames, Outbox, Refused, Sent};
use bytes::Bytes;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::Arc;

#[derive(Default)]
struct CorkState {
    active: bool,
    /// Outboxes holding deferred frames, each once. Kept between corks for its capacity.
    touched: Vec<Arc<Outbox>>,
}

thread_local! {
    static CORK: RefCell<CorkState> = RefCell::new(CorkState::default());
}

/// While alive, emits made on this thread are held back; dropping it sends them. Nested corks
/// are allowed (only the outermost one sends). Tied to its thread.
#[must_use = "emits are sent when the cork is dropped"]
pub struct Cork {
    outermost: bool,
    /// Whether the connections' own tasks write (else this thread does, in `drop`).
    hand_off: bool,
    _on_this_thread: PhantomData<*const ()>,
}

impl Cork {
    /// Corks this thread; the writes happen when the cork drops, on this thread.
    pub fn begin() -> Self {
        Self::start(false)
    }

    /// Corks this thread; when the cork drops, each connection that received something is
    /// handed to its own task to write.
    pub fn handing_off() -> Self {
        Self::start(true)
    }

    fn start(hand_off: bool) -> Self {
        let outermost = CORK.with(|c| {
            let mut state = c.borrow_mut();
            !std::mem::replace(&mut state.active, true)
        });
        Self {
            outermost,
            hand_off,
            _on_this_thread: PhantomData,
        }
    }
}

impl Drop for Cork {
    /// Sends what was held back: one write per connection. Runs on unwind too.
    fn drop(&mut self) {
        if !self.outermost {
            return;
        }
        let mut touched = CORK.with(|c| {
            let mut state = c.borrow_mut();
            state.active = false;
            std::mem::take(&mut state.touched)
        });
        for outbox in touched.drain(..) {
            if self.hand_off {
                outbox.uncork_later();
            } else {
                outbox.uncork();
            }
        }
        // hand the (now empty) list back for its capacity
        CORK.with(|c| {
            let mut state = c.borrow_mut();
            if state.touched.capacity() < touched.capacity() {
                state.touched = touched;
            }
        });
    }
}

/// Sends `frame` through `outbox`, held back if this thread is corked.
pub(crate) fn send(outbox: &Arc<Outbox>, frame: &Bytes, how: Frames) -> Result<Sent, Refused> {
    let deferred = CORK.with(|c| {
        let mut state = c.borrow_mut();
        if !state.active {
            return None;
        }
        let result = outbox.defer(frame, how);
        if result == Ok(Deferred::First) {
            state.touched.push(Arc::clone(outbox));
        }
        Some(result.map(|_| Sent::Queued))
    });
    deferred.unwrap_or_else(|| outbox.send_as(frame, how))
}

#[cfg(test)]
mod tests {
    use super::super::outbox::tests::FakeSink;
    use super::*;

    #[test]
    fn a_corked_thread_sends_each_connection_its_frames_in_one_write_when_the_cork_drops() {
        let (a, b) = (FakeSink::new(1000), FakeSink::new(1000));
        let outbox_a = Arc::new(Outbox::new(a.clone(), 8));
        let outbox_b = Arc::new(Outbox::new(b.clone(), 8));
        let frame = |tag: u8| Bytes::from(vec![tag; 3]);
        {
            let _cork = Cork::begin();
            for tag in 1..=2 {
                assert_eq!(
                    send(&outbox_a, &frame(tag), Frames::shared(true)),
                    Ok(Sent::Queued)
                );
                assert_eq!(
                    send(&outbox_b, &frame(tag + 10), Frames::shared(false)),
                    Ok(Sent::Queued)
                );
            }
            {
                let _inner = Cork::begin();
            }
            assert_eq!(a.writes(), 0, "an inner cork does not send");
        }
        assert_eq!(a.writes(), 1);
        assert_eq!(*a.taken.lock(), [1, 1, 1, 2, 2, 2]);
        assert_eq!(*b.taken.lock(), [11, 11, 11, 12, 12, 12]);
        // uncorked again: straight to the socket
        assert_eq!(
            send(&outbox_a, &frame(3), Frames::shared(false)),
            Ok(Sent::Written)
        );
        assert_eq!(a.writes(), 2);
    }
}
