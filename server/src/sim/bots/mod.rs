//! Bot players. A brain sees what a human client of the same size would see (its viewport, via
//! `perception`) and answers with the same input a person gives: a target point, split, eject.
//!
//! Three strategies play differently on purpose, so `petri match --seeds` can compare them:
//! - `forager` grazes food and runs only from danger that is right on top of it;
//! - `hunter` chases players it can eat and split-kills them, grazing in between;
//! - `survivor` keeps far from anything bigger, hides by viruses while small, grazes when safe.

mod forager;
mod hunter;
pub mod identity;
pub mod perception;
mod survivor;
pub mod think;

use bevy_ecs::prelude::Component;
use glam::Vec2;

pub use identity::{bot_identity, palette_color};
pub use perception::{Glimpse, Me, Seen, Sight, SightBuilder};

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
        if roll.is_multiple_of(64) || sight.near_border != Vec2::ZERO {
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

/// A player driven by a bot brain rather than a person (an ECS component).
#[derive(Component, Debug, Clone)]
pub struct Bot(pub Brain);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::components::PlayerId;

    fn me() -> Me {
        Me {
            id: PlayerId(1),
            position: Vec2::ZERO,
            size: 60.0,
            smallest: 60.0,
            total_size: 60.0,
            cells: 1,
            team: 0,
        }
    }

    fn seen(x: f32, y: f32, size: f32) -> Seen {
        Seen {
            position: Vec2::new(x, y),
            size,
            distance: Vec2::new(x, y).length(),
        }
    }

    /// Food to the east, a bigger cell to the west a fair way off, a small player to the north.
    fn scene() -> Sight {
        Sight {
            food: Some(seen(200.0, 0.0, 12.0)),
            prey: Some(seen(0.0, 300.0, 30.0)),
            threat: Some(seen(-700.0, 0.0, 200.0)),
            flee: Vec2::new(0.4, 0.0),
            virus: None,
            near_border: Vec2::ZERO,
        }
    }

    #[test]
    fn the_three_strategies_choose_differently_in_the_same_scene() {
        let mut forager = Brain::new(Strategy::Forager);
        let mut hunter = Brain::new(Strategy::Hunter);
        let mut survivor = Brain::new(Strategy::Survivor);
        let (f, h, s) = (
            forager.decide(&me(), &scene(), 1),
            hunter.decide(&me(), &scene(), 1),
            survivor.decide(&me(), &scene(), 1),
        );
        assert!(f.heading.x > 0.9, "the forager goes for the food: {f:?}");
        assert!(h.heading.y > 0.9, "the hunter goes for the prey: {h:?}");
        assert!(
            !h.split,
            "but does not split while a bigger cell is within reach"
        );
        let mut safe = scene();
        safe.threat = None;
        safe.flee = Vec2::ZERO;
        let h = hunter.decide(&me(), &safe, 1);
        assert!(
            h.split,
            "with no threat it split-kills (half of size 60 is > 1.15 x 30): {h:?}"
        );
        assert!(
            s.heading.x > 0.5 && !s.split,
            "the survivor runs from the distant threat: {s:?}"
        );
    }

    #[test]
    fn everyone_runs_from_danger_on_top_of_them() {
        let mut sight = scene();
        sight.threat = Some(seen(-300.0, 0.0, 200.0)); // edge gap 40
        sight.flee = Vec2::new(0.9, 0.0);
        for strategy in Strategy::ALL {
            let d = Brain::new(strategy).decide(&me(), &sight, 1);
            assert!(d.heading.x > 0.5, "{strategy} flees: {d:?}");
        }
    }
}
