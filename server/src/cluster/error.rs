//! The cluster's typed errors. A Redis outage is not one of them at the edges: callers get
//! [`ClusterError::Unavailable`] and fall back to local behaviour (the node keeps its rooms).

use std::time::Duration;

use crate::cluster::config::NodeId;

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

/// What a [`crate::cluster::ClusterConfig`] can be refused for.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("redis_url must start with redis://, rediss:// or unix://")]
    RedisScheme,
    #[error("public_url must start with http:// or https://")]
    PublicUrlScheme,
    #[error("node_id must be 1-64 characters of [A-Za-z0-9_-]")]
    NodeId,
    #[error("{name} must be at least {min:?}")]
    TooShort { name: &'static str, min: Duration },
    #[error("expiry ({expiry:?}) must be at least twice the heartbeat interval ({heartbeat:?})")]
    ExpiryVsHeartbeat {
        expiry: Duration,
        heartbeat: Duration,
    },
    #[error("max_message_bytes must be between 1 KiB and 64 MiB")]
    MaxMessageBytes,
}
