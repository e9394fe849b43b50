//! World-wide state that is not an entity: the clock, id counters, what happened this tick,
//! the leaderboard, and the scratch buffers the hot systems reuse.

use std::collections::HashMap;

use bevy_ecs::prelude::*;
use glam::Vec2;

use super::components::{CellId, PlayerId};
use super::config::SimConfig;

/// The rules, as a resource so every system can read them.
#[derive(Resource, Debug, Clone)]
pub struct Rules(pub SimConfig);

/// Steps taken since the world began; the first step is tick 1.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick(pub u64);

/// Hands out cell and player ids. Never reused, so a client can trust an id to mean one thing.
#[derive(Resource, Debug, Default)]
pub struct IdCounters {
    next_cell: u32,
    next_player: u32,
}

impl IdCounters {
    pub fn cell(&mut self) -> CellId {
        self.next_cell = self.next_cell.wrapping_add(1);
        CellId(self.next_cell)
    }

    pub fn player(&mut self) -> PlayerId {
        self.next_player = self.next_player.wrapping_add(1);
        PlayerId(self.next_player)
    }
}

/// Finds a player's entity by id. Only looked up, never iterated, so its order cannot leak into
/// the simulation.
#[derive(Resource, Debug, Default)]
pub struct PlayerIndex(pub HashMap<PlayerId, Entity>);

/// One cell eating another this tick: the "who ate whom" that clients animate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eaten {
    pub eater: CellId,
    pub eaten: CellId,
    /// The players behind the two cells, when they are player cells.
    pub eater_owner: Option<PlayerId>,
    pub eaten_owner: Option<PlayerId>,
}

/// A player losing its last cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Death {
    pub player: PlayerId,
    /// The player whose cell ate the last one, if a player did (a virus or decay has no killer).
    pub killer: Option<PlayerId>,
    pub final_mass: f32,
}

/// What happened during the last step. Cleared at the start of each step, so a host reads it
/// between steps.
#[derive(Resource, Debug, Default)]
pub struct TickEvents {
    pub eaten: Vec<Eaten>,
    pub deaths: Vec<Death>,
}

/// One line of the leaderboard.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Standing {
    pub player: PlayerId,
    pub mass: f32,
}

/// Every living player, heaviest first (ties by id), refreshed every `leaderboard_interval_ticks`.
/// The top `leaderboard_size` is the leaderboard; the rest give each player its own rank.
#[derive(Resource, Debug, Default)]
pub struct Leaderboard {
    pub ranking: Vec<Standing>,
    pub updated_tick: u64,
    /// In a teams arena: every team's mass and players, in team order (`systems::team_board`).
    pub teams: Vec<crate::sim::modes::TeamStanding>,
}

/// Work handed from the eat system to the systems after it, kept in a resource so its buffers
/// are reused every tick.
#[derive(Resource, Debug, Default)]
pub struct PendingEffects {
    /// Player cells that ate a virus and must pop.
    pub pops: Vec<Entity>,
    /// Viruses fed past their maximum, and the direction the new virus flies.
    pub virus_shots: Vec<(Vec2, Vec2)>,
    /// Cells eaten this tick, to despawn.
    pub eaten: Vec<Entity>,
}
