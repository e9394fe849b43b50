use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::resources::{Rules, Tick};
use crate::sim::rules::{recombine_ticks, separation, size_of};

/// A player's own cells are solid to each other until both may merge: overlapping pairs are
/// pushed apart, the lighter cell moving more. Freshly split cells pass through for a grace
/// period so a split can fly out of its parent.
///
/// Only a player's own cells can collide this way, so the pairs come from its cell list (at most
/// 16 cells) rather than the grid.
pub fn push_apart_own_cells(
    rules: Res<Rules>,
    tick: Res<Tick>,
    players: Query<&OwnedCells>,
    mut cells: Query<(&mut Position, &Mass, &PlayerCell)>,
) {
    let config = &rules.0;
    let grace = u64::from(config.split_grace_ticks);
    for owned in &players {
        let list = &owned.0;
        for i in 0..list.len() {
            for j in i + 1..list.len() {
                let Ok([(mut a_pos, a_mass, a_cell), (mut b_pos, b_mass, b_cell)]) =
                    cells.get_many_mut([list[i], list[j]])
                else {
                    continue;
                };
                let a_age = tick.0.saturating_sub(a_cell.born_tick);
                let b_age = tick.0.saturating_sub(b_cell.born_tick);
                if a_age < grace || b_age < grace {
                    continue;
                }
                let (a_size, b_size) = (size_of(a_mass.0), size_of(b_mass.0));
                let both_may_merge = a_age >= recombine_ticks(a_size, config)
                    && b_age >= recombine_ticks(b_size, config);
                if both_may_merge {
                    continue;
                }
                if let Some((a_shift, b_shift)) =
                    separation((a_pos.0, a_mass.0), (b_pos.0, b_mass.0))
                {
                    a_pos.0 += a_shift;
                    b_pos.0 += b_shift;
                }
            }
        }
    }
}
