//! What the directory stores and the Petri-only channels carry, as JSON.
//!
//! JSON and not msgpack: these records are a few hundred bytes, written every few seconds, and an
//! operator reading `redis-cli GET petri:node:<id>` should see what is there. Decoding goes through
//! [`decode_bounded`], which refuses oversized input before parsing (serde_json never preallocates
//! from the input, so the size check bounds the allocation).

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::cluster::config::NodeId;
use crate::cluster::error::ClusterError;

/// What `create`/`quickplay` answer: the shared wire type, carried back from the node that opened
/// the room (with the private code, for the creator only).
pub use petri_shared::game::RoomCreated;
/// One room as the cluster lists it: the lobby's own wire type, so a listing from the directory
/// is what a local listing is. The private code is not part of it (a private room is findable by
/// id; its owner checks the code on join). Private rooms are registered but never listed.
pub use petri_shared::game::RoomSummary;

/// A node's load, used to pick where new rooms go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NodeLoad {
    /// Humans playing or spectating on the node.
    pub players: u32,
    /// Open rooms on the node.
    pub rooms: u32,
}

/// `petri:node:<id>`: the node's address and load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    pub id: NodeId,
    /// The base URL browsers use to reach the node.
    pub url: String,
    pub load: NodeLoad,
}

/// A public room of some node, with the URL of that node (what `GET /api/rooms` shows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListedRoom {
    #[serde(flatten)]
    pub room: RoomSummary,
    pub node: NodeId,
    pub url: String,
}

/// What the local node reports at each heartbeat (the integration's rooms module builds it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalSnapshot {
    pub load: NodeLoad,
    pub rooms: Vec<RoomSummary>,
}

/// A room opened on some node at this node's request, with where to reach it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedRoom {
    pub created: RoomCreated,
    pub node: NodeId,
    pub url: String,
}

/// Why a public room appears in a `rooms-changed` notice: the lobby's own wire type.
pub use petri_shared::game::RoomChange;

/// `petri:rooms-changed`: a public room of `node` opened, filled/emptied, or closed. Lobby
/// sockets are told "the list changed" and re-read it (Colyseus' `$lobby` design: the notice is
/// small and never has to be consistent with the listing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomsChanged {
    pub node: NodeId,
    pub room_id: String,
    pub change: RoomChange,
}

/// Parses JSON read from Redis, refusing anything over `max_bytes` first.
pub fn decode_bounded<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<T, ClusterError> {
    if bytes.len() > max_bytes {
        return Err(ClusterError::Malformed {
            what,
            detail: format!("{} bytes, over the {max_bytes}-byte limit", bytes.len()),
        });
    }
    serde_json::from_slice(bytes).map_err(|e| ClusterError::Malformed {
        what,
        detail: e.to_string(),
    })
}

/// Writes a record as JSON. Serialising these plain structs cannot fail.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}
