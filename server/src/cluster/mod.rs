//! The cluster (issue 12): many Petri nodes on one Redis — a room directory with expiring
//! entries, cross-node requests, a rooms-changed notice channel, and the wire format of the
//! official `@socket.io/redis-adapter` 8.x so broadcasts cross servers (Node.js ones included).
//!
//! Optional by construction: nothing here runs unless a `redis_url` is configured, and a Redis
//! outage never stops a node's rooms. The module imports nothing from rooms/ or realtime/; the
//! integration implements [`LocalRooms`] and [`LocalBroadcast`] and calls [`ClusterNode`]. The
//! design, key schema and failure behaviour are in docs/CLUSTER.md.

pub mod adapter;
mod backoff;
mod calls;
mod config;
mod directory;
mod dispatch;
mod error;
mod heartbeat;
mod keys;
mod node;
mod records;
mod redact;
mod replier;
mod rpc;
mod seams;
mod shared;
mod stats;
mod subscriber;

pub use backoff::Backoff;
pub use calls::{CALL_BACKLOG, Gathered};
pub use config::{
    ClusterConfig, ConfigError, DEFAULT_ADAPTER_KEY, DEFAULT_EXPIRY, DEFAULT_HEARTBEAT,
    DEFAULT_KEY_PREFIX, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_RECONNECT_MAX, DEFAULT_RECONNECT_MIN,
    DEFAULT_REQUEST_TIMEOUT, NodeId,
};
pub use directory::Directory;
pub use error::ClusterError;
pub use keys::Keys;
pub use node::{AdapterBinding, ClusterNode};
pub use records::{
    ListedRoom, LocalSnapshot, NodeLoad, NodeRecord, PlacedRoom, RoomChange, RoomCreated,
    RoomSummary, RoomsChanged,
};
pub use redact::RedisUrl;
pub use replier::AdapterReplier;
pub use rpc::{MAX_PENDING, RpcBody, RpcReply, RpcRequest, RpcResult};
pub use seams::{BoxFuture, CreateRefused, CreateRoom, LocalBroadcast, LocalRooms};
pub use stats::ClusterStats;
