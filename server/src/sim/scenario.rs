//! Scenario helpers: put cells exactly where a test, a tutorial or a tool wants them.
//!
//! They bypass the rules that normally decide where cells appear, so they are not commands
//! ([`super::command`]): an arena set up with them does not replay from its journal.

use glam::Vec2;

use super::Arena;
use super::components::{Boost, CellId, OwnedCells, PlayerId};
use super::grid::FoodGrid;
use super::resources::IdCounters;
use super::spawn;

impl Arena {
    /// Gives a player a cell of `mass` at `position` (it need not be dead).
    pub fn place_player_cell(&mut self, id: PlayerId, position: Vec2, mass: f32) -> Option<CellId> {
        let owner = self.player_entity(id)?;
        let cell_id = self.world.resource_mut::<IdCounters>().cell();
        let tick = self.tick();
        let cell = self
            .world
            .spawn(spawn::player_cell(
                cell_id,
                owner,
                id,
                position,
                mass,
                tick,
                Boost::default(),
            ))
            .id();
        self.world.get_mut::<OwnedCells>(owner)?.0.push(cell);
        Some(cell_id)
    }

    pub fn place_food(&mut self, position: Vec2, mass: f32) -> CellId {
        let id = self.world.resource_mut::<IdCounters>().cell();
        let entity = self.world.spawn(spawn::food(id, position, mass)).id();
        spawn::file_food(
            &mut self.world.resource_mut::<FoodGrid>(),
            entity,
            id,
            position,
            mass,
        );
        id
    }

    pub fn place_virus(&mut self, position: Vec2, mass: f32) -> CellId {
        let id = self.world.resource_mut::<IdCounters>().cell();
        self.world
            .spawn(spawn::virus(id, position, mass, Boost::default()));
        id
    }

    pub fn place_ejected(&mut self, position: Vec2, mass: f32, boost: Boost) -> CellId {
        let id = self.world.resource_mut::<IdCounters>().cell();
        self.world.spawn(spawn::ejected(id, position, mass, boost));
        id
    }
}
