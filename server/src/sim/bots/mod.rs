//! Bot players. A brain sees what a human client of the same size would see (its viewport, via
//! `perception`) and answers with the same input a person gives: a target point, split, eject.
//!
//! Three strategies play differently on purpose, so `petri match --seeds` can compare them:
//! - `forager` grazes food and runs only from danger that is right on top of it;
//! - `hunter` chases players it can eat and split-kills them, grazing in between;
//! - `survivor` keeps far from anything bigger, hides by viruses while small, grazes when safe.

mod forager;
mod hunter;
pub mod perception;
mod survivor;
pub mod think;

use glam::Vec2;

pub use perception::{Me, Seen, Sight};

/// Which way a bot plays.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    Forager,
    Hunter,
    Survivor,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Strategy::Forager, Strategy::Hunter, Strategy::Survivor];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Forager => "forager",
            Strategy::Hunter => "hunter",
            Strategy::Survivor => "survivor",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A bot's mind: its strategy and what it remembers between decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct Brain {
    pub strategy: Strategy,
    /// The heading it roams along when it sees nothing worth a detour.
    pub wander: Vec2,
}

impl Brain {
    pub fn new(strategy: Strategy) -> Self {
        Self {
            strategy,
            wander: Vec2::X,
        }
    }

    /// Decides this moment's input from what the bot sees.
    pub fn decide(&mut self, me: &Me, sight: &Sight, roll: u64) -> Decision {
        if roll % 64 == 0 || sight.near_border != Vec2::ZERO {
            let angle = (roll >> 8) as f32 / (1u64 << 56) as f32 * std::f32::consts::TAU;
            self.wander = (Vec2::from_angle(angle) + sight.near_border * 2.0).normalize_or(Vec2::X);
        }
        match self.strategy {
            Strategy::Forager => forager::decide(me, sight, self.wander),
            Strategy::Hunter => hunter::decide(me, sight, self.wander),
            Strategy::Survivor => survivor::decide(me, sight, self.wander),
        }
    }
}

/// A brain's answer: the direction to steer and the actions to take.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Decision {
    pub heading: Vec2,
    pub split: bool,
    pub eject: bool,
}

impl Decision {
    pub fn go(heading: Vec2) -> Self {
        Self {
            heading,
            ..Self::default()
        }
    }
}

/// Steering toward a point.
fn toward(me: &Me, point: Vec2) -> Vec2 {
    (point - me.position).normalize_or(Vec2::X)
}
