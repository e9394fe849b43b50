use bevy_ecs::prelude::*;

use crate::sim::components::{Mass, OwnedCells, PlayerStats};

/// Sums each player's mass, for the leaderboard, the bots and the hosts.
pub fn tally_player_mass(mut players: Query<(&OwnedCells, &mut PlayerStats)>, cells: Query<&Mass>) {
    for (owned, mut stats) in &mut players {
        let total: f32 = owned
            .0
            .iter()
            .filter_map(|&c| cells.get(c).ok())
            .map(|m| m.0)
            .sum();
        stats.mass = total;
        stats.peak_mass = stats.peak_mass.max(total);
    }
}
