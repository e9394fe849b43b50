use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::resources::{Death, PendingEffects, PlayerIndex, Tick, TickEvents};

/// Despawns what was eaten, takes eaten cells off their player's list, and records a death (and
/// the killer's kill) when a player's last cell goes.
pub fn reap_eaten_cells(
    mut commands: Commands,
    tick: Res<Tick>,
    index: Res<PlayerIndex>,
    mut pending: ResMut<PendingEffects>,
    mut events: ResMut<TickEvents>,
    player_cells: Query<&PlayerCell>,
    mut players: Query<(&mut OwnedCells, &mut PlayerStats)>,
) {
    let TickEvents { eaten, deaths } = &mut *events;
    for (entity, meal) in pending.eaten.drain(..).zip(eaten.iter()) {
        if let Ok(cell) = player_cells.get(entity)
            && let Ok((mut owned, mut stats)) = players.get_mut(cell.owner)
        {
            owned.0.retain(|&c| c != entity);
            if owned.0.is_empty() {
                stats.deaths += 1;
                stats.died_tick = Some(tick.0);
                let killer = meal.eater_owner.filter(|&k| k != cell.owner_id);
                deaths.push(Death {
                    player: cell.owner_id,
                    killer,
                    final_mass: stats.mass,
                });
                if let Some(killer) = killer
                    && let Some(&killer_entity) = index.0.get(&killer)
                    && let Ok((_, mut killer_stats)) = players.get_mut(killer_entity)
                {
                    killer_stats.kills += 1;
                }
            }
        }
        commands.entity(entity).despawn();
    }
}
