//! This server's sockets as the relay holds them: the Socket.IO server, the relay's counters and
//! the bound on answers under way. The cluster-facing behaviour is in `local.rs` and the answers
//! in `answer.rs`; both read this, neither reads the other's internals.

use std::sync::Arc;

use rmpv::Value;
use tokio::sync::Semaphore;

use super::stats::RelayStats;
use crate::realtime::SocketIo;

/// How many answers to other servers' requests may be under way at once (each is one publish,
/// or a wait for acks bounded by `MAX_REMOTE_ACK_WAIT`). More are shed and counted: a flood of
/// requests on the adapter channel must not turn into as many tasks.
pub const MAX_ANSWERING: usize = 64;

/// This server's sockets, for the cluster.
pub struct LocalSockets {
    pub(crate) io: SocketIo,
    pub(crate) stats: Arc<RelayStats>,
    pub(crate) answering: Arc<Semaphore>,
}

impl LocalSockets {
    pub fn new(io: SocketIo, stats: Arc<RelayStats>) -> Self {
        Self {
            io,
            stats,
            answering: Arc::new(Semaphore::new(MAX_ANSWERING)),
        }
    }
}

/// The event name and arguments of a packet's `data` (the adapter's decoder checked that it
/// starts with a text event name).
pub(crate) fn split_event(data: &[Value]) -> Option<(&str, &[Value])> {
    let (event, args) = data.split_first()?;
    Some((event.as_str()?, args))
}
