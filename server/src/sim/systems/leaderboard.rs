use bevy_ecs::prelude::*;

use crate::sim::components::{Player, PlayerStats};
use crate::sim::resources::{Leaderboard, Rules, Standing, Tick};

/// Ranks the living players, heaviest first with ties broken by id so that the order never
/// depends on iteration order.
pub fn update_leaderboard(
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut board: ResMut<Leaderboard>,
    players: Query<(&Player, &PlayerStats)>,
) {
    if !tick
        .0
        .is_multiple_of(u64::from(rules.0.leaderboard_interval_ticks))
    {
        return;
    }
    board.ranking.clear();
    board
        .ranking
        .extend(
            players
                .iter()
                .filter(|(_, stats)| stats.mass > 0.0)
                .map(|(player, stats)| Standing {
                    player: player.id,
                    mass: stats.mass,
                }),
        );
    board
        .ranking
        .sort_unstable_by(|a, b| b.mass.total_cmp(&a.mass).then(a.player.cmp(&b.player)));
    board.updated_tick = tick.0;
}
