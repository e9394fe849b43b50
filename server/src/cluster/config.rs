//! `ClusterConfig`: every cluster setting, named, documented and defaulted.
//!
//! The timing defaults are chosen from the fault budget, not copied: a SIGKILLed node must
//! leave every listing within 10 s, and a node must be registered again within 5 s of Redis
//! returning. With a 2 s heartbeat and a 6 s expiry a node survives two lost refreshes in a row (a
//! GC-free Rust process misses one only when Redis itself stalls) and a dead one is gone at most 6 s
//! after its last refresh; reconnects back off to at most 1 s, so re-registration after an outage
//! takes at most 1 s (reconnect) + 2 s (next heartbeat), and the reconnect itself triggers an
//! immediate refresh. The integrator wires these into config.rs (`[cluster]`) and the flags
//! `--redis` / `PETRI_REDIS_URL` and `--public-url` / `PETRI_PUBLIC_URL`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cluster::redact::RedisUrl;

/// What a [`ClusterConfig`] can be refused for.
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

/// A node's id in the cluster: `[A-Za-z0-9_-]{1,64}`, so it can sit in a Redis key and a channel
/// name without escaping.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(String);

impl NodeId {
    /// Checks and wraps an id given by the operator or read from Redis.
    pub fn parse(id: &str) -> Result<Self, ConfigError> {
        let valid = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(id.to_owned()))
        } else {
            Err(ConfigError::NodeId)
        }
    }

    /// A fresh random id (12 hex digits, 48 bits: collisions are negligible for any cluster that
    /// one Redis carries). Falls back to the process id and time if the OS has no randomness.
    pub fn random() -> Self {
        let mut bytes = [0u8; 6];
        if getrandom::fill(&mut bytes).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            bytes[..4].copy_from_slice(&nanos.to_le_bytes());
            bytes[4..].copy_from_slice(&(std::process::id() as u16).to_le_bytes());
        }
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.0)
    }
}

/// How often a node re-asserts its directory entries (node record, room summaries).
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(2);
/// How long an entry lives without a refresh: a dead node vanishes this long after its last beat.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(6);
/// How long a cross-node request (create a room on node X) waits for the answer. Colyseus uses
/// 2 s for the same purpose; a room opens in well under a millisecond, so 2 s only ever expires on a
/// node that is stalled or gone.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest message accepted from any cluster channel. Bigger ones are counted and dropped
/// before decoding. 1 MiB is the Socket.IO default `maxHttpBufferSize`, so no legitimate
/// broadcast a browser could send is refused.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1 << 20;
/// The first reconnect delay after Redis drops; doubled per failure up to the maximum below.
pub const DEFAULT_RECONNECT_MIN: Duration = Duration::from_millis(100);
/// The longest reconnect delay: bounds re-registration after an outage to about 1 s + heartbeat.
pub const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(1);
/// The Socket.IO Redis adapter's key (channel prefix); the official adapter's default, so Node.js
/// servers on their defaults share broadcasts with Petri.
pub const DEFAULT_ADAPTER_KEY: &str = "socket.io";
/// The prefix of every Petri-only key and channel (directory, requests, notices).
pub const DEFAULT_KEY_PREFIX: &str = "petri";

/// The whole cluster configuration. `redis_url` set means "clustered"; without a config the node
/// is a single self-contained server as before.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// Where Redis is; may carry a password (`redis://:pw@host:6379/0`), never printed.
    pub redis_url: RedisUrl,
    /// The base URL browsers use to reach this node (`https://eu1.petri.example`); listings give it
    /// with every room so clients can go to the owning node.
    pub public_url: String,
    /// This node's id; random per start unless set, so a restarted node never inherits the
    /// entries of its previous life.
    pub node_id: NodeId,
    /// See [`DEFAULT_HEARTBEAT`].
    pub heartbeat_interval: Duration,
    /// See [`DEFAULT_EXPIRY`].
    pub expiry: Duration,
    /// See [`DEFAULT_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// See [`DEFAULT_MAX_MESSAGE_BYTES`].
    pub max_message_bytes: usize,
    /// See [`DEFAULT_RECONNECT_MIN`].
    pub reconnect_min: Duration,
    /// See [`DEFAULT_RECONNECT_MAX`].
    pub reconnect_max: Duration,
    /// See [`DEFAULT_ADAPTER_KEY`].
    pub adapter_key: String,
    /// See [`DEFAULT_KEY_PREFIX`]; tests give each cluster its own.
    pub key_prefix: String,
}

impl ClusterConfig {
    /// A config with every default and a random node id.
    pub fn new(redis_url: RedisUrl, public_url: impl Into<String>) -> Self {
        Self {
            redis_url,
            public_url: public_url.into(),
            node_id: NodeId::random(),
            heartbeat_interval: DEFAULT_HEARTBEAT,
            expiry: DEFAULT_EXPIRY,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            reconnect_min: DEFAULT_RECONNECT_MIN,
            reconnect_max: DEFAULT_RECONNECT_MAX,
            adapter_key: DEFAULT_ADAPTER_KEY.to_owned(),
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
        }
    }

    /// Refuses settings that cannot work together. Millisecond floors keep the tests' short
    /// timings possible while catching a unit mistake (`heartbeat = 0`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.redis_url.expose();
        if !["redis://", "rediss://", "unix://"]
            .iter()
            .any(|s| url.starts_with(s))
        {
            return Err(ConfigError::RedisScheme);
        }
        if !["http://", "https://"]
            .iter()
            .any(|s| self.public_url.starts_with(s))
        {
            return Err(ConfigError::PublicUrlScheme);
        }
        let floor = Duration::from_millis(10);
        for (name, value) in [
            ("heartbeat_interval", self.heartbeat_interval),
            ("request_timeout", self.request_timeout),
            ("reconnect_min", self.reconnect_min),
            ("reconnect_max", self.reconnect_max),
        ] {
            if value < floor {
                return Err(ConfigError::TooShort { name, min: floor });
            }
        }
        if self.expiry < self.heartbeat_interval * 2 {
            return Err(ConfigError::ExpiryVsHeartbeat {
                expiry: self.expiry,
                heartbeat: self.heartbeat_interval,
            });
        }
        if !(1024..=64 << 20).contains(&self.max_message_bytes) {
            return Err(ConfigError::MaxMessageBytes);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ClusterConfig {
        ClusterConfig::new(
            RedisUrl::new("redis://127.0.0.1:6379"),
            "http://127.0.0.1:8080",
        )
    }

    #[test]
    fn defaults_validate_and_ids_are_random_and_key_safe() {
        assert_eq!(config().validate(), Ok(()));
        let (a, b) = (NodeId::random(), NodeId::random());
        assert_ne!(a, b);
        assert!(NodeId::parse(a.as_str()).is_ok());
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut c = config();
        c.expiry = c.heartbeat_interval;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::ExpiryVsHeartbeat { .. })
        ));
        let mut c = config();
        c.public_url = "eu1.example".into();
        assert_eq!(c.validate(), Err(ConfigError::PublicUrlScheme));
        assert_eq!(NodeId::parse("a:b"), Err(ConfigError::NodeId));
        assert_eq!(NodeId::parse(""), Err(ConfigError::NodeId));
    }
}
