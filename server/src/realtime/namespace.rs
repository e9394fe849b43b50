//! Namespaces: independent channels multiplexed over one connection (`/`, `/admin`, ...).
//!
//! A namespace owns its connect handler, an optional connection middleware (which sees the
//! CONNECT auth payload and may refuse with a message, sent as CONNECT_ERROR), its connected
//! sockets and its rooms.

use super::adapter::Adapter;
use super::packet::{PreparedPacket, encode_event};
use super::remote::RemoteAdapter;
use super::server_ack::ServerEventHandler;
use super::socket::SocketRef;
use super::{EmitError, Payload};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The server's remote hook, shared by all its namespaces; empty until
/// [`super::SocketIo::set_remote`].
pub(crate) type RemoteSlot = Arc<OnceLock<Arc<dyn RemoteAdapter>>>;

/// Called for every accepted connection; register event handlers here. Runs on the connection
/// task: must not block.
pub type ConnectHandler = Arc<dyn Fn(SocketRef) + Send + Sync>;

/// Decides whether a connection may join; `Err(message)` refuses it with CONNECT_ERROR
/// `{"message": message}`. It sees the not-yet-connected socket (its `auth()`, and it may
/// `set_data`). Runs on the connection task: must not block.
pub type Middleware = Arc<dyn Fn(&SocketRef) -> Result<(), String> + Send + Sync>;

/// One namespace.
pub struct Namespace {
    path: String,
    on_connect: ConnectHandler,
    middleware: Option<Middleware>,
    sockets: RwLock<HashMap<Arc<str>, SocketRef>>,
    adapter: Adapter,
    ack_timeout: Duration,
    remote: RemoteSlot,
    server_handlers: RwLock<HashMap<String, ServerEventHandler>>,
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("path", &self.path)
            .finish()
    }
}

impl Namespace {
    pub(crate) fn new(
        path: String,
        on_connect: ConnectHandler,
        middleware: Option<Middleware>,
        ack_timeout: Duration,
        remote: RemoteSlot,
    ) -> Arc<Self> {
        Arc::new(Self {
            path,
            on_connect,
            middleware,
            sockets: RwLock::new(HashMap::new()),
            adapter: Adapter::default(),
            ack_timeout,
            remote,
            server_handlers: RwLock::new(HashMap::new()),
        })
    }

    /// The path, e.g. `/admin`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A connected socket by id.
    pub fn get_socket(&self, sid: &str) -> Option<SocketRef> {
        self.sockets.read().get(sid).cloned()
    }

    /// All connected sockets (a snapshot).
    pub fn sockets(&self) -> Vec<SocketRef> {
        self.sockets.read().values().cloned().collect()
    }

    /// Appends every connected socket to `out` (no allocation once `out` has grown).
    pub(crate) fn collect_sockets(&self, out: &mut Vec<SocketRef>) {
        out.extend(self.sockets.read().values().cloned());
    }

    /// Number of connected sockets.
    pub fn len(&self) -> usize {
        self.sockets.read().len()
    }

    /// Whether no socket is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of sockets in `room`.
    pub fn room_len(&self, room: &str) -> usize {
        self.adapter.len(room)
    }

    /// Number of rooms with at least one socket (a room is forgotten with its last member).
    pub fn room_count(&self) -> usize {
        self.adapter.room_count()
    }

    /// Encodes `event` once for this namespace; send it with
    /// [`Socket::emit_prepared`](super::Socket::emit_prepared) to any subset of its sockets.
    pub fn prepare(
        &self,
        event: &str,
        payload: impl Into<Payload>,
    ) -> Result<PreparedPacket, EmitError> {
        let packet = encode_event(&self.path, event, payload.into(), None)?;
        Ok(PreparedPacket {
            nsp: self.path.as_str().into(),
            packet,
        })
    }

    pub(crate) fn adapter(&self) -> &Adapter {
        &self.adapter
    }

    /// The remote hook, when one is set (one atomic load).
    pub(crate) fn remote(&self) -> Option<&Arc<dyn RemoteAdapter>> {
        self.remote.get()
    }

    pub(crate) fn server_handlers(&self) -> &RwLock<HashMap<String, ServerEventHandler>> {
        &self.server_handlers
    }

    pub(crate) fn ack_timeout(&self) -> Duration {
        self.ack_timeout
    }

    pub(crate) fn middleware(&self) -> Option<&Middleware> {
        self.middleware.as_ref()
    }

    pub(crate) fn on_connect(&self) -> &ConnectHandler {
        &self.on_connect
    }

    pub(crate) fn insert_socket(&self, s: SocketRef) {
        self.sockets.write().insert(s.id_arc().clone(), s);
    }

    pub(crate) fn remove_socket(&self, sid: &str) {
        // Drop the removed Arc outside the lock.
        let removed = self.sockets.write().remove(sid);
        drop(removed);
    }
}
