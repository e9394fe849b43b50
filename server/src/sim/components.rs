//! The plain data the arena is made of. Systems, not methods, give it meaning. (A bot's `Bot`
//! component lives with the brains in `bots`, so this file depends on nothing of the game.)

use bevy_ecs::prelude::*;
use glam::Vec2;
use petri_shared::game::CellKindCode;

/// The wire identity of a cell, stable for its life and never reused within a world.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId(pub u32);

/// A player's identity, never reused within a world.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct PlayerId(pub u32);

#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Position(pub Vec2);

/// Mass; the radius is derived (`rules::size_of`). A mass of zero marks a cell eaten this tick
/// and about to be despawned.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Mass(pub f32);

/// Momentum from a split, an eject or a virus shot: the cell glides `distance` further along
/// `direction`, covering a fixed fraction of what is left each tick.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct Boost {
    pub direction: Vec2,
    pub distance: f32,
}

/// What kind of thing a cell is; also carried by grid entries so neighbour scans need no lookups.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellKind {
    Player,
    Food,
    Ejected,
    Virus,
}

/// The wire's cell kinds are the sim's, one for one (`rooms::view` sends them, `swarm` reads them).
impl From<CellKind> for CellKindCode {
    fn from(kind: CellKind) -> Self {
        match kind {
            CellKind::Player => CellKindCode::Player,
            CellKind::Food => CellKindCode::Food,
            CellKind::Ejected => CellKindCode::Ejected,
            CellKind::Virus => CellKindCode::Virus,
        }
    }
}

impl From<CellKindCode> for CellKind {
    fn from(code: CellKindCode) -> Self {
        match code {
            CellKindCode::Player => CellKind::Player,
            CellKindCode::Food => CellKind::Food,
            CellKindCode::Ejected => CellKind::Ejected,
            CellKindCode::Virus => CellKind::Virus,
        }
    }
}

/// A cell that belongs to a player.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct PlayerCell {
    pub owner: Entity,
    pub owner_id: PlayerId,
    /// The tick the cell was made (spawn or split); merging and the split grace count from it.
    pub born_tick: u64,
}

/// Who a player is.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Player {
    pub id: PlayerId,
    pub name: String,
    pub color: u32,
}

/// What the player asked for: where to steer, and actions latched until the next tick uses them.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct Controls {
    pub target: Vec2,
    pub split: bool,
    pub eject: bool,
    /// Set by the host when a dead player asks to play again.
    pub respawn: bool,
}

/// The player's cells, oldest first. Capacity is kept across lives so splitting never allocates.
#[derive(Component, Debug, Clone, Default)]
pub struct OwnedCells(pub Vec<Entity>);

/// Running totals about a player.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct PlayerStats {
    pub kills: u32,
    pub deaths: u32,
    /// Sum of its cells' mass, refreshed every tick.
    pub mass: f32,
    pub peak_mass: f32,
    pub last_eject_tick: Option<u64>,
    /// The tick the player last died, if it is dead now.
    pub died_tick: Option<u64>,
    /// Last-man-standing rounds won.
    pub wins: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_survives_the_wire() {
        for kind in [
            CellKind::Player,
            CellKind::Food,
            CellKind::Ejected,
            CellKind::Virus,
        ] {
            let code = CellKindCode::from(kind).code();
            let back = CellKindCode::from_code(code).expect("a known code");
            assert_eq!(CellKind::from(back), kind);
        }
        assert_eq!(CellKindCode::from_code(200), None);
    }
}
