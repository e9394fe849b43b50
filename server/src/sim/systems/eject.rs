use bevy_ecs::prelude::*;
use glam::Vec2;

use crate::sim::components::*;
use crate::sim::resources::{IdCounters, Rules, Tick};
use crate::sim::rng::SimRng;
use crate::sim::rules::{mass_of, size_of};
use crate::sim::spawn;

/// W: every cell big enough shoots a blob of mass toward the target, at most once per cooldown.
pub fn eject_mass(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut ids: ResMut<IdCounters>,
    mut rng: ResMut<SimRng>,
    mut players: Query<(&mut Controls, &OwnedCells, &mut PlayerStats)>,
    mut cells: Query<(&Position, &mut Mass)>,
) {
    let config = &rules.0;
    let loss = mass_of(config.eject_size_loss);
    let blob = mass_of(config.eject_size);
    for (mut controls, owned, mut stats) in &mut players {
        if !controls.eject {
            continue;
        }
        controls.eject = false;
        if let Some(last) = stats.last_eject_tick
            && tick.0.saturating_sub(last) < u64::from(config.eject_cooldown_ticks)
        {
            continue;
        }
        stats.last_eject_tick = Some(tick.0);
        for &cell in &owned.0 {
            let Ok((position, mut mass)) = cells.get_mut(cell) else {
                continue;
            };
            let size = size_of(mass.0);
            if size < config.player_min_eject_size {
                continue;
            }
            let aim = (controls.target - position.0)
                .try_normalize()
                .unwrap_or(Vec2::X);
            mass.0 -= loss;
            let jitter = rng.range(-config.eject_angle_jitter, config.eject_angle_jitter);
            let boost = Boost {
                direction: Vec2::from_angle(jitter).rotate(aim),
                distance: config.eject_velocity,
            };
            commands.spawn(spawn::ejected(
                ids.cell(),
                position.0 + aim * size,
                blob,
                boost,
            ));
        }
    }
}
