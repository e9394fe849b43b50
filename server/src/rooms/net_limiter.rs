//! A per-connection token bucket on the network side, in wall time: it stops one flooding socket
//! from filling a room's shared command queue before the room's own per-player limits see it.

use std::time::Instant;

use parking_lot::Mutex;

#[derive(Debug)]
pub struct NetLimiter {
    state: Mutex<(f64, Instant)>,
    rate: f64,
    burst: f64,
}

impl NetLimiter {
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            state: Mutex::new((burst, Instant::now())),
            rate,
            burst,
        }
    }

    /// Spends a token if one is left.
    pub fn allow(&self) -> bool {
        let mut state = self.state.lock();
        let now = Instant::now();
        let refill = now.duration_since(state.1).as_secs_f64() * self.rate;
        state.0 = (state.0 + refill).min(self.burst);
        state.1 = now;
        if state.0 >= 1.0 {
            state.0 -= 1.0;
            true
        } else {
            false
        }
    }
}
