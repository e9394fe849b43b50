//! What a bot can see: the player's own viewport, scanned once per decision into the few facts
//! the strategies weigh. Nothing outside the viewport is used, so bots have no advantage over
//! people.

use glam::Vec2;

use crate::sim::components::{CellKind, PlayerId};
use crate::sim::config::SimConfig;
use crate::sim::grid::{FoodGrid, MobileGrid};
use crate::sim::rules::view_half_extents;

/// A scan wider than this (half-extent, in map units) would cost more than it teaches a bot:
/// giant cells see less than a person would, never more.
pub const MAX_PERCEPTION_HALF_EXTENT: f32 = 2_500.0;

/// The bot itself, summarised from its cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Me {
    pub id: PlayerId,
    /// The centre of its largest cell: the cell it plays with.
    pub position: Vec2,
    /// Size of its largest cell.
    pub size: f32,
    /// Size of its smallest cell (what cautious play protects).
    pub smallest: f32,
    /// Sum of its cells' sizes: sets the viewport.
    pub total_size: f32,
    pub cells: usize,
}

/// Something seen, and how far its edge is from ours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    pub position: Vec2,
    pub size: f32,
    /// Centre-to-centre distance.
    pub distance: f32,
}

/// The facts a strategy decides on.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sight {
    pub food: Option<Seen>,
    /// The most worthwhile player cell our largest cell can eat (mass over distance).
    pub prey: Option<Seen>,
    /// The closest cell that can eat our smallest cell, by gap between edges.
    pub threat: Option<Seen>,
    /// Sum of directions away from every threat, weighted by how close it is.
    pub flee: Vec2,
    pub virus: Option<Seen>,
    /// A push back toward the middle when the viewport reaches past the border.
    pub near_border: Vec2,
}

/// How close (edge to edge) a threat must be to count in `Sight::flee`.
pub const DANGER_RANGE: f32 = 700.0;

pub fn perceive(me: &Me, config: &SimConfig, food: &FoodGrid, mobile: &MobileGrid) -> Sight {
    let half =
        view_half_extents(me.total_size, config).min(Vec2::splat(MAX_PERCEPTION_HALF_EXTENT));
    let (min, max) = (me.position - half, me.position + half);
    let inside = |p: Vec2| p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y;
    let mut sight = Sight::default();

    let mut best_food = f32::MAX;
    food.0.for_each_in(min, max, |e| {
        let d = e.position.distance_squared(me.position);
        if d < best_food && inside(e.position) {
            best_food = d;
            sight.food = Some(Seen {
                position: e.position,
                size: e.size,
                distance: d.sqrt(),
            });
        }
    });

    let mut best_prey = 0.0_f32;
    let mut closest_gap = f32::MAX;
    let mut closest_virus = f32::MAX;
    mobile.0.for_each_in(min, max, |e| {
        if !inside(e.position) || e.owner == Some(me.id) {
            return;
        }
        let distance = e.position.distance(me.position);
        let seen = Seen {
            position: e.position,
            size: e.size,
            distance,
        };
        match e.kind {
            CellKind::Player => {
                if e.size >= me.smallest * config.eat_size_ratio {
                    let gap = distance - e.size - me.size;
                    if gap < closest_gap {
                        closest_gap = gap;
                        sight.threat = Some(seen);
                    }
                    if gap < DANGER_RANGE {
                        let away = (me.position - e.position).normalize_or(Vec2::X);
                        sight.flee += away * (1.0 - gap.max(0.0) / DANGER_RANGE);
                    }
                } else if me.size >= e.size * config.eat_size_ratio {
                    let worth = e.size * e.size / (distance + 50.0);
                    if worth > best_prey {
                        best_prey = worth;
                        sight.prey = Some(seen);
                    }
                }
            }
            CellKind::Ejected => {
                let d2 = distance * distance;
                if d2 < best_food {
                    best_food = d2;
                    sight.food = Some(seen);
                }
            }
            CellKind::Virus => {
                if distance < closest_virus {
                    closest_virus = distance;
                    sight.virus = Some(seen);
                }
            }
            CellKind::Food => {}
        }
    });

    let border = Vec2::new(config.border_width, config.border_height) / 2.0;
    if max.x > border.x {
        sight.near_border.x -= 1.0;
    }
    if min.x < -border.x {
        sight.near_border.x += 1.0;
    }
    if max.y > border.y {
        sight.near_border.y -= 1.0;
    }
    if min.y < -border.y {
        sight.near_border.y += 1.0;
    }
    sight
}
