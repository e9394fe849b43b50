//! What the HTTP side of the realtime layer counts: open Engine.IO sessions (WebSocket and
//! long-polling) and refusals.
//!
//! Plain atomics, read by whoever wants them (Petri's `/metrics` reads them at scrape time), so
//! the layer needs no metrics library and no callback into the application. Counting costs one
//! atomic add per connection opened, closed or refused; nothing per packet.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Why a connection was refused before its Engine.IO session started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// `max_connections` sessions (WebSocket or long-polling) were already open (HTTP 503).
    MaxConnections,
    /// The client's address already held `max_connections_per_address` places: a direct
    /// peer's TCP connection over it (served health checks only, or closed at accept when every
    /// probe place is taken), or a forwarded client's new session behind a trusted proxy
    /// (HTTP 429).
    PerAddress,
    /// The request to the Engine.IO path was not a valid Engine.IO handshake (HTTP 400 with an
    /// Engine.IO error code).
    BadHandshake,
    /// A browser's `Origin` is not in `allowed_origins` (HTTP 403).
    Origin,
}

impl RefusalReason {
    /// Every reason, in a fixed order (for exporting all counters, zeros included).
    pub const ALL: [Self; 4] = [
        Self::MaxConnections,
        Self::PerAddress,
        Self::BadHandshake,
        Self::Origin,
    ];

    /// A short `snake_case` label, e.g. for a metrics label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MaxConnections => "max_connections",
            Self::PerAddress => "per_address",
            Self::BadHandshake => "bad_handshake",
            Self::Origin => "origin",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Connection counters of one server (see [`super::SocketIo::stats`]).
#[derive(Debug, Default)]
pub struct ConnectionStats {
    open: AtomicUsize,
    accepted: AtomicU64,
    refused: [AtomicU64; RefusalReason::ALL.len()],
    compressed: AtomicU64,
}

impl ConnectionStats {
    /// Sessions (WebSocket and long-polling) open right now: admitted under `max_connections` and not yet ended
    /// (one per client, however many namespaces it joined). This is the number
    /// `max_connections` bounds; it includes upgrades still completing (at most
    /// `handshake_timeout` each).
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Sessions admitted since the server started.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Connections refused for `reason` since the server started.
    pub fn refused(&self, reason: RefusalReason) -> u64 {
        self.refused[reason.index()].load(Ordering::Relaxed)
    }

    /// WebSocket connections that negotiated permessage-deflate since the server started.
    pub fn compressed(&self) -> u64 {
        self.compressed.load(Ordering::Relaxed)
    }

    pub(crate) fn count_compressed(&self) {
        self.compressed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn refuse(&self, reason: RefusalReason) {
        self.refused[reason.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Admits one more session unless `max` are open (then counts the refusal).
    pub(crate) fn admit(self: &Arc<Self>, max: usize) -> Option<ConnectionPermit> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= max {
            self.open.fetch_sub(1, Ordering::AcqRel);
            self.refuse(RefusalReason::MaxConnections);
            return None;
        }
        self.accepted.fetch_add(1, Ordering::Relaxed);
        Some(ConnectionPermit(Arc::clone(self)))
    }
}

/// One admitted session; dropping it (when the connection's task ends) frees its
/// place under `max_connections`.
pub(crate) struct ConnectionPermit(Arc<ConnectionStats>);

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_bound_open_connections_and_refusals_are_counted() {
        let stats = Arc::new(ConnectionStats::default());
        let first = stats.admit(2);
        let second = stats.admit(2);
        assert!(first.is_some() && second.is_some());
        assert!(stats.admit(2).is_none(), "a third is refused");
        assert_eq!(stats.open(), 2);
        assert_eq!(stats.refused(RefusalReason::MaxConnections), 1);
        drop(first);
        assert_eq!(stats.open(), 1);
        assert!(stats.admit(2).is_some(), "a freed place is reusable");
        assert_eq!(stats.accepted(), 3);
        stats.refuse(RefusalReason::Origin);
        assert_eq!(stats.refused(RefusalReason::Origin), 1);
        assert_eq!(stats.refused(RefusalReason::PerAddress), 0);
    }
}
