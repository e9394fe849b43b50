//! What the relay counts, as plain atomics (read by metrics or tests without a lock).

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one relay. Every field is monotonic.
#[derive(Debug, Default)]
pub struct RelayStats {
    /// Broadcasts handed to the cluster for publishing.
    pub published: AtomicU64,
    /// Broadcasts dropped because the publish queue was full (`PUBLISH_BACKLOG`) or the node
    /// was gone.
    pub publish_dropped: AtomicU64,
    /// Publishes Redis refused or did not answer.
    pub publish_failed: AtomicU64,
    /// Other servers' broadcasts delivered to at least one local socket.
    pub delivered: AtomicU64,
    /// Other servers' broadcasts that matched no local socket (nothing converted or encoded).
    pub delivered_to_nobody: AtomicU64,
    /// Other servers' broadcasts or requests refused locally (a reserved event name, an event
    /// that is not text).
    pub refused: AtomicU64,
    /// Requests from other servers left unanswered because `MAX_ANSWERING` answers were
    /// already under way.
    pub answers_shed: AtomicU64,
}

impl RelayStats {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A counter's value now.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
