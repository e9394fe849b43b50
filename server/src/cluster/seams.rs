//! The two interfaces the integration implements, so the cluster module never imports rooms/ or
//! realtime/ internals (and those modules can change without touching it).

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use crate::cluster::adapter::{AdapterRequest, BroadcastMessage};
use crate::cluster::records::{LocalSnapshot, RoomCreated};
use crate::cluster::replier::AdapterReplier;

/// A boxed future: the traits are used as `Arc<dyn ..>`, so they cannot use `async fn`.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A request to open a room: the lobby's own `create` message, forwarded verbatim to the node
/// that will host the room, so it is handled there exactly as a local create.
pub use petri_shared::game::CreateRoom;

/// Why a node would not open a room, as text for the refusal the client sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct CreateRefused {
    pub reason: String,
}

/// The local rooms, as the cluster sees them.
pub trait LocalRooms: Send + Sync + 'static {
    /// The node's rooms and load now. Called once per heartbeat and after
    /// [`crate::cluster::ClusterNode::refresh_now`]; must not block (read a snapshot the rooms
    /// module keeps, or its status channels).
    fn snapshot(&self) -> LocalSnapshot;

    /// Opens a room as asked and returns the lobby's answer (summary, and code if private).
    fn create_room(&self, request: CreateRoom) -> BoxFuture<Result<RoomCreated, CreateRefused>>;
}

/// The local sockets, as the Socket.IO Redis adapter sees them.
pub trait LocalBroadcast: Send + Sync + 'static {
    /// Whether any local socket of namespace `nsp` is in `room`: lets a single-room broadcast be
    /// dropped on its channel name, before decoding. Must be cheap (called per remote broadcast).
    fn has_room(&self, nsp: &str, room: &str) -> bool;

    /// Delivers a remote broadcast to the local sockets of `message.packet.nsp` that are in any of
    /// `message.opts.rooms` (all when empty) and in none of `message.opts.except`.
    fn deliver(&self, message: BroadcastMessage);

    /// A request from another server of namespace `nsp` (never one of this node's own). `reply`
    /// is set when the request expects an answer (it carries the request id); answer every such
    /// request, even with an empty list or a zero client count, or Node requesters time out.
    /// Must not block: spawn for anything that waits (acks).
    fn request(&self, nsp: &str, request: AdapterRequest, reply: Option<AdapterReplier>);
}
