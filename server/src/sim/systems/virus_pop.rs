use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::resources::{IdCounters, PendingEffects, Rules, Tick};
use crate::sim::rng::SimRng;
use crate::sim::rules::{size_of, virus_pop_pieces};
use crate::sim::spawn;

/// A player cell that ate a virus bursts into pieces flying in all directions, using the
/// player's free cell slots (see `rules::virus_pop_pieces`).
pub fn pop_cells(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut ids: ResMut<IdCounters>,
    mut rng: ResMut<SimRng>,
    mut pending: ResMut<PendingEffects>,
    mut pieces: Local<Vec<f32>>,
    mut owners: Query<&mut OwnedCells>,
    mut cells: Query<(&Position, &mut Mass, &PlayerCell)>,
) {
    let config = &rules.0;
    for cell in pending.pops.drain(..) {
        let Ok((position, mut mass, owner)) = cells.get_mut(cell) else {
            continue;
        };
        if mass.0 <= 0.0 {
            continue;
        }
        let Ok(mut owned) = owners.get_mut(owner.owner) else {
            continue;
        };
        let slots = (config.player_max_cells as usize).saturating_sub(owned.0.len()) as u32;
        virus_pop_pieces(mass.0, slots, config, &mut pieces);
        for &piece in pieces.iter() {
            mass.0 -= piece;
            let boost = Boost {
                direction: rng.direction(),
                distance: config.split_velocity * size_of(piece).powf(0.0122),
            };
            let child = commands
                .spawn(spawn::player_cell(
                    ids.cell(),
                    owner.owner,
                    owner.owner_id,
                    position.0,
                    piece,
                    tick.0,
                    boost,
                ))
                .id();
            owned.0.push(child);
        }
    }
}
