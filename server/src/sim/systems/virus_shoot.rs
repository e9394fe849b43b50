use bevy_ecs::prelude::*;

use crate::sim::components::Boost;
use crate::sim::resources::{IdCounters, PendingEffects, Rules};
use crate::sim::rules::mass_of;
use crate::sim::spawn;

/// A virus fed past its maximum size shoots a new virus the way the last blob was flying.
pub fn shoot_viruses(
    mut commands: Commands,
    rules: Res<Rules>,
    mut ids: ResMut<IdCounters>,
    mut pending: ResMut<PendingEffects>,
) {
    let config = &rules.0;
    for (position, direction) in pending.virus_shots.drain(..) {
        let boost = Boost {
            direction,
            distance: config.virus_velocity,
        };
        commands.spawn(spawn::virus(
            ids.cell(),
            position,
            mass_of(config.virus_min_size),
            boost,
        ));
    }
}
