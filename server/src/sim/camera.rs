//! What a player is shown: the camera of a player (the mass-weighted centre of its cells and a
//! viewport that widens as it grows) or of someone with nothing to follow. Hosts shape it to a
//! client's screen (`rules::shape_view`); the sim itself never looks through it.

use glam::Vec2;

use super::arena::Arena;
use super::components::{Mass, OwnedCells, PlayerId, Position};
use super::rules::{size_of, view_half_extents};

/// What a player is shown: the centre of its cells (weighted by mass) and the half-extents of its
/// viewport, which widens as the player grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    pub center: Vec2,
    pub half_extents: Vec2,
}

impl Arena {
    /// The camera of a living player, or `None` if it has no cells.
    pub fn camera(&self, id: PlayerId) -> Option<Camera> {
        let entity = self.player_entity(id)?;
        let owned = self.world.get::<OwnedCells>(entity)?;
        let (mut weighted, mut total_mass, mut total_size) = (Vec2::ZERO, 0.0_f32, 0.0_f32);
        for &cell in &owned.0 {
            let (Some(position), Some(mass)) = (
                self.world.get::<Position>(cell),
                self.world.get::<Mass>(cell),
            ) else {
                continue;
            };
            weighted += position.0 * mass.0;
            total_mass += mass.0;
            total_size += size_of(mass.0);
        }
        (total_mass > 0.0).then(|| Camera {
            center: weighted / total_mass,
            half_extents: view_half_extents(total_size, self.config()),
        })
    }

    /// A camera for someone with no cells (a spectator with nothing to follow): the base view.
    pub fn default_camera(&self, center: Vec2) -> Camera {
        Camera {
            center,
            half_extents: view_half_extents(0.0, self.config()),
        }
    }
}
