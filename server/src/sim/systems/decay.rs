use bevy_ecs::prelude::*;

use crate::sim::components::{Mass, PlayerCell};
use crate::sim::resources::{Rules, Tick};
use crate::sim::rules::mass_of;

/// Once a second, cells above the minimum size lose `player_decay_rate` of their mass, so a
/// leader must keep eating to stay on top.
pub fn decay_mass(
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut cells: Query<&mut Mass, With<PlayerCell>>,
) {
    let config = &rules.0;
    if !tick.0.is_multiple_of(u64::from(config.tick_rate)) || config.player_decay_rate <= 0.0 {
        return;
    }
    let floor = mass_of(config.player_min_size);
    let keep = 1.0 - config.player_decay_rate;
    for mut mass in &mut cells {
        if mass.0 > floor {
            mass.0 = (mass.0 * keep).max(floor);
        }
    }
}
