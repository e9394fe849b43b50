//! Cross-node requests over pub/sub: request on `petri:rpc:<target>`, answer on
//! `petri:rpc-reply:<sender>`, matched by a per-node request id.
//!
//! Why pub/sub and not a Redis list: a request is only meaningful while its sender waits, and
//! PUBLISH answers with the number of receivers, so "the node is gone" is known at once (0) and
//! "the node is stalled" after `request_timeout` — two different, clear refusals. Unlike Colyseus
//! (#978) a timeout never falls back to creating the room elsewhere: a stalled node may still open
//! it, and a duplicate room is worse than a refused click.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::cluster::config::NodeId;
use crate::cluster::records::RoomCreated;
use crate::cluster::seams::CreateRoom;

/// A request as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcRequest {
    pub id: u64,
    pub from: NodeId,
    pub body: RpcBody,
}

/// What can be asked of another node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum RpcBody {
    CreateRoom(CreateRoom),
}

/// An answer as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcReply {
    pub id: u64,
    pub from: NodeId,
    pub result: RpcResult,
}

/// The outcome of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum RpcResult {
    Created { created: RoomCreated },
    Refused { reason: String },
}

/// The requests this node is waiting on. The lock is held only to insert or remove one entry,
/// never across an await.
#[derive(Debug, Default)]
pub struct Pending {
    next_id: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<RpcReply>>>,
}

/// The most requests one node waits on at once; past it new requests are refused at once rather
/// than growing the map (a flood of lobby clicks cannot exhaust memory).
pub const MAX_PENDING: usize = 1024;

impl Pending {
    /// Registers a new request; `None` when [`MAX_PENDING`] are already waiting.
    pub fn open(&self) -> Option<(u64, oneshot::Receiver<RpcReply>)> {
        let mut waiting = self.waiting.lock();
        if waiting.len() >= MAX_PENDING {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        waiting.insert(id, tx);
        Some((id, rx))
    }

    /// Hands an answer to its waiter; false when nobody waits for it (late or forged).
    pub fn complete(&self, reply: RpcReply) -> bool {
        let waiter = self.waiting.lock().remove(&reply.id);
        waiter.is_some_and(|tx| tx.send(reply).is_ok())
    }

    /// Forgets a request that timed out or failed to send.
    pub fn cancel(&self, id: u64) {
        self.waiting.lock().remove(&id);
    }
}
