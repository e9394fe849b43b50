//! Tick durations in a fixed-size histogram, so a match of any length keeps the same memory.
//!
//! Keeping every tick's `Duration` to sort at the end cost 16 bytes a tick: 2.5 MB for a
//! 160,000-tick match, a third of what the whole 5,000-tick match peaks at (issue 17). The
//! report only asks for the median, the 99th percentile and the maximum, so a log-linear
//! histogram (64 buckets per power of two, about 0.8% error at the bucket's midpoint; the
//! maximum is kept exactly) answers the same questions in 30 KB whatever the length.

use std::time::Duration;

/// Sub-buckets per power of two: values below this many nanoseconds are exact.
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Buckets for every `u64` nanosecond count: the exact ones, then `SUB` per power of two.
const BUCKETS: usize = ((64 - SUB_BITS + 1) as usize) * SUB as usize;

/// Counts of tick durations, by nanosecond bucket.
#[derive(Debug, Clone)]
pub struct TickDurations {
    counts: Box<[u64]>,
    total: u64,
    max: Duration,
}

impl Default for TickDurations {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            max: Duration::ZERO,
        }
    }
}

fn bucket_of(nanos: u64) -> usize {
    if nanos < SUB {
        return nanos as usize;
    }
    let exponent = 63 - nanos.leading_zeros(); // >= SUB_BITS
    let shift = exponent - SUB_BITS;
    let sub = (nanos >> shift) & (SUB - 1);
    ((shift + 1) as usize) * SUB as usize + sub as usize
}

/// The middle of a bucket's range, in nanoseconds.
fn midpoint_of(bucket: usize) -> f64 {
    let (group, sub) = (bucket as u64 / SUB, bucket as u64 % SUB);
    if group == 0 {
        return sub as f64;
    }
    let shift = group - 1;
    let low = (SUB + sub) << shift;
    low as f64 + ((1_u64 << shift) - 1) as f64 / 2.0
}

impl TickDurations {
    pub fn record(&mut self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket_of(nanos)] += 1;
        self.total += 1;
        self.max = self.max.max(duration);
    }

    /// How many durations were recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn max(&self) -> Duration {
        self.max
    }

    /// The `q` quantile (0..=1) in milliseconds: the duration ranked `round((len - 1) * q)`,
    /// as the midpoint of its bucket; 0 when nothing was recorded.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((self.total - 1) as f64 * q.clamp(0.0, 1.0)).round() as u64;
        let mut seen = 0;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen > rank {
                let ms = midpoint_of(bucket) / 1e6;
                return ms.min(self.max.as_secs_f64() * 1000.0);
            }
        }
        self.max.as_secs_f64() * 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_cover_every_value() {
        let mut last = 0;
        for nanos in (0..5_000).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let bucket = bucket_of(nanos);
            assert!(bucket >= last && bucket < BUCKETS, "{nanos} -> {bucket}");
            last = bucket;
        }
    }

    #[test]
    fn quantiles_are_within_one_percent() {
        let mut durations = TickDurations::default();
        for micros in 1..=1_000_u64 {
            durations.record(Duration::from_micros(micros));
        }
        assert_eq!(durations.len(), 1_000);
        let median = durations.quantile_ms(0.5);
        assert!((median - 0.5005).abs() / 0.5005 < 0.01, "median {median}");
        let p99 = durations.quantile_ms(0.99);
        assert!((p99 - 0.990).abs() / 0.990 < 0.01, "p99 {p99}");
        assert_eq!(durations.max(), Duration::from_micros(1_000));
        assert!(durations.quantile_ms(1.0) <= 1.0);
    }

    #[test]
    fn empty_reports_zero() {
        let durations = TickDurations::default();
        assert!(durations.is_empty());
        assert_eq!(durations.quantile_ms(0.5), 0.0);
    }
}
