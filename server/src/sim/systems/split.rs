use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::resources::{IdCounters, Rules, Tick};
use crate::sim::rules::size_of;
use crate::sim::spawn;

/// Space: every cell big enough halves, throwing the new half toward the target, while the
/// player has free cell slots. Cells made by this split do not split again this tick.
pub fn split_cells(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut ids: ResMut<IdCounters>,
    mut players: Query<(Entity, &Player, &mut Controls, &mut OwnedCells)>,
    mut cells: Query<(&Position, &mut Mass)>,
) {
    let config = &rules.0;
    for (owner, player, mut controls, mut owned) in &mut players {
        if !controls.split {
            continue;
        }
        controls.split = false;
        let existing = owned.0.len();
        for i in 0..existing {
            if owned.0.len() >= config.player_max_cells as usize {
                break;
            }
            let Ok((position, mut mass)) = cells.get_mut(owned.0[i]) else {
                continue;
            };
            if size_of(mass.0) < config.player_min_split_size {
                continue;
            }
            let direction = (controls.target - position.0)
                .try_normalize()
                .unwrap_or(glam::Vec2::X);
            let half = mass.0 / 2.0;
            mass.0 -= half;
            let boost = Boost {
                direction,
                distance: config.split_velocity * size_of(half).powf(0.0122),
            };
            let child = commands
                .spawn(spawn::player_cell(
                    ids.cell(),
                    owner,
                    player.id,
                    position.0,
                    half,
                    tick.0,
                    boost,
                ))
                .id();
            owned.0.push(child);
        }
    }
}
