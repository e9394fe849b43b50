//! How each kind of cell is put together, so that every place that makes one (systems, the
//! arena's scenario helpers) makes it the same way: with its id, its markers, and in the food
//! grid when it is food.

use bevy_ecs::prelude::*;
use glam::Vec2;

use super::components::*;
use super::grid::{FoodGrid, GridEntry};
use super::rules::size_of;

/// Marks food, so spawners can count it cheaply.
#[derive(Component, Debug, Clone, Copy)]
pub struct Food;

/// Marks viruses, so spawners can count them cheaply.
#[derive(Component, Debug, Clone, Copy)]
pub struct Virus;

/// Marks ejected mass.
#[derive(Component, Debug, Clone, Copy)]
pub struct Ejected;

pub fn player_cell(
    id: CellId,
    owner: Entity,
    owner_id: PlayerId,
    position: Vec2,
    mass: f32,
    born_tick: u64,
    boost: Boost,
) -> impl Bundle {
    (
        id,
        CellKind::Player,
        Position(position),
        Mass(mass),
        boost,
        PlayerCell {
            owner,
            owner_id,
            born_tick,
        },
    )
}

pub fn virus(id: CellId, position: Vec2, mass: f32, boost: Boost) -> impl Bundle {
    (
        id,
        CellKind::Virus,
        Virus,
        Position(position),
        Mass(mass),
        boost,
    )
}

pub fn ejected(id: CellId, position: Vec2, mass: f32, boost: Boost) -> impl Bundle {
    (
        id,
        CellKind::Ejected,
        Ejected,
        Position(position),
        Mass(mass),
        boost,
    )
}

/// Food has no `Boost`: it never moves, which is what keeps it out of the per-tick grid rebuild.
pub fn food(id: CellId, position: Vec2, mass: f32) -> impl Bundle {
    (id, CellKind::Food, Food, Position(position), Mass(mass))
}

/// Files a new food entity in the food grid.
pub fn file_food(grid: &mut FoodGrid, entity: Entity, id: CellId, position: Vec2, mass: f32) {
    grid.0.insert(GridEntry {
        entity,
        id,
        position,
        size: size_of(mass),
        kind: CellKind::Food,
        owner: None,
    });
}
