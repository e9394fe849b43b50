//! A token bucket counted in ticks, so limits behave the same however fast a room runs.

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    tokens: f32,
    burst: f32,
    per_tick: f32,
}

impl TokenBucket {
    /// `rate` per second at `tick_rate` ticks per second, with `burst` tokens banked at most.
    pub fn new(rate: f32, burst: f32, tick_rate: u32) -> Self {
        Self {
            tokens: burst,
            burst,
            per_tick: rate / tick_rate.max(1) as f32,
        }
    }

    /// Called once per tick.
    pub fn refill(&mut self) {
        self.tokens = (self.tokens + self.per_tick).min(self.burst);
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
        let mut b = TokenBucket::new(25.0, 5.0, 25);
        assert_eq!((0..100).filter(|_| b.take()).count(), 5);
        b.refill();
        assert!(b.take());
        assert!(!b.take());
    }
}
