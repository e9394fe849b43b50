use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::resources::{IdCounters, Rules, Tick};
use crate::sim::rng::SimRng;
use crate::sim::rules::{mass_of, size_of};
use crate::sim::spawn;

/// A cell that outgrows the maximum size splits in a random direction; with no free slot it
/// is held at the maximum instead.
pub fn auto_split(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut ids: ResMut<IdCounters>,
    mut rng: ResMut<SimRng>,
    mut owners: Query<&mut OwnedCells>,
    mut cells: Query<(&PlayerCell, &Position, &mut Mass)>,
) {
    let config = &rules.0;
    let max_mass = mass_of(config.player_max_size);
    for (cell, position, mut mass) in &mut cells {
        if mass.0 <= max_mass {
            continue;
        }
        let Ok(mut owned) = owners.get_mut(cell.owner) else {
            continue;
        };
        if owned.0.len() >= config.player_max_cells as usize {
            mass.0 = max_mass;
            continue;
        }
        let half = mass.0 / 2.0;
        mass.0 -= half;
        let boost = Boost {
            direction: rng.direction(),
            distance: config.split_velocity * size_of(half).powf(0.0122),
        };
        let child = commands
            .spawn(spawn::player_cell(
                ids.cell(),
                cell.owner,
                cell.owner_id,
                position.0,
                half,
                tick.0,
                boost,
            ))
            .id();
        owned.0.push(child);
    }
}
