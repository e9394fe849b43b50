//! Counters and the "connected" flag, as plain atomics so the metrics module (wired by the
//! integration) reads them without a lock and the cluster module imports no metrics types.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What the cluster layer counts. Every field is monotonic except the two flags.
#[derive(Debug, Default)]
pub struct ClusterStats {
    subscriber_up: AtomicBool,
    registered: AtomicBool,
    /// Times the pub/sub connection was (re-)established.
    pub connects: AtomicU64,
    /// Successful directory refreshes.
    pub registrations: AtomicU64,
    /// Directory refreshes that failed (Redis down or erroring).
    pub registration_failures: AtomicU64,
    /// Messages dropped because they were larger than `max_message_bytes`.
    pub oversized_dropped: AtomicU64,
    /// Messages dropped because they did not decode (or decoded to something unknown).
    pub malformed_dropped: AtomicU64,
    /// Adapter broadcasts dropped without decoding: for a room this node lacks (read from the
    /// channel name, issue 5226) or sent by this node itself (read from the first bytes).
    pub skipped_before_decode: AtomicU64,
    /// Adapter broadcasts decoded and handed to the local sockets.
    pub broadcasts_delivered: AtomicU64,
    /// Incoming cross-node requests dropped because `MAX_SERVING` were already being served.
    pub requests_shed: AtomicU64,
    /// Cross-node requests that got no answer in time.
    pub request_timeouts: AtomicU64,
}

impl ClusterStats {
    /// True while the node has a live pub/sub connection and its last directory refresh worked:
    /// the "is this node in the cluster" metric.
    pub fn connected(&self) -> bool {
        self.subscriber_up.load(Ordering::Relaxed) && self.registered.load(Ordering::Relaxed)
    }

    /// True when the last directory refresh worked.
    pub fn registered(&self) -> bool {
        self.registered.load(Ordering::Relaxed)
    }

    pub(crate) fn set_subscriber_up(&self, up: bool) {
        self.subscriber_up.store(up, Ordering::Relaxed);
    }

    pub(crate) fn set_registered(&self, ok: bool) {
        self.registered.store(ok, Ordering::Relaxed);
        let counter = if ok {
            &self.registrations
        } else {
            &self.registration_failures
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads one counter (for tests and the metrics exporter).
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
