//! A token bucket: the one rate-limiting rule of the house. The clock is the caller's: a room
//! refills its clients' buckets once per tick (so limits behave the same however fast a room
//! runs), the network side refills by the wall time elapsed (`net_limiter`).

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    tokens: f64,
    burst: f64,
    /// Tokens gained per unit of the caller's clock (a tick, a second).
    rate: f64,
}

impl TokenBucket {
    /// `rate` tokens per unit of time, with `burst` tokens banked at most (and at the start).
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            tokens: burst,
            burst,
            rate,
        }
    }

    /// `rate` per second at `tick_rate` ticks per second, refilled with `refill(1.0)` each tick.
    pub fn per_tick(rate: f32, burst: f32, tick_rate: u32) -> Self {
        Self::new(
            f64::from(rate) / f64::from(tick_rate.max(1)),
            f64::from(burst),
        )
    }

    /// Adds what `elapsed` units of time earn, up to the burst.
    pub fn refill(&mut self, elapsed: f64) {
        self.tokens = (self.tokens + self.rate * elapsed).min(self.burst);
    }

    /// Spends a token if there is one.
    pub fn take(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_the_rate() {
        let mut b = TokenBucket::per_tick(25.0, 5.0, 25);
        assert_eq!((0..100).filter(|_| b.take()).count(), 5);
        b.refill(1.0);
        assert!(b.take());
        assert!(!b.take());
    }

    #[test]
    fn never_banks_more_than_the_burst() {
        let mut b = TokenBucket::new(10.0, 3.0);
        b.refill(1_000.0);
        assert_eq!((0..100).filter(|_| b.take()).count(), 3);
    }
}
