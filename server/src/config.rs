//! `petri serve`'s configuration: built-in defaults, then a TOML file, then `PETRI_*` environment
//! variables and command-line flags (clap reads both), each layer overriding the one before.
//! `petri serve --print-config` prints the result as TOML, which is also a valid config file.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::cluster::{self, ClusterConfig, NodeId, RedisUrl};
use crate::realtime::deflate::CompressionConfig;
use crate::realtime::{IpRange, RealtimeConfig, TrustedProxies};
use crate::replay::ReplaysConfig;
use crate::rooms::{HostLimits, RoomSettings};

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The Socket.IO / Engine.IO limits of the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// Largest message a client may send, in bytes (Engine.IO's maxPayload); larger closes it.
    pub max_payload: usize,
    /// How often the server pings each client, and how long it waits for the pong.
    pub ping_interval_ms: u64,
    pub ping_timeout_ms: u64,
    /// Messages that may wait for one connection whose socket buffer is full, before the
    /// slow-consumer policy applies (frames are skipped past three quarters of it).
    pub send_queue_depth: usize,
    /// Connections at once; further WebSocket upgrades get HTTP 503.
    pub max_connections: usize,
    /// Connections at once from one IP address; more are closed at once. Raise it for load
    /// tests from one machine (`petri swarm`).
    pub max_connections_per_address: usize,
    /// Browser origins allowed to connect, e.g. `["https://play.example.com"]`; empty: any.
    /// Clients that are not browsers send no Origin and are not affected.
    pub allowed_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client, as
    /// addresses or CIDR ranges (`["127.0.0.1", "10.0.0.0/8"]`); empty: the headers are
    /// ignored and every TCP peer is a client. An invalid entry stops the server at start.
    pub trusted_proxies: Vec<IpRange>,
    /// Time a TCP connection has to send its HTTP request and finish the WebSocket upgrade.
    pub handshake_timeout_ms: u64,
    /// Time a WebSocket has to join a Socket.IO namespace before it is closed.
    pub connect_timeout_ms: u64,
    /// permessage-deflate on WebSockets, for clients that offer it (browsers do): a game frame
    /// costs about half the bytes. Off: never negotiated.
    pub websocket_compression: bool,
    /// Messages shorter than this many bytes are sent uncompressed even when compression is on.
    pub compression_threshold: usize,
}

/// The realtime layer's own defaults are Socket.IO's (a 1 MB payload like the JS server's
/// `maxHttpBufferSize`), right for a general-purpose library. A game server tightens three of
/// them, here and only here; every other limit is the realtime layer's default.
impl Default for NetworkConfig {
    fn default() -> Self {
        let base = RealtimeConfig::default();
        let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            // the largest legitimate game message (a join, a create) is well under 1 KiB
            max_payload: 64 * 1024,
            ping_interval_ms: millis(base.ping_interval),
            ping_timeout_ms: millis(base.ping_timeout),
            // 128 frames are five seconds of a 25 Hz room: a client that far behind is gone
            send_queue_depth: 128,
            // 10,000 idle connections take about 126 MB (BENCHMARKS.md): twice that fits a host
            max_connections: 20_000,
            max_connections_per_address: base.max_connections_per_address,
            allowed_origins: base.allowed_origins,
            trusted_proxies: base.trusted_proxies.ranges().to_vec(),
            handshake_timeout_ms: millis(base.handshake_timeout),
            connect_timeout_ms: millis(base.connect_timeout),
            websocket_compression: base.compression.enabled,
            compression_threshold: base.compression.threshold,
        }
    }
}

/// The room every server starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MainRoomConfig {
    pub name: String,
    /// A preset TOML with the rules (absent: the embedded classic preset).
    pub preset: Option<PathBuf>,
    pub capacity: u32,
    /// Bots keep the room at this many players.
    pub bots: u32,
    /// The game mode (`ffa`, `teams`, `lms`); absent: the preset's (classic: `ffa`). Rooms
    /// created through the lobby start from the main room's settings, so this is their default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<crate::sim::Mode>,
}

/// The numbers are `RoomSettings::default_public`'s, so a main room configured by nothing is the
/// classic public room.
impl Default for MainRoomConfig {
    fn default() -> Self {
        let room = RoomSettings::default_public("Main arena");
        Self {
            name: room.name,
            preset: None,
            capacity: room.capacity,
            bots: room.bot_fill,
            mode: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Serve the web client from this directory instead of the copy inside the binary.
    pub web_root: Option<PathBuf>,
    pub log_format: LogFormat,
    /// On SIGINT/SIGTERM: how long rooms and connections get to finish before the process exits.
    pub shutdown_grace_ms: u64,
    /// Seconds between giving malloc's free pages back to the system (`heap::trim_every`); 0
    /// leaves them to malloc. A long-running server's RSS otherwise keeps freed memory for good.
    pub memory_trim_secs: u64,
    pub network: NetworkConfig,
    pub main_room: MainRoomConfig,
    pub limits: HostLimits,
    pub cluster: ClusterSection,
    /// `[replays]`: recording rooms (off unless `dir` is set; `crate::replay::dir`).
    pub replays: ReplaysConfig,
}

/// `[cluster]`: many nodes on one Redis (docs/CLUSTER.md). Without `redis_url` the server is a
/// single self-contained node and nothing here is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSection {
    /// Redis to meet the other nodes on (`redis://:password@host:6379/0`). Set = clustered.
    /// `--print-config` prints it with the password masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_url: Option<RedisUrl>,
    /// The base URL browsers use to reach this node (`https://eu1.example.com`); rooms listed by
    /// other nodes point here. Default: `http://<bind address>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// This node's id in the cluster (`[A-Za-z0-9_-]{1,64}`); default: random at each start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// How often the node refreshes its directory entries.
    pub heartbeat_ms: u64,
    /// How long entries live without a refresh: a killed node leaves every listing this long
    /// after its last heartbeat (at least twice `heartbeat_ms`).
    pub expiry_ms: u64,
    /// How long a cross-node request (open a room there) waits for its answer.
    pub request_timeout_ms: u64,
    /// Largest message accepted from Redis; larger ones are counted and dropped.
    pub max_message_bytes: usize,
    /// The Socket.IO Redis adapter's key: Node.js servers on the same key share broadcasts.
    pub adapter_key: String,
    /// Prefix of Petri's own keys and channels (one per cluster sharing a Redis).
    pub key_prefix: String,
}

impl Default for ClusterSection {
    fn default() -> Self {
        let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            redis_url: None,
            public_url: None,
            node_id: None,
            heartbeat_ms: millis(cluster::DEFAULT_HEARTBEAT),
            expiry_ms: millis(cluster::DEFAULT_EXPIRY),
            request_timeout_ms: millis(cluster::DEFAULT_REQUEST_TIMEOUT),
            max_message_bytes: cluster::DEFAULT_MAX_MESSAGE_BYTES,
            adapter_key: cluster::DEFAULT_ADAPTER_KEY.to_owned(),
            key_prefix: cluster::DEFAULT_KEY_PREFIX.to_owned(),
        }
    }
}

/// A Redis URL prints through its redaction, so `--print-config` (and any `Debug` of the config)
/// never shows the password; a printed config therefore needs the password put back to be used.
impl Serialize for RedisUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RedisUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(RedisUrl::new)
    }
}

impl ClusterSection {
    /// The cluster settings, or `None` for a single node. `bind` gives the default public URL.
    pub fn resolve(&self, bind: SocketAddr) -> Result<Option<ClusterConfig>, cluster::ConfigError> {
        let Some(url) = &self.redis_url else {
            return Ok(None);
        };
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind}"));
        let mut config = ClusterConfig::new(url.clone(), public_url.trim_end_matches('/'));
        if let Some(id) = &self.node_id {
            config.node_id = NodeId::parse(id)?;
        }
        let millis = std::time::Duration::from_millis;
        config.heartbeat_interval = millis(self.heartbeat_ms);
        config.expiry = millis(self.expiry_ms);
        config.request_timeout = millis(self.request_timeout_ms);
        config.max_message_bytes = self.max_message_bytes;
        config.adapter_key = self.adapter_key.clone();
        config.key_prefix = self.key_prefix.clone();
        config.validate()?;
        Ok(Some(config))
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            web_root: None,
            log_format: LogFormat::Text,
            shutdown_grace_ms: 5_000,
            memory_trim_secs: 60,
            network: NetworkConfig::default(),
            main_room: MainRoomConfig::default(),
            limits: HostLimits::default(),
            cluster: ClusterSection::default(),
            replays: ReplaysConfig::default(),
        }
    }
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("could not print the configuration: {0}")]
    Print(#[from] toml::ser::Error),
}

impl NetworkConfig {
    /// The realtime layer's settings for this configuration.
    pub fn realtime(&self, shutdown_grace_ms: u64) -> RealtimeConfig {
        use std::time::Duration;
        RealtimeConfig {
            ping_interval: Duration::from_millis(self.ping_interval_ms),
            ping_timeout: Duration::from_millis(self.ping_timeout_ms),
            max_payload: self.max_payload,
            send_queue_depth: self.send_queue_depth,
            max_connections: self.max_connections,
            max_connections_per_address: self.max_connections_per_address,
            allowed_origins: self.allowed_origins.clone(),
            trusted_proxies: TrustedProxies::new(self.trusted_proxies.clone()),
            handshake_timeout: Duration::from_millis(self.handshake_timeout_ms),
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            shutdown_grace: Duration::from_millis(shutdown_grace_ms),
            compression: CompressionConfig {
                enabled: self.websocket_compression,
                threshold: self.compression_threshold,
                ..CompressionConfig::default()
            },
            ..RealtimeConfig::default()
        }
    }
}

/// In TOML a range is its text (`"10.0.0.0/8"`); the realtime layer's type stays serde-free, so
/// the config owns its file format. A bad entry fails the parse with the entry named.
impl Serialize for IpRange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl ServerConfig {
    /// Reads a config file over the defaults (fields it leaves out keep their default).
    pub fn from_file(path: &std::path::Path) -> Result<Self, ConfigFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigFileError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// The configuration as TOML.
    pub fn to_toml(&self) -> Result<String, ConfigFileError> {
        Ok(toml::to_string_pretty(self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_config_reads_back_identically() {
        let config = ServerConfig::default();
        let text = config.to_toml().expect("prints");
        let back: ServerConfig = toml::from_str(&text).expect("parses");
        assert_eq!(back, config);
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<ServerConfig>("bnd = \"0.0.0.0:1\"").is_err());
        let partial: ServerConfig =
            toml::from_str("[network]\nmax_payload = 1000\n").expect("parses");
        assert_eq!(partial.network.max_payload, 1000);
        assert_eq!(partial.network.ping_interval_ms, 25_000);
    }

    #[test]
    fn trusted_proxies_read_print_and_name_a_bad_entry() {
        let config: ServerConfig =
            toml::from_str("[network]\ntrusted_proxies = [\"127.0.0.1\", \"fd00::/8\"]\n")
                .expect("parses");
        let realtime = config.network.realtime(1_000);
        assert!(realtime.trusted_proxies.contains([127, 0, 0, 1].into()));
        assert!(!realtime.trusted_proxies.contains([127, 0, 0, 2].into()));
        let back: ServerConfig = toml::from_str(&config.to_toml().expect("prints")).expect("reads");
        assert_eq!(back, config);
        let error =
            toml::from_str::<ServerConfig>("[network]\ntrusted_proxies = [\"10.0.0.0/40\"]\n")
                .expect_err("invalid");
        assert!(error.to_string().contains("10.0.0.0/40"), "{error}");
        assert!(ServerConfig::default().network.trusted_proxies.is_empty());
    }

    #[test]
    fn the_cluster_section_resolves_and_never_prints_the_password() {
        let bind: SocketAddr = "127.0.0.1:9000".parse().expect("addr");
        assert!(
            ServerConfig::default()
                .cluster
                .resolve(bind)
                .expect("ok")
                .is_none()
        );
        let config: ServerConfig = toml::from_str(
            "[cluster]\nredis_url = \"redis://:hunter2@127.0.0.1:6390/0\"\nnode_id = \"eu-1\"\n",
        )
        .expect("parses");
        let resolved = config
            .cluster
            .resolve(bind)
            .expect("valid")
            .expect("clustered");
        assert_eq!(resolved.public_url, "http://127.0.0.1:9000");
        assert_eq!(resolved.node_id.as_str(), "eu-1");
        let printed = config.to_toml().expect("prints");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("redis://"), "{printed}");
        let mut bad = config.cluster.clone();
        bad.expiry_ms = bad.heartbeat_ms;
        assert!(bad.resolve(bind).is_err());
    }
}
