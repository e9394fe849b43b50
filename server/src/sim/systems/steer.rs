use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::resources::Rules;
use crate::sim::rules::{size_of, speed};

/// Every player cell moves toward its player's target, slower the bigger it is.
pub fn steer_player_cells(
    rules: Res<Rules>,
    players: Query<&Controls>,
    mut cells: Query<(&PlayerCell, &mut Position, &Mass)>,
) {
    for (cell, mut position, mass) in &mut cells {
        let Ok(controls) = players.get(cell.owner) else {
            continue;
        };
        let offset = controls.target - position.0;
        let distance = offset.length();
        if distance < 1.0 {
            continue;
        }
        let step = speed(size_of(mass.0), &rules.0).min(distance);
        position.0 += offset * (step / distance);
    }
}
