//! Numbers a room publishes while it runs: read by the lobby and `/metrics` without stopping the
//! room, so they are atomics rather than data behind a lock. `/metrics` reads them at scrape time
//! from the rooms that are open, so a closed room leaves the metrics with its handle.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use petri_shared::game::RoomSummary;

use super::chat::ChatReject;
use super::settings::RoomSettings;

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
    /// Cells the room's clients hold in their views, summed: what per-client memory follows.
    pub view_cells: AtomicU64,
    pub last_tick_micros: AtomicU64,
    pub rejected: RejectCounts,
    pub chat: ChatCounts,
    pub tick_times: TickTimes,
}

impl RoomStatus {
    /// The room as the lobby lists it: the one place a `RoomSummary` is made.
    pub fn summary(&self, id: &str, settings: &RoomSettings) -> RoomSummary {
        RoomSummary {
            id: id.to_owned(),
            name: settings.name.clone(),
            mode: settings.sim.mode.label().to_owned(),
            players: self.players.load(Ordering::Relaxed),
            bots: self.bots.load(Ordering::Relaxed),
            spectators: self.spectators.load(Ordering::Relaxed),
            capacity: settings.capacity,
            private: settings.private_code.is_some(),
            url: None,
        }
    }
}

/// Why an input (or a join) was refused. `/metrics` shows each as a `reason` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// Over the per-client input or action rate, or the room's queue was full.
    RateLimited,
    /// NaN, infinity, or coordinates far outside any map.
    BadNumber,
    /// An input from a client that is not playing in this room.
    NotPlaying,
    /// Joins refused (full, wrong code, ...).
    JoinRefused,
    /// Events the game does not know.
    UnknownEvent,
}

impl Reject {
    pub const ALL: [Reject; 5] = [
        Reject::RateLimited,
        Reject::BadNumber,
        Reject::NotPlaying,
        Reject::JoinRefused,
        Reject::UnknownEvent,
    ];

    /// The `reason` label.
    pub fn label(self) -> &'static str {
        match self {
            Reject::RateLimited => "rate_limited",
            Reject::BadNumber => "bad_number",
            Reject::NotPlaying => "not_playing",
            Reject::JoinRefused => "join_refused",
            Reject::UnknownEvent => "unknown_event",
        }
    }
}

/// Inputs refused, by reason.
#[derive(Debug, Default)]
pub struct RejectCounts([AtomicU64; Reject::ALL.len()]);

impl RejectCounts {
    pub fn bump(&self, reason: Reject) {
        self.0[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self, reason: Reject) -> u64 {
        self.0[reason as usize].load(Ordering::Relaxed)
    }

    /// Every reason with its count, in `Reject::ALL` order.
    pub fn iter(&self) -> impl Iterator<Item = (Reject, u64)> + '_ {
        Reject::ALL.into_iter().map(|r| (r, self.get(r)))
    }
}

/// The room's chat: lines relayed, how many of them cleaning changed, and lines refused by reason.
#[derive(Debug, Default)]
pub struct ChatCounts {
    pub relayed: AtomicU64,
    pub sanitised: AtomicU64,
    rejected: [AtomicU64; ChatReject::ALL.len()],
}

impl ChatCounts {
    pub fn reject(&self, reason: ChatReject) {
        self.rejected[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn rejected(&self, reason: ChatReject) -> u64 {
        self.rejected[reason as usize].load(Ordering::Relaxed)
    }

    /// A line went out; `sanitised` when cleaning changed it.
    pub fn relay(&self, sanitised: bool) {
        self.relayed.fetch_add(1, Ordering::Relaxed);
        if sanitised {
            self.sanitised.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// How long this room's ticks took, as a histogram of fixed buckets: kept in atomics by the room
/// itself (no metrics library in the room's thread) and read as a Prometheus histogram.
#[derive(Debug, Default)]
pub struct TickTimes {
    /// Ticks that took at most `TickTimes::bound(i)` (and more than the bound before); a tick
    /// beyond the last bound is only in `count`, Prometheus's `+Inf` bucket.
    buckets: [AtomicU64; TickTimes::BUCKETS],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl TickTimes {
    /// 0.1 ms to about 200 ms in doublings: a 25 Hz tick has 40 ms to spend.
    pub const BUCKETS: usize = 12;
    const FIRST_BOUND_SECS: f64 = 0.000_1;

    /// The upper bound of bucket `i`, in seconds.
    pub fn bound(i: usize) -> f64 {
        Self::FIRST_BOUND_SECS * f64::from(1u32 << i)
    }

    pub fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        if let Some(bucket) = (0..Self::BUCKETS).find(|&i| seconds <= Self::bound(i)) {
            self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Sum in seconds, count, and each bucket's own `(upper bound, count)` (not cumulative, as
    /// prometheus-client's encoder wants them: it adds them up), the last the `+Inf` rest.
    pub fn snapshot(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let mut buckets = Vec::with_capacity(Self::BUCKETS + 1);
        let mut bounded = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            let n = bucket.load(Ordering::Relaxed);
            bounded += n;
            buckets.push((Self::bound(i), n));
        }
        // read after the buckets: a tick observed in between shows in the count only
        let count = self.count.load(Ordering::Relaxed).max(bounded);
        buckets.push((f64::INFINITY, count - bounded));
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        (sum, count, buckets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_counts_keep_each_reason_apart() {
        let counts = RejectCounts::default();
        counts.bump(Reject::BadNumber);
        counts.bump(Reject::BadNumber);
        counts.bump(Reject::UnknownEvent);
        let all: Vec<(&str, u64)> = counts.iter().map(|(r, n)| (r.label(), n)).collect();
        assert_eq!(
            all,
            [
                ("rate_limited", 0),
                ("bad_number", 2),
                ("not_playing", 0),
                ("join_refused", 0),
                ("unknown_event", 1)
            ]
        );
    }

    #[test]
    fn tick_times_fall_into_their_buckets() {
        let times = TickTimes::default();
        times.observe(Duration::from_micros(50)); // first bucket (<= 0.1 ms)
        times.observe(Duration::from_micros(300)); // <= 0.4 ms
        times.observe(Duration::from_secs(5)); // beyond the last bound: only in +Inf
        let (sum, count, buckets) = times.snapshot();
        assert_eq!(count, 3);
        assert!((sum - 5.000_35).abs() < 1e-9);
        assert_eq!(buckets[0], (0.000_1, 1));
        assert_eq!(buckets[1].1, 0);
        assert_eq!(buckets[2], (0.000_4, 1));
        assert_eq!(buckets.iter().map(|b| b.1).sum::<u64>(), 3);
        assert_eq!(buckets.last(), Some(&(f64::INFINITY, 1)));
    }
}
