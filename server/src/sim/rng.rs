//! The arena's only source of chance.
//!
//! A tiny SplitMix64 generator owned by the world, seeded once: no thread-local or OS
//! randomness may reach the sim, or the same seed would stop giving the same match.

use bevy_ecs::prelude::Resource;
use glam::Vec2;

#[derive(Resource, Debug, Clone)]
pub struct SimRng {
    state: u64,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// A uniformly random direction.
    pub fn direction(&mut self) -> Vec2 {
        Vec2::from_angle(self.range(0.0, std::f32::consts::TAU))
    }
}

/// A stateless hash of a few numbers, for decisions that must not depend on the order in which
/// other decisions drew from the shared generator (bots wander by it).
pub fn mix(a: u64, b: u64) -> u64 {
    let mut r = SimRng::new(a ^ b.rotate_left(32));
    r.next_u64()
}
