//! Numbers a room publishes while it runs: read by the lobby and `/metrics` without stopping the
//! room, so they are atomics rather than data behind a lock.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct RoomStatus {
    pub players: AtomicU32,
    pub bots: AtomicU32,
    pub spectators: AtomicU32,
    pub closed: AtomicBool,
    pub ticks: AtomicU64,
    pub frames_sent: AtomicU64,
    pub frames_skipped: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub last_tick_micros: AtomicU64,
    pub rejected: RejectCounts,
}

/// Inputs refused, by reason.
#[derive(Debug, Default)]
pub struct RejectCounts {
    /// Over the per-client input or action rate.
    pub rate_limited: AtomicU64,
    /// NaN, infinity, or coordinates far outside any map.
    pub bad_number: AtomicU64,
    /// An input from a client that is not playing in this room.
    pub not_playing: AtomicU64,
    /// Joins refused (full, wrong code, ...).
    pub join_refused: AtomicU64,
    /// Events the game does not know.
    pub unknown_event: AtomicU64,
}

impl RejectCounts {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
