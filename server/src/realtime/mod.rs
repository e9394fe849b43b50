//! Petri's realtime layer: a Socket.IO v5 server over Engine.IO v4, WebSocket transport only.
//!
//! Game-agnostic: it moves events between clients and handlers and knows nothing about Petri.
//!
//! Layers, bottom up (one concept per file):
//! * [`config`]: every limit, with its default and reasoning;
//! * [`engine`] + [`connection`]: an Engine.IO session over a WebSocket (open packet,
//!   heartbeat, close);
//! * [`outbox`] + [`wire`]: outgoing frames, made once per packet and written to the socket by
//!   the emitting thread itself, queued only while the socket is full; [`cork`] batches a
//!   thread's burst of emits into one write per connection;
//! * `client`: Socket.IO packet routing for one connection (namespaces, binary
//!   reassembly);
//! * [`namespace`], [`socket`], [`adapter`] (rooms), [`broadcast`], [`ack`]: the API.
//!
//! ```no_run
//! use petri_server::realtime::{Payload, RealtimeConfig, SocketIo};
//! let io = SocketIo::new(RealtimeConfig::default());
//! io.ns("/", |socket| {
//!     socket.join("lobby");
//!     socket.on("input", |socket, payload, ack| {
//!         // push `payload` into the room's bounded queue; never block here
//!         if let Some(ack) = ack { let _ = ack.send(serde_json::json!(true)); }
//!     });
//! });
//! // from any thread (e.g. a room tick thread):
//! if let Some(ns) = io.of("/") {
//!     let _ = ns.to("lobby").volatile().emit("state", Payload::new().bin(vec![1u8, 2, 3]));
//! }
//! ```

pub mod ack;
pub mod adapter;
pub mod broadcast;
mod client;
pub mod config;
pub mod connection;
pub mod cork;
pub mod engine;
pub mod error;
pub mod extensions;
pub mod namespace;
pub mod outbox;
pub mod payload;
pub mod reason;
pub mod socket;
mod transport;
pub mod wire;

pub use ack::Ack;
pub use adapter::Room;
pub use broadcast::BroadcastOperator;
pub use config::RealtimeConfig;
pub use cork::Cork;
pub use engine::{EngineConn, EngineService, EngineSession, ProtocolError};
pub use error::{AckError, EmitError};
pub use namespace::{ConnectHandler, Middleware, Namespace};
pub use payload::Payload;
pub use reason::DisconnectReason;
pub use socket::{PreparedPacket, Socket, SocketRef};

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) struct IoInner {
    pub(crate) config: RealtimeConfig,
    pub(crate) namespaces: RwLock<HashMap<String, Arc<Namespace>>>,
}

/// The Socket.IO server: a registry of namespaces. Cheap to clone (an `Arc`); hand it to
/// [`crate::http::serve`] to accept connections.
#[derive(Clone)]
pub struct SocketIo {
    inner: Arc<IoInner>,
}

impl std::fmt::Debug for SocketIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIo")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl SocketIo {
    /// A server with no namespaces yet.
    pub fn new(config: RealtimeConfig) -> Self {
        Self {
            inner: Arc::new(IoInner {
                config,
                namespaces: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RealtimeConfig {
        &self.inner.config
    }

    /// Registers (or replaces) namespace `path` with its connect handler.
    pub fn ns<F>(&self, path: &str, on_connect: F) -> Arc<Namespace>
    where
        F: Fn(SocketRef) + Send + Sync + 'static,
    {
        self.register(path, Arc::new(on_connect), None)
    }

    /// Registers namespace `path` with a connection middleware: `Err(message)` refuses the
    /// connection with CONNECT_ERROR `{"message": message}`.
    pub fn ns_with_middleware<M, F>(
        &self,
        path: &str,
        middleware: M,
        on_connect: F,
    ) -> Arc<Namespace>
    where
        M: Fn(&SocketRef) -> Result<(), String> + Send + Sync + 'static,
        F: Fn(SocketRef) + Send + Sync + 'static,
    {
        self.register(path, Arc::new(on_connect), Some(Arc::new(middleware)))
    }

    fn register(
        &self,
        path: &str,
        on_connect: ConnectHandler,
        mw: Option<Middleware>,
    ) -> Arc<Namespace> {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let ns = Namespace::new(path.clone(), on_connect, mw, self.inner.config.ack_timeout);
        self.inner.namespaces.write().insert(path, ns.clone());
        ns
    }

    /// The namespace registered at `path`.
    pub fn of(&self, path: &str) -> Option<Arc<Namespace>> {
        self.inner.namespaces.read().get(path).cloned()
    }
}

impl EngineService for SocketIo {
    fn config(&self) -> &RealtimeConfig {
        &self.inner.config
    }

    fn open(&self, conn: EngineConn) -> Box<dyn EngineSession> {
        Box::new(client::Client::new(self.inner.clone(), conn))
    }
}
