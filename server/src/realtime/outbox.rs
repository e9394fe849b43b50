//! A connection's outgoing bytes: written straight to the socket by whichever thread emits, and
//! queued only while the socket cannot take them.
//!
//! Why not a channel to the connection's task, as most servers do? On a fan-out every receiver
//! then costs a channel push, a task wake-up, a poll of the task's `select!` and a trip through
//! the WebSocket library's write buffer, before the one `send` system call that is the real work:
//! measured, that was half of the server's CPU per delivered message (bench/RESULTS-realtime.md).
//! Here the emitting thread (a room's tick thread, a broadcast) calls `send` on a non-blocking
//! socket itself. The bytes are complete WebSocket frames made once per packet
//! ([`super::wire`]) and shared by every receiver, so nothing is copied or framed per client.
//!
//! Only when the kernel's send buffer is full (a slow or stalled reader) do frames wait in the
//! backlog, which the connection task writes out as the socket drains. The backlog is what
//! `send_queue_depth` bounds; its policy is [`Outbox::send`]'s. All writes happen under one short
//! lock (a non-blocking system call, never an `.await`), so frames never interleave.

use super::deflate::Compressor;
use backlog::Backlog;
use bytes::Bytes;
use parking_lot::Mutex;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// The writing half of a connection's socket, usable from any thread.
pub trait RawSink: Send + Sync + 'static {
    /// Writes what the socket takes now without blocking (`WouldBlock` when it takes nothing).
    /// A plain `send` costs the kernel less than a one-buffer `writev`.
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    /// Like `try_write`, for several buffers in one system call.
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;
    /// Ready once the socket may take more bytes.
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

impl RawSink for TcpStream {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        TcpStream::try_write(self, buf)
    }

    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        TcpStream::try_write_vectored(self, bufs)
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TcpStream::poll_write_ready(self, cx)
    }
}

/// Whether the socket took a frame at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Written to the socket.
    Written,
    /// Queued in the backlog for the connection task.
    Queued,
}

/// The error a writer of control frames gets when the backlog is full: the peer makes the server
/// answer (WebSocket pings) without reading what it is sent. The connection closes as a slow
/// consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the send backlog is full: the peer is not reading")]
pub struct BacklogFull;

/// What [`Outbox::defer`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferred {
    /// The first frame held back since the last `uncork`: the outbox must be uncorked later.
    First,
    /// Held back with others.
    Again,
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The connection is gone (or its socket failed).
    Closed,
    /// A volatile frame met a backlog three quarters full.
    Dropped,
    /// A reliable frame met a full backlog: the peer is a slow consumer and must be closed.
    Overflow,
}

/// What a sender says about its frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frames {
    /// May be dropped when the client is behind (see [`Outbox::send`]).
    pub volatile: bool,
    /// This connection's alone (made for this receiver): compressed if the connection
    /// negotiated permessage-deflate. Frames shared by many receivers never are
    /// ([`super::deflate`]).
    pub own: bool,
}

impl Frames {
    /// Frames made for this one connection.
    pub fn own(volatile: bool) -> Self {
        Self {
            volatile,
            own: true,
        }
    }

    /// Frames shared with other receivers (or protocol frames): sent as they are.
    pub fn shared(volatile: bool) -> Self {
        Self {
            volatile,
            own: false,
        }
    }
}

/// How [`Outbox::enter`] treats a frame that finds the backlog empty.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// Write it to the socket now.
    Write,
    /// Queue it: a corked thread writes it later.
    Hold,
}

struct State {
    /// `None` once the connection task has let the socket go: nothing more may be written.
    sink: Option<Arc<dyn RawSink>>,
    backlog: Backlog,
    /// Frames were held back by a corked thread ([`super::cork`]) and await `uncork`.
    corked: bool,
    /// This connection's permessage-deflate stream, if it negotiated one ([`super::deflate`]).
    /// Used here, under the lock, once a frame is admitted: so the peer receives every message
    /// the stream saw, in the same order.
    compressor: Option<Box<Compressor>>,
}

/// One connection's outbox. Cheap to share (`Arc`); every method is non-blocking.
pub struct Outbox {
    state: Mutex<State>,
    /// Wakes the connection task when the backlog goes from empty to not, or a write fails.
    wake: Notify,
    depth: usize,
}

impl Outbox {
    /// An outbox over `sink` whose backlog holds at most `depth` frames.
    pub fn new(sink: Arc<dyn RawSink>, depth: usize) -> Self {
        Self {
            state: Mutex::new(State {
                sink: Some(sink),
                backlog: Backlog::default(),
                corked: false,
                compressor: None,
            }),
            wake: Notify::new(),
            depth: depth.max(1),
        }
    }

    /// Sends one complete frame (or frames that must stay together).
    ///
    /// Slow-consumer policy: a `volatile` frame is dropped once the backlog is three quarters
    /// full, so a client that is merely behind loses frames rather than its connection and the
    /// last quarter stays free for reliable messages; a reliable frame that finds the backlog full
    /// is refused with [`Refused::Overflow`] and the caller closes the connection, because losing
    /// it silently would desynchronise the client.
    pub fn send(&self, frame: &Bytes, volatile: bool) -> Result<Sent, Refused> {
        self.send_as(frame, Frames::shared(volatile))
    }

    /// [`Outbox::send`] for frames that are this connection's alone, or shared by many
    /// ([`Frames`]).
    pub fn send_as(&self, frame: &Bytes, how: Frames) -> Result<Sent, Refused> {
        self.enter(&mut self.state.lock(), frame, how, Entry::Write)
    }

    /// Holds `frame` back without writing (the thread is corked), under the same policy as
    /// [`Outbox::send`]. The frames go out at [`Outbox::uncork`], together.
    pub fn defer(&self, frame: &Bytes, how: Frames) -> Result<Deferred, Refused> {
        let mut st = self.state.lock();
        self.enter(&mut st, frame, how, Entry::Hold)?;
        Ok(if std::mem::replace(&mut st.corked, true) {
            Deferred::Again
        } else {
            Deferred::First
        })
    }

    /// The one way a frame enters: behind an empty backlog it is written at once (or, held, just
    /// queued); behind other frames the slow-consumer policy ([`Outbox::admit`]) decides whether
    /// it may queue. Only an admitted frame is compressed.
    fn enter(
        &self,
        st: &mut State,
        frame: &Bytes,
        how: Frames,
        entry: Entry,
    ) -> Result<Sent, Refused> {
        let State {
            sink,
            backlog,
            compressor,
            ..
        } = st;
        let Some(sink) = sink.as_deref() else {
            return Err(Refused::Closed);
        };
        if backlog.failed.is_some() {
            return Err(Refused::Closed);
        }
        let queued = !backlog.frames.is_empty();
        if queued {
            self.admit(backlog.frames.len(), how.volatile)?;
        }
        let compressed;
        let frame = match compressor.as_deref_mut() {
            Some(compressor) if how.own => match compressor.compress(frame) {
                Ok(c) => {
                    compressed = c;
                    &compressed
                }
                Err(e) => {
                    backlog.failed = Some(io::ErrorKind::InvalidData);
                    tracing::warn!(error = %e, "closing the connection");
                    self.wake.notify_one();
                    return Err(Refused::Closed);
                }
            },
            _ => frame,
        };
        if !queued && entry == Entry::Write {
            return Ok(self.write_or_queue(backlog, sink, frame));
        }
        backlog.frames.push_back(frame.clone());
        Ok(Sent::Queued)
    }

    /// From now on, this connection's own frames are compressed with `compressor`.
    pub fn set_compressor(&self, compressor: Compressor) {
        self.state.lock().compressor = Some(Box::new(compressor));
    }

    /// Writes what was held back, in one system call when the socket takes it all.
    pub fn uncork(&self) {
        let mut st = self.state.lock();
        st.corked = false;
        let State { sink, backlog, .. } = &mut *st;
        let Some(sink) = sink.as_deref() else { return };
        if backlog.failed.is_some() || backlog.frames.is_empty() {
            return;
        }
        match backlog.write_to(sink) {
            Ok(true) => {}
            Ok(false) => self.wake.notify_one(),
            Err(e) => {
                backlog.failed = Some(e.kind());
                self.wake.notify_one();
            }
        }
    }

    /// Leaves what was held back to the connection task (it writes as the socket allows).
    pub fn uncork_later(&self) {
        self.state.lock().corked = false;
        self.wake.notify_one();
    }

    /// The slow-consumer policy for a frame that finds `queued` frames waiting.
    fn admit(&self, queued: usize, volatile: bool) -> Result<(), Refused> {
        if volatile && queued >= self.depth - self.depth / 4 {
            return Err(Refused::Dropped);
        }
        if queued >= self.depth {
            return Err(if volatile {
                Refused::Dropped
            } else {
                Refused::Overflow
            });
        }
        Ok(())
    }

    /// Sends a frame the protocol itself needs (a pong, a close frame). It is bounded like a
    /// reliable emit, or a peer flooding pings without reading would grow the backlog forever.
    pub fn send_control(&self, frame: Bytes) -> Result<(), BacklogFull> {
        match self.enter(
            &mut self.state.lock(),
            &frame,
            Frames::shared(false),
            Entry::Write,
        ) {
            Ok(_) => Ok(()),
            // the connection is going away anyway: nothing to answer
            Err(Refused::Closed) => Ok(()),
            Err(Refused::Dropped | Refused::Overflow) => Err(BacklogFull),
        }
    }

    fn write_or_queue(&self, backlog: &mut Backlog, sink: &dyn RawSink, frame: &Bytes) -> Sent {
        loop {
            match sink.try_write(frame) {
                Ok(n) if n >= frame.len() => return Sent::Written,
                Ok(n) => {
                    backlog.front_started = n > 0;
                    backlog.frames.push_back(frame.slice(n..));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    backlog.front_started = false;
                    backlog.frames.push_back(frame.clone());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => backlog.failed = Some(e.kind()),
            }
            self.wake.notify_one();
            return Sent::Queued;
        }
    }

    /// Frames waiting in the backlog.
    pub fn backlog_len(&self) -> usize {
        self.state.lock().backlog.frames.len()
    }

    /// Writes the backlog out as the socket drains; returns only when the socket fails. Meant to
    /// sit in the connection task's `select!`: dropping it between polls loses nothing.
    pub async fn run_writer(&self) -> io::Error {
        loop {
            while self.is_idle() {
                self.wake.notified().await;
            }
            if let Err(e) = poll_fn(|cx| self.poll_flush(cx)).await {
                return e;
            }
        }
    }

    /// Writes the backlog out completely (used when closing, under a timeout).
    pub async fn flush(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// Nothing for the writer to do: no backlog, or only frames a corked thread is still adding
    /// to (it hands them over when it uncorks).
    fn is_idle(&self) -> bool {
        let st = self.state.lock();
        st.backlog.failed.is_none() && (st.backlog.frames.is_empty() || st.corked)
    }

    /// Ready when the backlog is empty (or the socket failed); otherwise writes what the socket
    /// takes and waits for it to take more.
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let sink = {
                let mut st = self.state.lock();
                let State { sink, backlog, .. } = &mut *st;
                if let Some(kind) = backlog.failed {
                    return Poll::Ready(Err(kind.into()));
                }
                let Some(sink) = sink.as_ref() else {
                    return Poll::Ready(Ok(()));
                };
                match backlog.write_to(&**sink) {
                    Ok(true) => return Poll::Ready(Ok(())),
                    Ok(false) => sink.clone(),
                    Err(e) => {
                        backlog.failed = Some(e.kind());
                        return Poll::Ready(Err(e));
                    }
                }
            };
            ready!(sink.poll_write_ready(cx))?;
        }
    }

    /// Drops every queued frame a peer has not started to receive (used before a close frame
    /// when the connection ends in error: there is no point finishing the backlog).
    pub fn discard_unstarted(&self) {
        let mut st = self.state.lock();
        let backlog = &mut st.backlog;
        let keep = usize::from(backlog.front_started && !backlog.frames.is_empty());
        backlog.frames.truncate(keep);
    }

    /// Moves the connection to another socket (a long-polling session upgraded to WebSocket):
    /// `handover` runs under the outbox's lock, so no emit slips between, and returns what the
    /// old sink held unsent; it goes out first, before the backlog, so nothing is lost, reordered
    /// or sent twice. `false` if the connection is already gone. Emits never see this: it costs
    /// the hot path nothing.
    /// A `compressor` (the WebSocket negotiated permessage-deflate) applies to what is sent after
    /// the switch; what the poll buffer held goes uncompressed, which the peer's stream allows.
    pub fn switch_sink(
        &self,
        sink: Arc<dyn RawSink>,
        handover: impl FnOnce() -> Vec<u8>,
        compressor: Option<Compressor>,
    ) -> bool {
        let mut st = self.state.lock();
        if st.sink.is_none() || st.backlog.failed.is_some() {
            return false;
        }
        st.compressor = compressor.map(Box::new);
        let held = handover();
        if !held.is_empty() {
            st.backlog.frames.push_front(Bytes::from(held));
            st.backlog.front_started = false;
        }
        st.sink = Some(sink);
        self.wake.notify_one();
        true
    }

    /// Lets the socket go: nothing more is written, and the socket closes once the connection
    /// task drops its own handle.
    pub fn release(&self) {
        let mut st = self.state.lock();
        st.sink = None;
        st.backlog = Backlog::default();
        st.corked = false;
        st.compressor = None;
    }
}

mod backlog;
#[cfg(test)]
pub(crate) mod tests;
