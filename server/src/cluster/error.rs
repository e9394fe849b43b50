//! The cluster's typed errors. A Redis outage is not one of them at the edges: callers get
//! [`ClusterError::Unavailable`] and fall back to local behaviour (the node keeps its rooms).

use std::time::Duration;

use crate::cluster::config::{ConfigError, NodeId};

/// What a cluster operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Redis could not be reached or answered with an error. The message never carries the URL
    /// (redis-rs errors name the io error, not the address with its password).
    #[error("the cluster's Redis is unavailable: {0}")]
    Unavailable(#[from] redis::RedisError),
    /// No node is subscribed to the target's request channel: it is gone (or never existed).
    #[error("node {node} is not in the cluster")]
    NodeAbsent { node: NodeId },
    /// The target node received the request but did not answer in time.
    #[error("node {node} did not answer within {after:?}")]
    Timeout { node: NodeId, after: Duration },
    /// The target node answered with a refusal (its reason, as it gave it).
    #[error("node {node} refused: {reason}")]
    Refused { node: NodeId, reason: String },
    /// A record or reply read from Redis was not what this version writes.
    #[error("malformed {what} from Redis: {detail}")]
    Malformed { what: &'static str, detail: String },
    /// The cluster settings do not work together.
    #[error("invalid cluster config: {0}")]
    Config(#[from] ConfigError),
    /// The node is shutting down and no longer sends requests.
    #[error("the cluster node is shutting down")]
    ShuttingDown,
}
