//! The rule by which a client's buffers give back memory they no longer need (issue 17).
//!
//! A view grows with its player (up to about 44 times the base area), and a buffer that only
//! ever grows keeps the capacity of the biggest view or frame its client ever had. Over a long
//! soak every client has been big once, so memory climbs to the sum of everyone's peaks, ever
//! more slowly, as records do. Trimmed every [`TRIM_EVERY`] ticks, it follows current sizes
//! instead. A trim reallocates only after a need shrank a lot (a big player died), so a steady
//! state still allocates nothing.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// How often (in ticks) a client's buffers are checked for capacity far beyond their need.
pub const TRIM_EVERY: u32 = 64;
/// A buffer is trimmed when its capacity exceeds this many times its need...
pub const TRIM_SLACK: usize = 4;
/// ...plus this floor, in elements (small buffers are never worth a reallocation).
pub const TRIM_FLOOR: usize = 64;

/// Whether this tick is a trim tick.
pub fn is_trim_tick(tick: u64) -> bool {
    tick.is_multiple_of(u64::from(TRIM_EVERY))
}

/// Whether a buffer of `capacity` is far over `need`, given a `floor` in the buffer's units.
pub fn oversized(capacity: usize, need: usize, floor: usize) -> bool {
    capacity > need.saturating_mul(TRIM_SLACK).saturating_add(floor)
}

/// What an oversized buffer is cut down to: room for twice its need.
pub fn trimmed_capacity(need: usize, floor: usize) -> usize {
    need.saturating_mul(2).max(floor)
}

pub fn trim_vec<T>(v: &mut Vec<T>, need: usize) {
    if oversized(v.capacity(), need, TRIM_FLOOR) {
        v.shrink_to(trimmed_capacity(need, TRIM_FLOOR));
    }
}

pub fn trim_map<K: Eq + Hash, V, S: BuildHasher>(m: &mut HashMap<K, V, S>, need: usize) {
    if oversized(m.capacity(), need, TRIM_FLOOR) {
        m.shrink_to(trimmed_capacity(need, TRIM_FLOOR));
    }
}
