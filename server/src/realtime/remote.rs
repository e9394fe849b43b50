//! The remote-adapter hook: how a [`super::SocketIo`] reaches sockets on *other* servers.
//!
//! The JS server swaps its in-memory adapter for a Redis one; here the in-memory rooms stay
//! ([`super::adapter`]) and a [`RemoteAdapter`] is *added* with [`super::SocketIo::set_remote`].
//! Without one, every operation is local-only and costs exactly what it cost before (the hook is
//! one atomic load per broadcast). With one, broadcasts (not single-socket emits) are handed to it
//! after local delivery, and the server-side API (`server_side_emit`, `fetch_sockets`,
//! `sockets_join`/`sockets_leave`/`disconnect_sockets`, `all_rooms`, broadcasts with acks) asks it
//! for the other servers' part. The realtime layer knows nothing of Redis or of the cluster: the
//! implementation lives elsewhere (Petri's `relay` module) and uses the entry points in
//! [`super::remote_entry`] to act on local sockets for requests from other servers.

use super::Payload;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future: the hook is used as `Arc<dyn RemoteAdapter>`.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Which sockets an operation targets: those in any of `rooms` (every socket of the namespace
/// when empty) and in none of `except` (JS `opts.rooms` / `opts.except`). A socket's id counts as
/// a room holding only that socket, as in JS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub rooms: Vec<String>,
    pub except: Vec<String>,
}

/// Flags of a broadcast that travel with it (JS `opts.flags`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoteFlags {
    pub volatile: bool,
}

/// A socket as `fetch_sockets` reports it (JS `RemoteSocket`: `id`, `handshake`, `rooms`,
/// `data`), local or on another server.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketInfo {
    pub id: String,
    /// Every room it is in (its own id included, as JS reports it).
    pub rooms: Vec<String>,
    /// JS `socket.handshake`-shaped: `headers, time, address, xdomain, secure, issued, url,
    /// query, auth`.
    pub handshake: serde_json::Value,
    /// JS `socket.data`: here the `serde_json::Value` stored with `socket.set_data(..)`, or
    /// `null`.
    pub data: serde_json::Value,
}

/// What to do to the selected sockets of other servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketsOp {
    /// JS `socketsJoin(rooms)`.
    Join(Vec<String>),
    /// JS `socketsLeave(rooms)`.
    Leave(Vec<String>),
    /// JS `disconnectSockets(close)`: `close` also closes the whole connection.
    Disconnect { close: bool },
}

/// The other servers' part of a broadcast with acks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteAcks {
    /// How many clients the other servers sent the packet to.
    pub clients: u64,
    /// One entry per client that answered (a remote client's ack is its first argument).
    pub acks: Vec<Payload>,
    /// True when every counted server reported and every counted client answered in time.
    pub complete: bool,
}

/// Why the other servers' part of an operation is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// Not every server answered in time (JS: "timeout reached while waiting for .. response").
    #[error("{answered} of {expected} servers answered within {after:?}")]
    Timeout {
        answered: usize,
        expected: usize,
        after: Duration,
    },
    /// The other servers could not be reached (Redis down, node stopped, too many calls).
    #[error("other servers unreachable: {0}")]
    Unavailable(String),
}

/// The other servers of a namespace. Every method must return at once (callers include room
/// tick threads outside any async runtime): publish on a task of your own, and do the waiting in
/// the returned futures.
pub trait RemoteAdapter: Send + Sync + 'static {
    /// A broadcast already delivered locally: deliver it on the other servers.
    fn broadcast(
        &self,
        nsp: &str,
        selector: Selector,
        flags: RemoteFlags,
        event: &str,
        payload: Payload,
    );

    /// A broadcast with acks (JS `io.timeout(t).emitWithAck`): the other servers' client count
    /// and acks within `timeout`.
    fn broadcast_with_ack(
        &self,
        nsp: &str,
        selector: Selector,
        event: &str,
        payload: Payload,
        timeout: Duration,
    ) -> BoxFuture<Result<RemoteAcks, RemoteError>>;

    /// JS `serverSideEmit(event, ...args)`: to every other server's server-side handlers. With
    /// `ack` set, one answer per server within that time (JS `serverSideEmitWithAck`).
    fn server_side_emit(
        &self,
        nsp: &str,
        event: &str,
        payload: Payload,
        ack: Option<Duration>,
    ) -> BoxFuture<Result<Vec<serde_json::Value>, RemoteError>>;

    /// JS `fetchSockets()`: the selected sockets of every other server.
    fn fetch_sockets(
        &self,
        nsp: &str,
        selector: Selector,
    ) -> BoxFuture<Result<Vec<SocketInfo>, RemoteError>>;

    /// JS `socketsJoin` / `socketsLeave` / `disconnectSockets` on the other servers.
    fn apply(&self, nsp: &str, selector: Selector, op: SocketsOp);

    /// JS `adapter.allRooms()`: every room of every other server.
    fn all_rooms(&self, nsp: &str) -> BoxFuture<Result<Vec<String>, RemoteError>>;
}
