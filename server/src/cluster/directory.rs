//! The room directory: who is in the cluster, where each room lives, which rooms are listed.
//!
//! Liveness is by expiry only (no ping-and-delete): a node's keys lapse together `expiry` after
//! its last heartbeat, so a dead node disappears by itself and a slow one is never deleted while it
//! still refreshes — the two Colyseus failures (#850 orphaned listings, #968 live rooms deleted
//! after one missed ping) cannot happen. Every heartbeat re-asserts everything (one MULTI), which
//! is also what makes a node whole again after Redis restarts empty.

use std::collections::HashMap;

use redis::aio::ConnectionManager;

use crate::cluster::config::NodeId;
use crate::cluster::error::ClusterError;
use crate::cluster::keys::Keys;
use crate::cluster::records::{ListedRoom, NodeRecord, RoomSummary, decode_bounded, encode};

/// Directory operations over one Redis connection (cloned per call: a `ConnectionManager` clone
/// is a handle to the same multiplexed connection).
#[derive(Debug, Clone)]
pub struct Directory {
    keys: Keys,
    expiry_ms: u64,
    max_bytes: usize,
}

impl Directory {
    pub fn new(keys: Keys, expiry: std::time::Duration, max_bytes: usize) -> Self {
        Self {
            keys,
            expiry_ms: u64::try_from(expiry.as_millis()).unwrap_or(u64::MAX),
            max_bytes,
        }
    }

    /// Writes (or re-writes) the node record and all its rooms, all with a fresh expiry, in one
    /// atomic round trip. Rooms missing from `rooms` vanish from the node's hash at once; their
    /// `room:<id>` pointers lapse at expiry (and [`Directory::find_room`] ignores them meanwhile).
    pub async fn register(
        &self,
        conn: &mut ConnectionManager,
        record: &NodeRecord,
        rooms: &[RoomSummary],
    ) -> Result<(), ClusterError> {
        let node = &record.id;
        let rooms_key = self.keys.node_rooms(node);
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("SET")
            .arg(self.keys.node(node))
            .arg(encode(record))
            .arg("PX")
            .arg(self.expiry_ms)
            .ignore();
        pipe.cmd("DEL").arg(&rooms_key).ignore();
        if !rooms.is_empty() {
            let mut hset = redis::cmd("HSET");
            hset.arg(&rooms_key);
            for room in rooms {
                hset.arg(&room.id).arg(encode(room));
            }
            pipe.add_command(hset).ignore();
            pipe.cmd("PEXPIRE")
                .arg(&rooms_key)
                .arg(self.expiry_ms)
                .ignore();
        }
        for room in rooms {
            pipe.cmd("SET")
                .arg(self.keys.room(&room.id))
                .arg(node.as_str())
                .arg("PX")
                .arg(self.expiry_ms)
                .ignore();
        }
        pipe.cmd("SADD")
            .arg(self.keys.nodes())
            .arg(node.as_str())
            .ignore();
        pipe.query_async::<()>(conn).await?;
        Ok(())
    }

    /// Removes the node and the given rooms at once (graceful shutdown).
    pub async fn deregister(
        &self,
        conn: &mut ConnectionManager,
        node: &NodeId,
        room_ids: &[String],
    ) -> Result<(), ClusterError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("DEL")
            .arg(self.keys.node(node))
            .arg(self.keys.node_rooms(node))
            .ignore();
        for id in room_ids {
            pipe.cmd("DEL").arg(self.keys.room(id)).ignore();
        }
        pipe.cmd("SREM")
            .arg(self.keys.nodes())
            .arg(node.as_str())
            .ignore();
        pipe.query_async::<()>(conn).await?;
        Ok(())
    }

    /// Every live node (its record exists). Ids whose record has lapsed are removed from the node
    /// set on the way (the janitor): a node that registers for the first time in the instant
    /// between our read and that removal is re-added by its next heartbeat.
    pub async fn nodes(
        &self,
        conn: &mut ConnectionManager,
    ) -> Result<Vec<NodeRecord>, ClusterError> {
        let ids: Vec<String> = redis::cmd("SMEMBERS")
            .arg(self.keys.nodes())
            .query_async(conn)
            .await?;
        let ids: Vec<NodeId> = ids.iter().filter_map(|id| NodeId::parse(id).ok()).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut mget = redis::cmd("MGET");
        for id in &ids {
            mget.arg(self.keys.node(id));
        }
        let raw: Vec<Option<Vec<u8>>> = mget.query_async(conn).await?;
        let mut live = Vec::with_capacity(ids.len());
        let mut dead = Vec::new();
        for (id, bytes) in ids.into_iter().zip(raw) {
            match bytes.map(|b| decode_bounded::<NodeRecord>("node record", &b, self.max_bytes)) {
                Some(Ok(record)) if record.id == id => live.push(record),
                Some(Ok(_)) | Some(Err(_)) => {
                    tracing::warn!(node = %id, "unreadable node record in the directory; skipped");
                }
                None => dead.push(id),
            }
        }
        if !dead.is_empty() {
            let mut srem = redis::cmd("SREM");
            srem.arg(self.keys.nodes());
            for id in &dead {
                srem.arg(id.as_str());
            }
            srem.query_async::<()>(conn).await?;
        }
        Ok(live)
    }

    /// The public rooms of every live node, each with its node's URL; sorted by node then room id
    /// so listings are stable. Round trips: SMEMBERS, MGET, one pipeline of HGETALL.
    pub async fn list_public(
        &self,
        conn: &mut ConnectionManager,
    ) -> Result<Vec<ListedRoom>, ClusterError> {
        let mut nodes = self.nodes(conn).await?;
        if nodes.is_empty() {
            return Ok(Vec::new());
        }
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut pipe = redis::pipe();
        for node in &nodes {
            pipe.cmd("HGETALL").arg(self.keys.node_rooms(&node.id));
        }
        let hashes: Vec<HashMap<String, Vec<u8>>> = pipe.query_async(conn).await?;
        let mut listed = Vec::new();
        for (node, hash) in nodes.iter().zip(hashes) {
            let start = listed.len();
            for bytes in hash.values() {
                match decode_bounded::<RoomSummary>("room summary", bytes, self.max_bytes) {
                    Ok(room) if !room.private => listed.push(ListedRoom {
                        room,
                        node: node.id.clone(),
                        url: node.url.clone(),
                    }),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(node = %node.id, error = %e, "room summary skipped"),
                }
            }
            listed[start..].sort_by(|a, b| a.room.id.cmp(&b.room.id));
        }
        Ok(listed)
    }

    /// Where a room lives, public or private: `None` when no live node lists it.
    pub async fn find_room(
        &self,
        conn: &mut ConnectionManager,
        room_id: &str,
    ) -> Result<Option<ListedRoom>, ClusterError> {
        let owner: Option<String> = redis::cmd("GET")
            .arg(self.keys.room(room_id))
            .query_async(conn)
            .await?;
        let Some(owner) = owner.and_then(|o| NodeId::parse(&o).ok()) else {
            return Ok(None);
        };
        let (record, summary): (Option<Vec<u8>>, Option<Vec<u8>>) = redis::pipe()
            .cmd("GET")
            .arg(self.keys.node(&owner))
            .cmd("HGET")
            .arg(self.keys.node_rooms(&owner))
            .arg(room_id)
            .query_async(conn)
            .await?;
        let (Some(record), Some(summary)) = (record, summary) else {
            return Ok(None);
        };
        let record: NodeRecord = decode_bounded("node record", &record, self.max_bytes)?;
        let room: RoomSummary = decode_bounded("room summary", &summary, self.max_bytes)?;
        Ok(Some(ListedRoom {
            room,
            node: record.id,
            url: record.url,
        }))
    }

    /// The live node with the fewest players (then fewest rooms, then smallest id, so concurrent
    /// callers agree). `None` only when no node is registered.
    pub async fn least_loaded(
        &self,
        conn: &mut ConnectionManager,
    ) -> Result<Option<NodeRecord>, ClusterError> {
        let nodes = self.nodes(conn).await?;
        Ok(nodes.into_iter().min_by(|a, b| {
            (a.load.players, a.load.rooms, &a.id).cmp(&(b.load.players, b.load.rooms, &b.id))
        }))
    }
}
