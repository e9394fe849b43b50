//! Petri's realtime layer: a Socket.IO v5 server over Engine.IO v4, on WebSocket and HTTP
//! long-polling (with the upgrade from polling to WebSocket).
//!
//! Game-agnostic: it moves events between clients and handlers and knows nothing about Petri.
//! Self-contained: nothing here imports the rest of the crate (only `petri_shared`'s protocol
//! codecs), so it could be lifted into a crate of its own.
//!
//! Layers, bottom up (one concept per file):
//! * [`config`]: every limit, with its default and reasoning;
//! * [`http`]: the one HTTP entry point (hyper), with [`handshake`] (the Engine.IO checks),
//!   `admission` and `address_limit` (the connection limits, for both transports), [`trusted_proxy`] and [`ip_range`] (the client behind
//!   a reverse proxy), [`stats`] (open connections, refusals) and [`shutdown`] (the
//!   graceful-stop signal, also used by the application);
//! * [`engine`] + [`connection`] + `heartbeat`: an Engine.IO session over a WebSocket or
//!   long-polling (open packet, heartbeat, close); [`polling`]: the long-polling transport, a
//!   sink behind the outbox, and the upgrade;
//! * [`outbox`] + [`wire`]: outgoing frames, made once per packet and written to the socket by
//!   the emitting thread itself, queued only while the socket is full; [`cork`] batches a
//!   thread's burst of emits into one write per connection; [`deflate`]: permessage-deflate
//!   (the handshake, each connection's compressor and the read filter that inflates);
//! * `client`: Socket.IO packet routing for one connection (namespaces, binary
//!   reassembly);
//! * [`packet`]: events and acks encoded once into frames, for one receiver or many;
//! * [`namespace`], [`socket`], [`adapter`] (rooms), [`broadcast`], [`ack`]: the API.
//!
//! ```no_run
//! use petri_server::realtime::{Payload, RealtimeConfig, Shutdown, SocketIo, http};
//! # async fn demo() -> std::io::Result<()> {
//! let io = SocketIo::new(RealtimeConfig::default());
//! io.ns("/", |socket| {
//!     socket.join("lobby");
//!     socket.on("input", |socket, payload, ack| {
//!         // push `payload` into the room's bounded queue; never block here
//!         if let Some(ack) = ack { let _ = ack.send(true); }
//!     });
//! });
//! // from any thread (e.g. a room tick thread):
//! if let Some(ns) = io.of("/") {
//!     let _ = ns.to("lobby").volatile().emit("state", Payload::new().bin(vec![1u8, 2, 3]));
//! }
//! // accept connections until shutdown begins
//! let shutdown = Shutdown::new();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let stop = shutdown.clone();
//! http::serve(listener, io.clone(), http::no_routes, async move { stop.begun().await }).await?;
//! println!("{} connections open", io.stats().open());
//! # Ok(())
//! # }
//! ```

pub mod ack;
pub mod adapter;
mod address_limit;
mod admission;
pub mod broadcast;
mod client;
pub mod config;
pub mod connection;
pub mod cork;
pub mod deflate;
pub mod engine;
pub mod error;
pub mod extensions;
pub mod handshake;
mod heartbeat;
pub mod http;
pub mod ip_range;
pub mod namespace;
pub mod outbox;
pub mod packet;
pub mod payload;
pub mod polling;
pub mod reason;
pub mod remote;
pub mod remote_entry;
pub mod room_name;
pub mod server_ack;
pub mod server_api;
pub mod server_events;
pub mod shutdown;
pub mod socket;
pub mod stats;
mod transport;
pub mod trusted_proxy;
pub mod wire;

pub use ack::Ack;
pub use broadcast::BroadcastOperator;
pub use config::RealtimeConfig;
pub use cork::Cork;
pub use engine::{EngineConn, EngineService, EngineSession, ProtocolError};
pub use error::{AckError, EmitError};
pub use ip_range::{InvalidIpRange, IpRange};
pub use namespace::{ConnectHandler, Middleware, Namespace};
pub use packet::{EncodedPacket, PreparedPacket};
pub use payload::Payload;
pub use reason::DisconnectReason;
pub use remote::{
    RemoteAcks, RemoteAdapter, RemoteError, RemoteFlags, Selector, SocketInfo, SocketsOp,
};
pub use remote_entry::LocalAcks;
pub use room_name::RoomName;
pub use server_ack::{ServerAck, ServerEventHandler};
pub use server_api::BroadcastAcks;
pub use shutdown::{InFlight, Shutdown};
pub use socket::{Socket, SocketRef};
pub use stats::{ConnectionStats, RefusalReason};
pub use trusted_proxy::TrustedProxies;

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) struct IoInner {
    pub(crate) config: RealtimeConfig,
    pub(crate) namespaces: RwLock<HashMap<String, Arc<Namespace>>>,
    stats: Arc<ConnectionStats>,
    remote: namespace::RemoteSlot,
}

/// The Socket.IO server: a registry of namespaces. Cheap to clone (an `Arc`); hand it to
/// [`http::serve`] to accept connections.
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
                stats: Arc::default(),
                remote: Arc::default(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RealtimeConfig {
        &self.inner.config
    }

    /// Connection counters: open WebSocket connections (one per client, however many
    /// namespaces it joined) and refusals by reason. Kept by [`http::serve`].
    pub fn stats(&self) -> &Arc<ConnectionStats> {
        &self.inner.stats
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
        let ns = Namespace::new(
            path.clone(),
            on_connect,
            mw,
            self.inner.config.ack_timeout,
            Arc::clone(&self.inner.remote),
        );
        self.inner.namespaces.write().insert(path, ns.clone());
        ns
    }

    /// The namespace registered at `path`.
    pub fn of(&self, path: &str) -> Option<Arc<Namespace>> {
        self.inner.namespaces.read().get(path).cloned()
    }

    /// Gives the server its other servers (JS: `io.adapter(createAdapter(..))`): from now on
    /// broadcasts (not single-socket emits) and the server-side API of every namespace, those
    /// registered later included, also go through `remote`. Once per server: a second call is
    /// refused and hands the hook back.
    pub fn set_remote(&self, remote: Arc<dyn RemoteAdapter>) -> Result<(), Arc<dyn RemoteAdapter>> {
        self.inner.remote.set(remote)
    }

    /// Whether a remote hook is set.
    pub fn has_remote(&self) -> bool {
        self.inner.remote.get().is_some()
    }

    /// Whether namespace `nsp` has `room` locally (a room with members, or a socket's own id):
    /// cheap, for filtering other servers' broadcasts before decoding them.
    pub fn has_room(&self, nsp: &str, room: &str) -> bool {
        self.of(nsp).is_some_and(|ns| ns.has_room(room))
    }
}

impl EngineService for SocketIo {
    fn config(&self) -> &RealtimeConfig {
        &self.inner.config
    }

    fn stats(&self) -> &Arc<ConnectionStats> {
        &self.inner.stats
    }

    fn open(&self, conn: EngineConn) -> Box<dyn EngineSession> {
        Box::new(client::Client::new(self.inner.clone(), conn))
    }
}
