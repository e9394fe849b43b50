//! Every limit of the realtime layer, in one place, with the reasoning behind its default.
//!
//! A realtime server is a resource an untrusted peer can push on from many sides at once (huge
//! frames, floods, never answering, never reading). Each of those is bounded by exactly one named
//! setting below; nothing is unbounded.

use super::deflate::CompressionConfig;
use super::trusted_proxy::TrustedProxies;
use std::time::Duration;

/// Settings of the Engine.IO / Socket.IO server.
#[derive(Debug, Clone)]
pub struct RealtimeConfig {
    /// URL path the Engine.IO endpoint is served on (with trailing slash, as the JS server).
    /// Default `/socket.io/`.
    pub path: String,
    /// How often the server sends an Engine.IO ping. Advertised to the client in the open
    /// packet. Default 25 s (the JS server's default).
    pub ping_interval: Duration,
    /// How long the server waits for the pong before it declares the connection dead and closes
    /// it ("ping timeout"). Default 20 s.
    pub ping_timeout: Duration,
    /// Largest WebSocket message (and frame) in bytes the server accepts; also the bound on the
    /// total bytes of one binary packet's attachments. Advertised as `maxPayload`. A bigger
    /// message closes that connection. Default 1 000 000 (the JS server's default).
    pub max_payload: usize,
    /// Most binary attachments one Socket.IO packet may announce (socket.io-parser's
    /// `maxAttachments` default is 10). More closes the connection.
    pub max_attachments: usize,
    /// Depth, in packets, of each connection's backlog: what waits when the kernel's send buffer
    /// for that socket is full (emits are written straight to the socket otherwise, see
    /// [`super::outbox`]). Emitting never blocks: a growing backlog means the client is not
    /// reading fast enough (slow consumer). Policy: a *volatile* emit is silently dropped once the
    /// backlog is three quarters full (the last quarter is kept for reliable messages); a reliable
    /// emit that finds it full closes that connection with a logged reason, because silently
    /// losing it would desynchronise the client. Default 1024.
    pub send_queue_depth: usize,
    /// Most simultaneous Engine.IO sessions, WebSocket and long-polling alike (a polling session
    /// holds its place from its handshake until it closes); beyond it, HTTP 503. Default 10 000.
    pub max_connections: usize,
    /// Most simultaneous connections from one client address, so one host cannot take every
    /// slot. Default 256. For a direct peer it counts TCP connections (HTTP and WebSocket
    /// alike, claimed at accept, which also bounds idle HTTP connections); one over it is served
    /// only as a probe connection (`/healthz`, `/readyz`, else 429), see [`super::http`]. For a
    /// client behind a trusted proxy it counts that client's WebSockets (its upgrade gets 429).
    pub max_connections_per_address: usize,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` / `Forwarded` name
    /// the client ([`super::trusted_proxy`]); from any other peer those headers are ignored.
    /// Default: empty (every TCP peer is the client).
    pub trusted_proxies: TrustedProxies,
    /// Browser origins (`https://example.com`) allowed to connect, over WebSocket or
    /// long-polling (whose CORS answers echo them, `polling::cors`); empty allows any.
    /// A request without an `Origin` header (not a browser) is always allowed. Default: empty.
    pub allowed_origins: Vec<String>,
    /// Time a TCP connection has to send complete HTTP request headers (and a long-polling POST
    /// its body), and an accepted WebSocket upgrade (or a polling session's upgrade, probe to
    /// `5`) has to complete. Protects against slowloris-style idle sockets.
    /// Default 10 s.
    pub handshake_timeout: Duration,
    /// Time a fresh Engine.IO connection has to connect to at least one Socket.IO namespace
    /// before it is closed (the JS server's `connectTimeout`). Default 45 s.
    pub connect_timeout: Duration,
    /// Longest time a closing connection spends delivering its backlog and the close frame to a
    /// peer that may have stopped reading. (While open, such a peer is cut by the heartbeat: its
    /// pong cannot come back.) Default 10 s.
    pub write_timeout: Duration,
    /// Default time `emit_with_ack` waits for the client's answer. Default 5 s.
    pub ack_timeout: Duration,
    /// On shutdown, how long to wait for open connections to close cleanly. Default 5 s.
    pub shutdown_grace: Duration,
    /// permessage-deflate on WebSocket connections ([`super::deflate`]): whether it is offered,
    /// the size threshold, the windows. A compressed client message is bounded by
    /// `max_payload` once inflated.
    pub compression: CompressionConfig,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        Self {
            path: "/socket.io/".to_owned(),
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            max_payload: 1_000_000,
            max_attachments: 10,
            send_queue_depth: 1024,
            max_connections: 10_000,
            max_connections_per_address: 256,
            allowed_origins: Vec::new(),
            trusted_proxies: TrustedProxies::default(),
            handshake_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(45),
            write_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(5),
            compression: CompressionConfig::default(),
        }
    }
}
