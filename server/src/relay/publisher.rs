//! The one task that publishes this server's broadcasts, in emit order. Emitters (room tick
//! threads included, outside any async runtime) hand it a message with a non-blocking
//! `try_send`; a full queue drops the broadcast and counts it, like a volatile emit, rather than
//! block a tick or grow without bound while Redis is slow or away.

use std::sync::{Arc, Weak};

use tokio::sync::mpsc;

use super::stats::RelayStats;
use crate::cluster::ClusterNode;
use crate::cluster::adapter::BroadcastMessage;

/// Broadcasts waiting to be published; past this they are dropped and counted.
pub const PUBLISH_BACKLOG: usize = 4096;

/// The emitters' end of the queue.
#[derive(Clone)]
pub struct Publisher {
    queue: mpsc::Sender<BroadcastMessage>,
    stats: Arc<RelayStats>,
}

impl Publisher {
    /// Starts the publishing task on `runtime`; it ends when the node is gone or every
    /// `Publisher` is dropped.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        node: Weak<ClusterNode>,
        stats: Arc<RelayStats>,
    ) -> Self {
        let (queue, mut pending) = mpsc::channel::<BroadcastMessage>(PUBLISH_BACKLOG);
        let counters = Arc::clone(&stats);
        runtime.spawn(async move {
            while let Some(message) = pending.recv().await {
                let Some(node) = node.upgrade() else { break };
                match node.publish_broadcast(&message).await {
                    Ok(_) => RelayStats::bump(&counters.published),
                    Err(error) => {
                        RelayStats::bump(&counters.publish_failed);
                        tracing::debug!(%error, "broadcast not published");
                    }
                }
            }
        });
        Self { queue, stats }
    }

    /// Queues a broadcast without waiting.
    pub fn push(&self, message: BroadcastMessage) {
        if self.queue.try_send(message).is_err() {
            RelayStats::bump(&self.stats.publish_dropped);
        }
    }
}
