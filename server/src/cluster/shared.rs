//! The state one cluster node's tasks share (heartbeat, subscriber, request handlers) and the
//! directory refresh they all trigger.

use std::sync::Arc;

use parking_lot::Mutex;
use redis::aio::ConnectionManager;
use tokio::sync::{Notify, Semaphore, broadcast};

use crate::cluster::adapter::AdapterChannels;
use crate::cluster::calls::PendingCalls;
use crate::cluster::config::ClusterConfig;
use crate::cluster::directory::Directory;
use crate::cluster::keys::Keys;
use crate::cluster::records::{NodeRecord, RoomsChanged};
use crate::cluster::rpc::Pending;
use crate::cluster::seams::{LocalBroadcast, LocalRooms};
use crate::cluster::stats::ClusterStats;

/// Concurrent incoming requests a node serves; more are refused at once ("busy"), so a flood on
/// our request channel cannot spawn unbounded tasks.
pub const MAX_SERVING: usize = 64;

/// The Socket.IO adapter side of a node: the namespaces it relays and the local sockets.
pub struct AdapterLink {
    pub channels: Vec<AdapterChannels>,
    pub local: Arc<dyn LocalBroadcast>,
}

/// Everything the node's tasks share.
pub struct Shared {
    pub config: ClusterConfig,
    pub keys: Keys,
    pub directory: Directory,
    pub conn: ConnectionManager,
    pub stats: Arc<ClusterStats>,
    pub local: Arc<dyn LocalRooms>,
    pub adapter: Option<AdapterLink>,
    pub pending: Pending,
    /// Node-adapter calls this node waits on (its own fetchSockets and the like).
    pub calls: PendingCalls,
    /// Numbers this node's adapter request ids.
    pub next_call: std::sync::atomic::AtomicU64,
    /// Wakes the heartbeat for an immediate refresh (room opened/closed, Redis back).
    pub refresh: Notify,
    pub rooms_changed: broadcast::Sender<RoomsChanged>,
    /// Room ids of the last successful registration (to delete their pointers on shutdown).
    pub registered_rooms: Mutex<Vec<String>>,
    pub serving: Arc<Semaphore>,
    /// Precomputed channel names this node listens on.
    pub rpc_channel: String,
    pub reply_channel: String,
    pub rooms_changed_channel: String,
}

impl Shared {
    /// Re-asserts the node and all its rooms once. Never fails loudly: a Redis outage is logged
    /// once on the transition and counted; the rooms keep running regardless.
    pub async fn refresh_once(&self) {
        let snapshot = self.local.snapshot();
        let record = NodeRecord {
            id: self.config.node_id.clone(),
            url: self.config.public_url.clone(),
            load: snapshot.load,
        };
        let mut conn = self.conn.clone();
        let attempt = tokio::time::timeout(
            self.config.request_timeout,
            self.directory.register(&mut conn, &record, &snapshot.rooms),
        )
        .await;
        let was_registered = self.stats.registered();
        match attempt {
            Ok(Ok(())) => {
                self.stats.set_registered(true);
                *self.registered_rooms.lock() = snapshot.rooms.into_iter().map(|r| r.id).collect();
                if !was_registered {
                    tracing::info!(node = %record.id, "registered in the cluster directory");
                }
            }
            Ok(Err(error)) => self.registration_failed(was_registered, &error.to_string()),
            Err(_) => self.registration_failed(was_registered, "timed out"),
        }
    }

    fn registration_failed(&self, was_registered: bool, error: &str) {
        self.stats.set_registered(false);
        if was_registered {
            tracing::warn!(node = %self.config.node_id, error, "cluster directory refresh failed; serving local rooms only");
        } else {
            tracing::debug!(node = %self.config.node_id, error, "cluster directory refresh failed");
        }
    }
}
