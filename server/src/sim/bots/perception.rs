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
    /// Its team in a teams arena (0: none). Teammates are neither prey nor threat: they cannot
    /// eat each other.
    pub team: u8,
}

impl Me {
    /// Summarises a player's cells, given as (centre, size); `None` when it has none. The one
    /// fold both the sim's bots (from the ECS) and swarm bots (from their frames) use.
    pub fn from_cells(id: PlayerId, cells: impl IntoIterator<Item = (Vec2, f32)>) -> Option<Self> {
        let mut me: Option<Me> = None;
        for (position, size) in cells {
            match me.as_mut() {
                None => {
                    me = Some(Me {
                        id,
                        position,
                        size,
                        smallest: size,
                        total_size: size,
                        cells: 1,
                        team: 0,
                    })
                }
                Some(m) => {
                    if size > m.size {
                        m.size = size;
                        m.position = position;
                    }
                    m.smallest = m.smallest.min(size);
                    m.total_size += size;
                    m.cells += 1;
                }
            }
        }
        me
    }
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

/// One thing in view, as either the server's grid or a client's picture describes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glimpse {
    pub position: Vec2,
    pub size: f32,
    pub kind: CellKind,
    pub owner: Option<PlayerId>,
    /// The owner's team (0: none or unknown).
    pub team: u8,
}

/// Builds a `Sight` from glimpses, one at a time, so the same judgement serves bots inside the
/// server (reading its grids) and swarm bots on the network (reading their frames).
#[derive(Debug, Clone)]
pub struct SightBuilder<'a> {
    me: &'a Me,
    eat_ratio: f32,
    min: Vec2,
    max: Vec2,
    sight: Sight,
    best_food: f32,
    best_prey: f32,
    closest_gap: f32,
    closest_virus: f32,
}

impl<'a> SightBuilder<'a> {
    /// Looks out over `me`'s viewport (capped at `MAX_PERCEPTION_HALF_EXTENT`).
    pub fn new(me: &'a Me, config: &SimConfig) -> Self {
        let half =
            view_half_extents(me.total_size, config).min(Vec2::splat(MAX_PERCEPTION_HALF_EXTENT));
        let mut sight = Sight::default();
        let border = Vec2::new(config.border_width, config.border_height) / 2.0;
        let (min, max) = (me.position - half, me.position + half);
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
        Self {
            me,
            eat_ratio: config.eat_size_ratio,
            min,
            max,
            sight,
            best_food: f32::MAX,
            best_prey: 0.0,
            closest_gap: f32::MAX,
            closest_virus: f32::MAX,
        }
    }

    /// The box worth scanning.
    pub fn bounds(&self) -> (Vec2, Vec2) {
        (self.min, self.max)
    }

    pub fn see(&mut self, g: Glimpse) {
        let me = self.me;
        let p = g.position;
        if p.x < self.min.x
            || p.x > self.max.x
            || p.y < self.min.y
            || p.y > self.max.y
            || g.owner == Some(me.id)
            || (me.team != 0 && g.team == me.team && g.kind == CellKind::Player)
        {
            return;
        }
        let distance = p.distance(me.position);
        let seen = Seen {
            position: p,
            size: g.size,
            distance,
        };
        match g.kind {
            CellKind::Food | CellKind::Ejected => {
                let d2 = distance * distance;
                if d2 < self.best_food {
                    self.best_food = d2;
                    self.sight.food = Some(seen);
                }
            }
            CellKind::Player => {
                if g.size >= me.smallest * self.eat_ratio {
                    let gap = distance - g.size - me.size;
                    if gap < self.closest_gap {
                        self.closest_gap = gap;
                        self.sight.threat = Some(seen);
                    }
                    if gap < DANGER_RANGE {
                        let away = (me.position - p).normalize_or(Vec2::X);
                        self.sight.flee += away * (1.0 - gap.max(0.0) / DANGER_RANGE);
                    }
                } else if me.size >= g.size * self.eat_ratio {
                    let worth = g.size * g.size / (distance + 50.0);
                    if worth > self.best_prey {
                        self.best_prey = worth;
                        self.sight.prey = Some(seen);
                    }
                }
            }
            CellKind::Virus => {
                if distance < self.closest_virus {
                    self.closest_virus = distance;
                    self.sight.virus = Some(seen);
                }
            }
        }
    }

    pub fn finish(self) -> Sight {
        self.sight
    }
}

/// What a bot inside the server sees, from the arena's grids.
pub fn perceive(me: &Me, config: &SimConfig, food: &FoodGrid, mobile: &MobileGrid) -> Sight {
    let mut builder = SightBuilder::new(me, config);
    let (min, max) = builder.bounds();
    for grid in [&food.0, &mobile.0] {
        grid.for_each_in(min, max, |e| {
            builder.see(Glimpse {
                position: e.position,
                size: e.size,
                kind: e.kind,
                owner: e.owner,
                team: e.team,
            })
        });
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::grid::{GridEntry, SpatialGrid};
    use bevy_ecs::entity::Entity;

    fn entry(i: u32, x: f32, kind: CellKind, size: f32, owner: u32) -> GridEntry {
        GridEntry {
            entity: Entity::from_raw_u32(i).expect("valid"),
            id: crate::sim::components::CellId(i),
            position: Vec2::new(x, 0.0),
            size,
            kind,
            owner: Some(PlayerId(owner)),
            team: 0,
        }
    }

    /// One cell of size 40 at the origin, on `team`.
    fn me(team: u8) -> Me {
        let mut me = Me::from_cells(PlayerId(1), [(Vec2::ZERO, 40.0)]).expect("a cell");
        me.team = team;
        me
    }

    #[test]
    fn bots_see_only_their_viewport() {
        let config = SimConfig::default();
        let food = FoodGrid(SpatialGrid::new(20_000.0, 20_000.0, 256.0));
        let mut mobile = MobileGrid(SpatialGrid::new(20_000.0, 20_000.0, 512.0));
        let me = me(0);
        let half = view_half_extents(me.total_size, &config);
        // prey just inside and just outside the viewport's horizontal edge
        mobile
            .0
            .insert(entry(2, half.x + 50.0, CellKind::Player, 20.0, 2));
        let sight = perceive(&me, &config, &food, &mobile);
        assert!(
            sight.prey.is_none(),
            "a cell outside the viewport is invisible"
        );
        mobile
            .0
            .insert(entry(3, half.x - 50.0, CellKind::Player, 20.0, 3));
        mobile.0.insert(entry(4, 100.0, CellKind::Player, 30.0, 1)); // our own cell: never prey
        let sight = perceive(&me, &config, &food, &mobile);
        assert_eq!(sight.prey.map(|p| p.position.x), Some(half.x - 50.0));
    }

    #[test]
    fn teammates_are_neither_prey_nor_threat() {
        let config = SimConfig::default();
        let me = me(2);
        let glimpse = |x: f32, size: f32, team: u8| Glimpse {
            position: Vec2::new(x, 0.0),
            size,
            kind: CellKind::Player,
            owner: Some(PlayerId(9)),
            team,
        };
        let mut builder = SightBuilder::new(&me, &config);
        builder.see(glimpse(100.0, 20.0, 2)); // a small teammate
        builder.see(glimpse(-100.0, 200.0, 2)); // a big teammate
        let sight = builder.finish();
        assert!(sight.prey.is_none() && sight.threat.is_none(), "{sight:?}");
        let mut builder = SightBuilder::new(&me, &config);
        builder.see(glimpse(100.0, 20.0, 1)); // the other team's: prey as ever
        builder.see(glimpse(-300.0, 200.0, 0)); // no team (another mode's rules): a threat
        let sight = builder.finish();
        assert!(sight.prey.is_some() && sight.threat.is_some(), "{sight:?}");
    }
}
