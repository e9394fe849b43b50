//! Petri's own Redis key schema and channel names (the adapter's Node-compatible channels are in
//! `adapter/channels.rs`). docs/CLUSTER.md explains the schema; in short, with prefix `petri`:
//!
//! | key / channel | type | content | expiry |
//! |---|---|---|---|
//! | `petri:nodes` | set | ids of nodes that registered | none; a janitor removes ids whose node key is gone |
//! | `petri:node:<id>` | string | JSON [`NodeRecord`](crate::cluster::records::NodeRecord) | `expiry`, refreshed every heartbeat |
//! | `petri:node:<id>:rooms` | hash | room id -> JSON [`RoomSummary`](crate::cluster::records::RoomSummary) | same |
//! | `petri:room:<room id>` | string | owning node id | same |
//! | `petri:rpc:<id>` | channel | requests to node `<id>` | — |
//! | `petri:rpc-reply:<id>` | channel | answers to requests node `<id>` sent | — |
//! | `petri:rooms-changed` | channel | JSON [`RoomsChanged`](crate::cluster::records::RoomsChanged) | — |
//!
//! Why this shape: a listing is `SMEMBERS` + one pipeline of `GET node` / `HGETALL rooms` per node
//! (two round trips whatever the number of rooms); finding one room is `GET room` + one pipeline
//! (two round trips, no scan); each node owns its keys outright, so no node ever rewrites another's
//! data and a dead node's entries lapse together.

use crate::cluster::config::NodeId;

/// Builds key and channel names for one prefix. Names are built on registration and listing
/// (every few seconds), never on a game tick.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    pub fn nodes(&self) -> String {
        format!("{}:nodes", self.prefix)
    }

    pub fn node(&self, node: &NodeId) -> String {
        format!("{}:node:{node}", self.prefix)
    }

    pub fn node_rooms(&self, node: &NodeId) -> String {
        format!("{}:node:{node}:rooms", self.prefix)
    }

    pub fn room(&self, room_id: &str) -> String {
        format!("{}:room:{room_id}", self.prefix)
    }

    pub fn rpc(&self, node: &NodeId) -> String {
        format!("{}:rpc:{node}", self.prefix)
    }

    pub fn rpc_reply(&self, node: &NodeId) -> String {
        format!("{}:rpc-reply:{node}", self.prefix)
    }

    pub fn rooms_changed(&self) -> String {
        format!("{}:rooms-changed", self.prefix)
    }
}
