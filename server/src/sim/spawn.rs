//! How each kind of cell is put together, so that every place that makes one (systems, the
//! arena's scenario helpers) makes it the same way: with its id, its markers, and in the food
//! grid when it is food.

use bevy_ecs::prelude::*;
use glam::Vec2;

use super::components::*;
use super::grid::{FoodGrid, GridEntry};
use super::rng::SimRng;
use super::rules::{mass_of, size_of};

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
        team: 0,
    });
}

/// A pellet of random size somewhere on the map.
pub fn random_food(config: &super::config::SimConfig, rng: &mut SimRng) -> (Vec2, f32) {
    let position = random_position(config, rng);
    let size = rng.range(config.food_min_size, config.food_max_size);
    (position, mass_of(size))
}

/// A uniformly random point on the map.
pub fn random_position(config: &super::config::SimConfig, rng: &mut SimRng) -> Vec2 {
    Vec2::new(
        rng.range(-config.border_width / 2.0, config.border_width / 2.0),
        rng.range(-config.border_height / 2.0, config.border_height / 2.0),
    )
}
