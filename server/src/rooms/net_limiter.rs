//! A per-connection token bucket on the network side, in wall time: it stops one flooding socket
//! from filling a room's shared command queue before the room's own per-player limits see it.

use std::time::Instant;

use parking_lot::Mutex;

use super::rate_limit::TokenBucket;

#[derive(Debug)]
pub struct NetLimiter {
    /// The bucket (refilled per second) and when it was last refilled.
    state: Mutex<(TokenBucket, Instant)>,
}

impl NetLimiter {
    pub fn new(rate_per_second: f64, burst: f64) -> Self {
        Self {
            state: Mutex::new((TokenBucket::new(rate_per_second, burst), Instant::now())),
        }
    }

    /// Spends a token if one is left.
    pub fn allow(&self) -> bool {
        let mut state = self.state.lock();
        let now = Instant::now();
        let elapsed = now.duration_since(state.1).as_secs_f64();
        state.1 = now;
        state.0.refill(elapsed);
        state.0.take()
    }
}
