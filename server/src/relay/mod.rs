//! The relay (issue 12): realtime's Socket.IO server and the cluster's Node-compatible Redis
//! adapter, bridged. Neither knows the other — `realtime` imports nothing of the crate and
//! `cluster` nothing of `realtime` — so this is the one place both meet:
//!
//! * [`LocalSockets`] implements the cluster's [`LocalBroadcast`](crate::cluster::LocalBroadcast)
//!   over a [`SocketIo`]: other servers' broadcasts reach local sockets, their requests are
//!   answered (`local`, `answer`);
//! * [`ClusterRemote`] implements realtime's [`RemoteAdapter`](crate::realtime::RemoteAdapter)
//!   over a [`ClusterNode`]: local broadcasts and server-side API calls reach other servers
//!   (`remote`, `publisher`);
//! * `convert` and `fetched` translate realtime's payloads and sockets to the adapter's msgpack
//!   values and back.
//!
//! The cluster node needs the local sockets at start, and realtime needs the node afterwards;
//! [`Relay`] breaks that cycle: build it, hand its [`Relay::binding`] to `ClusterNode::start`,
//! then [`Relay::attach`] the node.
//!
//! ```ignore
//! let relay = relay::Relay::new(io.clone());
//! let binding: cluster::AdapterBinding = relay.binding(vec!["/".into(), "/play".into()]);
//! let node = Arc::new(ClusterNode::start(cluster_config, local_rooms, Some(binding))?);
//! relay.attach(Arc::clone(&node)); // from now on realtime broadcasts cross servers
//! ```

mod answer;
mod convert;
mod fetched;
mod local;
mod publisher;
mod remote;
mod sockets;
mod stats;

use std::sync::Arc;
use std::time::Duration;

pub use answer::{DEFAULT_REMOTE_ACK_WAIT, MAX_REMOTE_ACK_WAIT};
pub use convert::{event_data, to_payload, to_values};
pub use publisher::PUBLISH_BACKLOG;
pub use remote::ClusterRemote;
pub use sockets::{LocalSockets, MAX_ANSWERING};
pub use stats::RelayStats;

use crate::cluster::{AdapterBinding, ClusterNode};
use crate::realtime::SocketIo;
use publisher::Publisher;

/// How long this server's `fetch_sockets`, `all_rooms` and `server_side_emit` wait for every
/// other server by default: the Node adapter's `requestsTimeout` default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a node could not be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    #[error("attach must run inside the tokio runtime (the relay publishes on it)")]
    NoRuntime,
    #[error("this Socket.IO server already has a remote adapter")]
    AlreadyAttached,
}

/// Bridges one [`SocketIo`] and one [`ClusterNode`].
pub struct Relay {
    io: SocketIo,
    stats: Arc<RelayStats>,
    request_timeout: Duration,
}

impl Relay {
    pub fn new(io: SocketIo) -> Self {
        Self {
            io,
            stats: Arc::default(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// Sets how long cross-server requests wait for every server (default
    /// [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The local sockets of `namespaces`, for `ClusterNode::start`.
    pub fn binding(&self, namespaces: Vec<String>) -> AdapterBinding {
        AdapterBinding {
            namespaces,
            local: Arc::new(LocalSockets::new(self.io.clone(), Arc::clone(&self.stats))),
        }
    }

    /// From now on realtime broadcasts and the server-side API reach the node's other servers.
    /// Logs (and otherwise ignores) a failure; see [`Relay::try_attach`].
    pub fn attach(&self, node: Arc<ClusterNode>) {
        if let Err(error) = self.try_attach(node) {
            tracing::error!(%error, "the relay could not attach the cluster node");
        }
    }

    /// [`Relay::attach`], saying why not. Must run inside the tokio runtime. The node is held
    /// weakly: the caller keeps it alive (and shuts it down).
    pub fn try_attach(&self, node: Arc<ClusterNode>) -> Result<(), RelayError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| RelayError::NoRuntime)?;
        let node = Arc::downgrade(&node);
        let remote = ClusterRemote {
            publisher: Publisher::start(&runtime, node.clone(), Arc::clone(&self.stats)),
            node,
            runtime,
            request_timeout: self.request_timeout,
        };
        self.io
            .set_remote(Arc::new(remote))
            .map_err(|_| RelayError::AlreadyAttached)
    }

    /// The relay's counters.
    pub fn stats(&self) -> Arc<RelayStats> {
        Arc::clone(&self.stats)
    }
}
