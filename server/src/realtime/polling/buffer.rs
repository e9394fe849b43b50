//! What a long-polling session holds for its next GET: the socket the outbox writes to.
//!
//! [`PollBuffer`] is a [`RawSink`], so to the connection's [`Outbox`](super::super::outbox) it is
//! just a socket with a small send buffer: emits, corks and the slow-consumer policy work exactly
//! as on a WebSocket, and the outbox gains nothing per emit. It takes whole writes only (a frame
//! is never split), up to [`POLL_BUFFER_BYTES`] (or one write, when it is empty); when it is full
//! the outbox queues in its backlog, bounded by `send_queue_depth`, as it does for a full kernel
//! buffer. A GET ([`PollBuffer::poll`]) takes everything, turns the frames into one polling
//! payload ([`super::payload::frames_to_payload`]) and frees the room. A poller that stops
//! polling therefore holds at most this buffer plus the backlog, and is cut by the heartbeat
//! (its pings go unanswered), exactly like a WebSocket client that stops reading.
//!
//! The buffer also carries the session's phase as the HTTP side sees it: open, upgrading (the
//! probe succeeded: GETs are released with a noop so the client can pause polling), closing (the
//! next GET gets what is left and then a close or noop packet), and gone (every request is
//! refused: closed, or upgraded to WebSocket). Lock order: the outbox's lock, then this one.

use super::super::outbox::RawSink;
use super::payload::{self, MAX_PACKETS_PER_POLL};
use parking_lot::Mutex;
use std::io::{self, IoSlice};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::sync::Notify;

/// Bytes of frames a session holds for its next GET before the outbox starts queueing (what a
/// kernel send buffer is to a WebSocket). 64 KiB holds a dozen game frames, more than a client
/// gathers between two polls on any usable link, and bounds every session's buffer.
pub const POLL_BUFFER_BYTES: usize = 64 * 1024;

/// How long a GET that arrives while the session is upgrading waits before it is answered with a
/// noop (the JS server forces a polling cycle every 100 ms then). Lets the upgrade's `5` arrive
/// first, after which the GET is refused, as the protocol asks.
pub const UPGRADE_NOOP_DELAY: Duration = Duration::from_millis(100);

/// Noop and close packets.
const NOOP: u8 = b'6';
const CLOSE: u8 = b'1';

/// The session's phase, as HTTP requests see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    /// The probe succeeded; `noop_due`: release the pending (or next) GET with a noop at once.
    Upgrading {
        noop_due: bool,
    },
    /// The next GET gets what is left, then this packet; then the session is gone.
    Closing(u8),
    Gone,
}

struct State {
    /// WebSocket frames written by the outbox, waiting for a GET, whole.
    frames: Vec<u8>,
    phase: Phase,
    /// A GET is waiting right now (a second one is an overlap).
    polling: bool,
    /// The outbox's writer, waiting for room.
    writer: Option<Waker>,
}

/// Why a GET gets no payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PollRefused {
    /// The session is closed or upgraded (HTTP 400, unknown sid).
    #[error("the session is closed or upgraded")]
    Gone,
    /// Another GET is already waiting: the protocol says the session closes (HTTP 400).
    #[error("a second poll while one is pending")]
    Overlap,
}

/// One session's pending output and phase.
pub struct PollBuffer {
    state: Mutex<State>,
    /// Wakes the waiting GET.
    ready: Notify,
    /// Wakes whoever waits for the closing packet to be taken.
    gone: Notify,
}

impl Default for PollBuffer {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                frames: Vec::new(),
                phase: Phase::Open,
                polling: false,
                writer: None,
            }),
            ready: Notify::new(),
            gone: Notify::new(),
        }
    }
}

impl PollBuffer {
    /// What the GET gets now, if anything: the frames as a payload, then any closing packet.
    fn take(&self, st: &mut State) -> Result<Option<Vec<u8>>, PollRefused> {
        let mut body = Vec::new();
        let used = payload::frames_to_payload(&st.frames, &mut body, MAX_PACKETS_PER_POLL);
        st.frames.drain(..used);
        if st.frames.is_empty()
            && let Some(w) = st.writer.take()
        {
            w.wake();
        }
        let drained = st.frames.is_empty();
        match st.phase {
            Phase::Gone if body.is_empty() => return Err(PollRefused::Gone),
            Phase::Closing(packet) if drained => {
                petri_shared::polling::push_text(&mut body, &[packet]);
                st.phase = Phase::Gone;
                self.gone.notify_waiters();
            }
            Phase::Upgrading { noop_due: true } if body.is_empty() => {
                st.phase = Phase::Upgrading { noop_due: false };
                body.push(NOOP);
            }
            _ => {}
        }
        Ok((!body.is_empty()).then_some(body))
    }

    /// What a handshake GET answers with: the open packet just written, without waiting.
    pub fn take_now(&self) -> Vec<u8> {
        self.take(&mut self.state.lock())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// A GET: waits until there is something to send (the heartbeat's ping bounds the wait) and
    /// returns it as a polling payload. Dropping the future (the client went away) frees the
    /// poll slot and loses nothing: frames leave the buffer only when returned.
    pub async fn poll(&self) -> Result<Vec<u8>, PollRefused> {
        {
            let mut st = self.state.lock();
            if st.phase == Phase::Gone {
                return Err(PollRefused::Gone);
            }
            if std::mem::replace(&mut st.polling, true) {
                return Err(PollRefused::Overlap);
            }
        }
        let _slot = PollSlot(self);
        loop {
            let mut ready = pin!(self.ready.notified());
            ready.as_mut().enable();
            let upgrading = {
                let mut st = self.state.lock();
                if let Some(body) = self.take(&mut st)? {
                    return Ok(body);
                }
                matches!(st.phase, Phase::Upgrading { .. })
            };
            if upgrading {
                if tokio::time::timeout(UPGRADE_NOOP_DELAY, ready)
                    .await
                    .is_err()
                {
                    self.release_with_noop();
                }
            } else {
                ready.await;
            }
        }
    }

    /// The probe succeeded: the pending GET (or the next) is answered with a noop.
    pub fn upgrading(&self) {
        let mut st = self.state.lock();
        if matches!(st.phase, Phase::Open | Phase::Upgrading { .. }) {
            st.phase = Phase::Upgrading { noop_due: true };
            self.ready.notify_one();
        }
    }

    /// The probe failed: polling goes on as before.
    pub fn upgrade_abandoned(&self) {
        let mut st = self.state.lock();
        if let Phase::Upgrading { .. } = st.phase {
            st.phase = Phase::Open;
        }
    }

    fn release_with_noop(&self) {
        let mut st = self.state.lock();
        if let Phase::Upgrading { .. } = st.phase {
            st.phase = Phase::Upgrading { noop_due: true };
        }
    }

    /// The upgrade is complete: every HTTP request is refused from now on, and the frames no GET
    /// took are handed over, to go first on the WebSocket (they are WebSocket frames already).
    pub fn take_for_upgrade(&self) -> Vec<u8> {
        let mut st = self.state.lock();
        st.phase = Phase::Gone;
        self.wake_all(&mut st);
        std::mem::take(&mut st.frames)
    }

    /// The session ends. `graceful`: the next GET still gets what is buffered, then `packet`
    /// (the caller waits for that with [`PollBuffer::delivered`], bounded); otherwise only a GET
    /// already waiting gets it, and the session is gone at once.
    pub fn finish(&self, packet: Closing, graceful: bool) {
        let mut st = self.state.lock();
        if st.phase == Phase::Gone {
            return;
        }
        let byte = match packet {
            Closing::Close => CLOSE,
            Closing::Noop => NOOP,
        };
        st.phase = if graceful || st.polling {
            Phase::Closing(byte)
        } else {
            Phase::Gone
        };
        self.wake_all(&mut st);
    }

    /// Completes once the closing packet was taken (or the session is gone otherwise).
    pub async fn delivered(&self) {
        loop {
            let mut gone = pin!(self.gone.notified());
            gone.as_mut().enable();
            if self.state.lock().phase == Phase::Gone {
                return;
            }
            gone.await;
        }
    }

    /// Nothing more is delivered: every request is refused.
    pub fn gone(&self) {
        let mut st = self.state.lock();
        st.phase = Phase::Gone;
        st.frames = Vec::new();
        self.wake_all(&mut st);
    }

    fn wake_all(&self, st: &mut State) {
        self.ready.notify_one();
        self.gone.notify_waiters();
        if let Some(w) = st.writer.take() {
            w.wake();
        }
    }

    /// Bytes held for the next GET.
    pub fn held(&self) -> usize {
        self.state.lock().frames.len()
    }
}

/// What the last GET of a closing session ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// `1`: the server closes the session.
    Close,
    /// `6`: the client closed it; the pending poll just ends.
    Noop,
}

/// Frees the poll slot when a GET ends, however it ends.
struct PollSlot<'a>(&'a PollBuffer);

impl Drop for PollSlot<'_> {
    fn drop(&mut self) {
        self.0.state.lock().polling = false;
    }
}

impl RawSink for PollBuffer {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.try_write_vectored(&[IoSlice::new(buf)])
    }

    /// Takes whole buffers while they fit (the first always, into an empty buffer).
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut st = self.state.lock();
        if matches!(st.phase, Phase::Gone | Phase::Closing(_)) {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let mut taken = 0;
        for buf in bufs {
            if !st.frames.is_empty() && st.frames.len() + buf.len() > POLL_BUFFER_BYTES {
                break;
            }
            st.frames.extend_from_slice(buf);
            taken += buf.len();
        }
        if taken == 0 && bufs.iter().any(|b| !b.is_empty()) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.ready.notify_one();
        Ok(taken)
    }

    /// Ready once a GET emptied the buffer (or the session is gone, so the write fails).
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.state.lock();
        if st.frames.is_empty() || st.phase == Phase::Gone {
            return Poll::Ready(Ok(()));
        }
        st.writer = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests;
