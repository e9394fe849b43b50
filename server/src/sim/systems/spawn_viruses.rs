use bevy_ecs::prelude::*;

use crate::sim::components::{Boost, CellKind};
use crate::sim::grid::MobileGrid;
use crate::sim::resources::{IdCounters, Rules, Tick};
use crate::sim::rng::SimRng;
use crate::sim::rules::mass_of;
use crate::sim::spawn::{self, Virus};

use crate::sim::spawn::random_position;

/// Keeps at least `virus_min_count` viruses, adding one per food interval, never on top of a
/// player cell.
pub fn spawn_viruses(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut ids: ResMut<IdCounters>,
    mut rng: ResMut<SimRng>,
    grid: Res<MobileGrid>,
    viruses: Query<(), With<Virus>>,
) {
    let config = &rules.0;
    if !tick
        .0
        .is_multiple_of(u64::from(config.food_spawn_interval_ticks))
        || viruses.count() >= config.virus_min_count as usize
    {
        return;
    }
    let position = random_position(config, &mut rng);
    let mut blocked = false;
    grid.0.for_each_within(
        position,
        config.virus_min_size + config.player_max_size,
        |e| {
            if e.kind == CellKind::Player
                && e.position.distance(position) < e.size + config.virus_min_size
            {
                blocked = true;
            }
        },
    );
    if !blocked {
        commands.spawn(spawn::virus(
            ids.cell(),
            position,
            mass_of(config.virus_min_size),
            Boost::default(),
        ));
    }
}
