//! A Socket.IO socket: one client's membership in one namespace.
//!
//! A client connected to `/` and `/admin` over one WebSocket has two sockets sharing one
//! [`EngineConn`]. Sockets are handed out as [`SocketRef`] (`Arc<Socket>`) so game code can keep
//! them, e.g. in a room's player table, and emit to them from its own thread: every emit is a
//! non-blocking write to the connection's socket, or into its bounded backlog when the socket is
//! full (see [`super::outbox`] and the slow-consumer policy in
//! [`super::RealtimeConfig::send_queue_depth`]).

use super::ack::{Ack, wait_for_ack};
use super::engine::EngineConn;
use super::extensions::Extensions;
use super::namespace::Namespace;
use super::outbox::Frames;
use super::packet::{self, EncodedPacket, PreparedPacket, encode_event};
use super::room_name::RoomName;
use super::{AckError, DisconnectReason, EmitError, Payload};
use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use petri_shared::socketio;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;

/// Shared handle to a socket.
pub type SocketRef = Arc<Socket>;

/// An event handler: `(socket, args, ack if the client asked for one)`. Called on the
/// connection's task: it must not block (push work into a queue, or `tokio::spawn`).
pub type EventHandler = Arc<dyn Fn(&SocketRef, Payload, Option<Ack>) + Send + Sync>;

/// Called for an event no handler is registered for: `(socket, event name, ack if asked)`.
pub type UnknownEventHandler = Arc<dyn Fn(&SocketRef, &str, Option<Ack>) + Send + Sync>;

type DisconnectHandler = Box<dyn FnOnce(&SocketRef, &DisconnectReason) + Send>;

/// One client in one namespace.
pub struct Socket {
    pub(super) id: Arc<str>,
    pub(super) ns: Arc<Namespace>,
    conn: EngineConn,
    auth: Value,
    connected: AtomicBool,
    handlers: RwLock<HashMap<String, EventHandler>>,
    on_unknown: RwLock<Option<UnknownEventHandler>>,
    on_disconnect: Mutex<Option<DisconnectHandler>>,
    pub(crate) acks: Mutex<HashMap<u64, oneshot::Sender<Payload>>>,
    next_ack: AtomicU64,
    rooms: Mutex<HashSet<RoomName>>,
    /// When the socket was created, in ms since the Unix epoch (JS `handshake.issued`).
    issued_ms: u64,
    /// Typed per-socket data owned by the application.
    pub extensions: Extensions,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.id)
            .field("ns", &self.ns.path())
            .finish()
    }
}

impl Socket {
    pub(crate) fn new(ns: Arc<Namespace>, conn: EngineConn, auth: Value) -> SocketRef {
        Arc::new(Self {
            id: super::engine::new_id(),
            ns,
            conn,
            auth,
            connected: AtomicBool::new(false),
            handlers: RwLock::new(HashMap::new()),
            on_unknown: RwLock::new(None),
            on_disconnect: Mutex::new(None),
            acks: Mutex::new(HashMap::new()),
            next_ack: AtomicU64::new(0),
            rooms: Mutex::new(HashSet::new()),
            issued_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            extensions: Extensions::default(),
        })
    }

    /// The socket id (what the client sees as `socket.id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn id_arc(&self) -> &Arc<str> {
        &self.id
    }

    /// The namespace path, e.g. `/`.
    pub fn ns(&self) -> &str {
        self.ns.path()
    }

    /// The namespace this socket belongs to (to emit to its rooms or all its sockets).
    pub fn namespace(&self) -> &Arc<Namespace> {
        &self.ns
    }

    /// The auth payload of the CONNECT packet (`{}` when the client sent none, like the JS
    /// server).
    pub fn auth(&self) -> &Value {
        &self.auth
    }

    /// The underlying Engine.IO session id (shared by the client's sockets in other namespaces).
    pub fn engine_sid(&self) -> &str {
        self.conn.sid()
    }

    /// The client's TCP address (behind a reverse proxy: the proxy's).
    pub fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.conn.peer_addr()
    }

    /// Whether the socket is still connected.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// Registers the handler for `event` (replacing any previous one).
    pub fn on<F>(&self, event: impl Into<String>, handler: F)
    where
        F: Fn(&SocketRef, Payload, Option<Ack>) + Send + Sync + 'static,
    {
        self.handlers
            .write()
            .insert(event.into(), Arc::new(handler));
    }

    /// Registers the callback for events that have no handler (by default they are ignored),
    /// e.g. to count them or tell the client what it got wrong.
    pub fn on_unknown<F>(&self, f: F)
    where
        F: Fn(&SocketRef, &str, Option<Ack>) + Send + Sync + 'static,
    {
        *self.on_unknown.write() = Some(Arc::new(f));
    }

    /// Registers the callback run once when the socket disconnects, with the reason.
    pub fn on_disconnect<F>(&self, f: F)
    where
        F: FnOnce(&SocketRef, &DisconnectReason) + Send + 'static,
    {
        *self.on_disconnect.lock() = Some(Box::new(f));
    }

    /// Stores typed data on the socket (shortcut for `extensions.insert`).
    pub fn set_data<T: Send + Sync + 'static>(&self, value: T) -> Option<T> {
        self.extensions.insert(value)
    }

    /// A clone of the typed data of type `T`.
    pub fn data<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.extensions.get()
    }

    /// Emits `event` to this client. Non-blocking, callable from any thread.
    pub fn emit(&self, event: &str, payload: impl Into<Payload>) -> Result<(), EmitError> {
        self.emit_inner(event, payload.into(), false)
    }

    pub(crate) fn emit_inner(
        &self,
        event: &str,
        payload: Payload,
        volatile: bool,
    ) -> Result<(), EmitError> {
        let pkt = encode_event(self.ns(), event, payload, None)?;
        self.send_encoded(&pkt, volatile)
    }

    /// Sends a packet encoded once with [`Namespace::prepare`] (e.g. the same leaderboard to every
    /// player of a game room): the frames are shared, so each receiver costs a reference count
    /// and a write, never an encode or a framing. `volatile` as in [`Socket::volatile`]. Fails
    /// with `WrongNamespace` if it was prepared for another namespace.
    pub fn emit_prepared(&self, packet: &PreparedPacket, volatile: bool) -> Result<(), EmitError> {
        if packet.nsp.as_ref() != self.ns() {
            return Err(EmitError::WrongNamespace);
        }
        self.send_shared(&packet.packet, volatile)
    }

    /// Emits `event` and waits for the client's acknowledgement, at most `timeout` (or the
    /// configured `ack_timeout` when `None`). The packet is queued immediately (non-blocking,
    /// any thread); only awaiting the returned future needs the tokio runtime.
    pub fn emit_with_ack(
        self: &Arc<Self>,
        event: &str,
        payload: impl Into<Payload>,
        timeout: Option<Duration>,
    ) -> impl std::future::Future<Output = Result<Payload, AckError>> + Send + 'static {
        let wait = timeout.unwrap_or(self.ns.ack_timeout());
        let id = self.next_ack.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.acks.lock().insert(id, tx);
        let queued = encode_event(self.ns(), event, payload.into(), Some(id))
            .and_then(|pkt| self.send_encoded(&pkt, false));
        wait_for_ack(self, id, rx, queued, wait)
    }

    /// Joins `room` (no-op if already a member, or if the socket is disconnected).
    pub fn join(self: &Arc<Self>, room: impl Into<RoomName>) {
        let room = room.into();
        let mut rooms = self.rooms.lock();
        if self.connected() && rooms.insert(room.clone()) {
            self.ns.adapter().add(self, &room);
        }
    }

    /// Leaves `room`.
    pub fn leave(&self, room: &str) {
        if self.rooms.lock().remove(room) {
            self.ns.adapter().remove(&self.id, room);
        }
    }

    /// The rooms this socket is in.
    pub fn rooms(&self) -> Vec<RoomName> {
        self.rooms.lock().iter().cloned().collect()
    }

    /// Whether this socket is in any of `rooms`, its own id counting as a room (JS semantics
    /// for `except`).
    pub fn in_any<R: AsRef<str>>(&self, rooms: &[R]) -> bool {
        let mine = self.rooms.lock();
        rooms
            .iter()
            .any(|r| r.as_ref() == &*self.id || mine.contains(r.as_ref()))
    }

    /// When the socket was created, in ms since the Unix epoch.
    pub fn issued_ms(&self) -> u64 {
        self.issued_ms
    }

    /// Disconnects this socket from its namespace (the client sees "io server disconnect"). The
    /// connection and the client's other namespaces stay up.
    pub fn disconnect(self: &Arc<Self>) {
        if self.connected() {
            let text = socketio::encode_disconnect(self.ns());
            let _ = self.send_encoded(&packet::control(&text), false);
            self.close(&DisconnectReason::ServerNamespaceDisconnect);
        }
    }

    /// Closes the whole underlying connection (every namespace of this client; the client sees
    /// "transport close"). Packets queued before are still flushed.
    pub fn close_connection(&self) {
        self.conn.close(DisconnectReason::ForcedClose);
    }

    /// Sends a packet made for this socket alone (compressed if the connection negotiated
    /// permessage-deflate).
    pub(crate) fn send_encoded(
        &self,
        pkt: &EncodedPacket,
        volatile: bool,
    ) -> Result<(), EmitError> {
        self.send_as(pkt, Frames::own(volatile))
    }

    /// Sends a packet shared by many receivers (a broadcast, a prepared packet): as encoded, so
    /// it stays encoded once ([`super::deflate`]).
    pub(crate) fn send_shared(&self, pkt: &EncodedPacket, volatile: bool) -> Result<(), EmitError> {
        self.send_as(pkt, Frames::shared(volatile))
    }

    fn send_as(&self, pkt: &EncodedPacket, how: Frames) -> Result<(), EmitError> {
        if !self.connected() {
            return Err(EmitError::Disconnected);
        }
        self.conn.send_packet(pkt, how)
    }

    pub(crate) fn mark_connected(&self) {
        self.connected.store(true, Ordering::Release);
    }

    /// Runs the handler of an incoming event. Returns `false` if the handler panicked.
    pub(crate) fn dispatch_event(
        self: &Arc<Self>,
        data: Value,
        id: Option<u64>,
        bins: Vec<Bytes>,
    ) -> bool {
        let Value::Array(mut args) = data else {
            return true;
        };
        if args.is_empty() {
            return true;
        }
        let name = match args.remove(0) {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let handler = self.handlers.read().get(&name).cloned();
        let Some(handler) = handler else {
            tracing::trace!(socket = %self.id, event = %name, "no handler for event");
            let unknown = self.on_unknown.read().clone();
            if let Some(unknown) = unknown {
                let ack = id.map(|id| Ack {
                    socket: self.clone(),
                    id,
                });
                return std::panic::catch_unwind(AssertUnwindSafe(|| unknown(self, &name, ack)))
                    .is_ok();
            }
            return true;
        };
        let ack = id.map(|id| Ack {
            socket: self.clone(),
            id,
        });
        let payload = Payload { args, bins };
        std::panic::catch_unwind(AssertUnwindSafe(|| handler(self, payload, ack))).is_ok()
    }

    pub(crate) fn dispatch_ack(&self, id: u64, data: Value, bins: Vec<Bytes>) {
        let args = match data {
            Value::Array(a) => a,
            other => vec![other],
        };
        if let Some(tx) = self.acks.lock().remove(&id) {
            let _ = tx.send(Payload { args, bins });
        }
    }

    /// Tears the socket down once: leaves the namespace and its rooms, fails pending acks, runs
    /// `on_disconnect`, and drops handlers and data (they often capture `SocketRef`s, which
    /// would otherwise keep each other alive).
    pub(crate) fn close(self: &Arc<Self>, reason: &DisconnectReason) {
        if !self.connected.swap(false, Ordering::AcqRel) {
            return;
        }
        self.ns.remove_socket(&self.id);
        let rooms = std::mem::take(&mut *self.rooms.lock());
        for r in &rooms {
            self.ns.adapter().remove(&self.id, r);
        }
        let acks = std::mem::take(&mut *self.acks.lock());
        drop(acks);
        let cb = self.on_disconnect.lock().take();
        if let Some(cb) = cb
            && std::panic::catch_unwind(AssertUnwindSafe(|| cb(self, reason))).is_err()
        {
            tracing::error!(socket = %self.id, "on_disconnect handler panicked");
        }
        let handlers = std::mem::take(&mut *self.handlers.write());
        drop(handlers);
        let unknown = self.on_unknown.write().take();
        drop(unknown);
        self.extensions.clear();
        tracing::debug!(socket = %self.id, ns = %self.ns(), %reason, "socket disconnected");
    }
}
