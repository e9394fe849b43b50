use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::grid::MobileGrid;
use crate::sim::modes::{Mode, Team};
use crate::sim::resources::Rules;
use crate::sim::rules::{separation, size_of};

/// Teams: cells of one team are solid to each other (they never eat each other, see `eat`), so
/// overlapping teammates are pushed apart, the lighter cell moving more, as a player's own cells
/// are (`push_apart`). Candidates come from the mobile grid as the last step left it (a cell moves
/// far less than a bucket in a step); the positions pushed are the current ones. Each pair is
/// found from its lower cell id only, so it is pushed once.
pub fn push_apart_teammates(
    rules: Res<Rules>,
    grid: Res<MobileGrid>,
    mut pairs: Local<Vec<(Entity, Entity)>>,
    players: Query<(&Player, &Team, &OwnedCells)>,
    mut cells: Query<(&CellId, &mut Position, &Mass)>,
) {
    if rules.0.mode != Mode::Teams {
        return;
    }
    pairs.clear();
    let reach = grid.0.max_size();
    for (player, team, owned) in &players {
        for &cell in &owned.0 {
            let Ok((&id, position, mass)) = cells.get(cell) else {
                continue;
            };
            let size = size_of(mass.0);
            grid.0.for_each_within(position.0, size + reach, |e| {
                if e.kind == CellKind::Player
                    && e.team == team.0
                    && e.owner != Some(player.id)
                    && e.id > id
                {
                    pairs.push((cell, e.entity));
                }
            });
        }
    }
    for &(a, b) in pairs.iter() {
        let Ok([(_, mut a_pos, a_mass), (_, mut b_pos, b_mass)]) = cells.get_many_mut([a, b])
        else {
            continue;
        };
        if let Some((a_shift, b_shift)) = separation((a_pos.0, a_mass.0), (b_pos.0, b_mass.0)) {
            a_pos.0 += a_shift;
            b_pos.0 += b_shift;
        }
    }
}
