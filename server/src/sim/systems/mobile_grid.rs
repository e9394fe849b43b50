use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::grid::{GridEntry, MOBILE_GRID_TRIM_EVERY, MobileGrid};
use crate::sim::modes::{Mode, Team};
use crate::sim::resources::{Rules, Tick};
use crate::sim::rules::size_of;

/// Refiles every moving cell (everything with a `Boost`: player cells, ejected mass, viruses):
/// after movement for eating, and at the end of the step for the bots' eyes and client views.
/// In a teams arena each player cell's entry carries its owner's team (looked up only there).
pub fn rebuild_mobile_grid(
    rules: Res<Rules>,
    mut grid: ResMut<MobileGrid>,
    tick: Res<Tick>,
    cells: Query<
        (
            Entity,
            &CellId,
            &Position,
            &Mass,
            &CellKind,
            Option<&PlayerCell>,
        ),
        With<Boost>,
    >,
    teams: Query<&Team>,
) {
    if tick.0.is_multiple_of(MOBILE_GRID_TRIM_EVERY) {
        grid.0.clear_and_trim();
    } else {
        grid.0.clear();
    }
    let teamed = rules.0.mode == Mode::Teams;
    for (entity, id, position, mass, kind, owner) in &cells {
        grid.0.insert(GridEntry {
            entity,
            id: *id,
            position: position.0,
            size: size_of(mass.0),
            kind: *kind,
            owner: owner.map(|o| o.owner_id),
            team: owner
                .filter(|_| teamed)
                .and_then(|o| teams.get(o.owner).ok())
                .map_or(0, |t| t.0),
        });
    }
}
