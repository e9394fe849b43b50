//! The Engine.IO layer: what a session is, how the upper layer plugs in, and the handle used to
//! send to a connection from anywhere.
//!
//! Engine.IO knows nothing about Socket.IO: it owns a WebSocket, does the open handshake and the
//! heartbeat, and hands every `message` to an [`EngineSession`]. Socket.IO is one such session
//! ([`super::SocketIo`] implements [`EngineService`]); the conformance example plugs in
//! a plain echo to run the official Engine.IO test suite. Keeping the layers apart keeps each
//! small enough to reason about.

use super::cork;
use super::outbox::{Frames, Outbox, Refused};
use super::packet::EncodedPacket;
use super::stats::ConnectionStats;
use super::wire;
use super::{DisconnectReason, EmitError, RealtimeConfig};
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Notify;

/// Error returned by a session for a packet that breaks the protocol; the connection is closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProtocolError(pub String);

impl ProtocolError {
    /// Builds the error from anything printable.
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

/// Creates the per-connection session. Implemented by [`super::SocketIo`].
pub trait EngineService: Send + Sync + 'static {
    /// Limits and timings for every connection.
    fn config(&self) -> &RealtimeConfig;
    /// The counters the HTTP side keeps for this service (open connections, refusals).
    fn stats(&self) -> &Arc<ConnectionStats>;
    /// Called once a session is open (a WebSocket, or a polling handshake) and the Engine.IO
    /// `open` packet is sent.
    fn open(&self, conn: EngineConn) -> Box<dyn EngineSession>;
}

/// The upper layer's per-connection state. Called only from the connection's own task, so it
/// needs no locking; every method must return quickly (it runs on the read loop).
pub trait EngineSession: Send {
    /// An Engine.IO text `message` (the part after the `4`).
    fn on_text(&mut self, text: &str) -> Result<(), ProtocolError>;
    /// A binary `message` (a whole WebSocket binary frame).
    fn on_binary(&mut self, data: Bytes) -> Result<(), ProtocolError>;
    /// The connection is gone; called exactly once.
    fn on_close(&mut self, reason: &DisconnectReason);
    /// Whether the upper layer considers the connection established. While `false`, the
    /// connection is closed after `connect_timeout` (Socket.IO: no namespace joined yet).
    fn is_attached(&self) -> bool {
        true
    }
}

struct ConnShared {
    sid: Arc<str>,
    peer: Option<SocketAddr>,
    outbox: Arc<Outbox>,
    closing: AtomicBool,
    reason: Mutex<Option<DisconnectReason>>,
    wake: Notify,
}

/// A cheap, cloneable handle to one Engine.IO connection. All methods are plain non-async calls
/// that never block, so they are usable from any thread (e.g. a game room's tick thread).
#[derive(Clone)]
pub struct EngineConn {
    inner: Arc<ConnShared>,
}

impl std::fmt::Debug for EngineConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConn")
            .field("sid", &self.inner.sid)
            .finish()
    }
}

impl EngineConn {
    pub(crate) fn new(sid: Arc<str>, peer: Option<SocketAddr>, outbox: Arc<Outbox>) -> Self {
        Self {
            inner: Arc::new(ConnShared {
                sid,
                peer,
                outbox,
                closing: AtomicBool::new(false),
                reason: Mutex::new(None),
                wake: Notify::new(),
            }),
        }
    }

    /// The Engine.IO session id.
    pub fn sid(&self) -> &str {
        &self.inner.sid
    }

    /// The TCP peer address (as seen by this server; behind a proxy, the proxy's).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer
    }

    /// Sends complete WebSocket frames without waiting: straight to the socket when it takes
    /// them, else into the connection's backlog. When the backlog is full the client is a slow
    /// consumer: a `volatile` packet is dropped; otherwise the connection is closed (reliable
    /// delivery can no longer be guaranteed, and buffering without bound would let one client eat
    /// the server's memory). See [`Outbox::send`].
    pub fn send_frames(&self, wire: &Bytes, volatile: bool) -> Result<(), EmitError> {
        self.send_frames_as(wire, Frames::own(volatile))
    }

    /// [`EngineConn::send_frames`] for frames that are this connection's alone (compressed if it
    /// negotiated permessage-deflate) or shared by many receivers (sent as they are).
    pub fn send_frames_as(&self, wire: &Bytes, how: Frames) -> Result<(), EmitError> {
        if self.is_closing() {
            return Err(EmitError::Disconnected);
        }
        match cork::send(&self.inner.outbox, wire, how) {
            Ok(_) => Ok(()),
            Err(Refused::Dropped) => {
                tracing::trace!(sid = %self.inner.sid, "volatile packet dropped: client is behind");
                Err(EmitError::QueueFull)
            }
            Err(Refused::Overflow) => {
                self.close(DisconnectReason::SlowConsumer);
                Err(EmitError::QueueFull)
            }
            Err(Refused::Closed) => Err(EmitError::Disconnected),
        }
    }

    /// Sends an encoded packet (`how`: see [`Frames`]).
    pub fn send_packet(&self, packet: &EncodedPacket, how: Frames) -> Result<(), EmitError> {
        self.send_frames_as(packet.wire(), how)
    }

    /// Sends one text frame (a complete Engine.IO packet, type digit included).
    pub fn send_text(&self, text: &str, volatile: bool) -> Result<(), EmitError> {
        self.send_frames(&wire::text_frame(text), volatile)
    }

    /// Sends one binary frame (a raw Engine.IO binary message).
    pub fn send_binary(&self, data: &[u8], volatile: bool) -> Result<(), EmitError> {
        self.send_frames(&wire::binary_frame(data), volatile)
    }

    /// Asks the connection task to close the connection (idempotent; the first reason wins).
    /// Already queued packets are still flushed before the WebSocket closes.
    pub fn close(&self, reason: DisconnectReason) {
        if !self.inner.closing.swap(true, Ordering::AcqRel) {
            *self.inner.reason.lock() = Some(reason);
            // `notify_one` stores a permit if the task is not waiting right now.
            self.inner.wake.notify_one();
        }
    }

    /// Whether the connection is closed or closing.
    pub fn is_closing(&self) -> bool {
        self.inner.closing.load(Ordering::Acquire)
    }

    pub(crate) async fn close_requested(&self) -> DisconnectReason {
        self.inner.wake.notified().await;
        self.inner
            .reason
            .lock()
            .take()
            .unwrap_or(DisconnectReason::ForcedClose)
    }

    #[cfg(test)]
    fn outbox(&self) -> &Arc<Outbox> {
        &self.inner.outbox
    }

    pub(crate) fn mark_closed(&self) {
        self.inner.closing.store(true, Ordering::Release);
    }
}

/// A fresh 20-character URL-safe id, used for Engine.IO session ids and Socket.IO socket ids.
///
/// Made from a process-wide counter hashed with SipHash under random per-process keys (std's
/// `RandomState`), so ids are unique and not guessable from each other, without pulling a RNG
/// crate. 120 bits: a long-polling session is reached by its sid alone (as in every Engine.IO
/// server), so a sid must not be guessable from another; Petri authenticates nothing else by it.
pub fn new_id() -> Arc<str> {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let keys = KEYS.get_or_init(RandomState::new);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = keys.hash_one((n, 0u8));
    let b = keys.hash_one((n, 1u8));
    let mut bits = (u128::from(a) << 64) | u128::from(b);
    let mut id = String::with_capacity(20);
    for _ in 0..20 {
        id.push(ALPHABET[(bits & 63) as usize] as char);
        bits >>= 6;
    }
    id.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_url_safe() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|i| {
            i.len() == 20
                && i.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        }));
    }

    #[tokio::test]
    async fn a_full_backlog_drops_volatile_and_closes_reliable() {
        // a connected socket whose peer never reads: the kernel buffer fills, then the backlog
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _peer = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let conn = EngineConn::new(new_id(), None, Arc::new(Outbox::new(Arc::new(server), 4)));
        let big = wire::binary_frame(&vec![0u8; 64 * 1024]);
        let mut sent = 0;
        while conn.outbox().backlog_len() == 0 && sent < 10_000 {
            assert_eq!(conn.send_frames(&big, false), Ok(()));
            sent += 1;
        }
        assert_eq!(
            conn.outbox().backlog_len(),
            1,
            "the kernel buffer filled up"
        );
        assert_eq!(conn.send_frames(&big, true), Ok(()));
        assert_eq!(conn.send_frames(&big, true), Ok(()));
        assert_eq!(conn.send_frames(&big, true), Err(EmitError::QueueFull));
        assert!(
            !conn.is_closing(),
            "dropping volatile frames keeps the connection"
        );
        assert_eq!(conn.send_frames(&big, false), Ok(()));
        assert_eq!(conn.send_frames(&big, false), Err(EmitError::QueueFull));
        assert!(
            conn.is_closing(),
            "a reliable frame that does not fit closes it"
        );
        assert_eq!(conn.send_text("4d", false), Err(EmitError::Disconnected));
    }
}
