use bevy_ecs::prelude::*;

use crate::sim::components::PlayerStats;
use crate::sim::modes::{Mode, Team, TeamStanding};
use crate::sim::resources::{Leaderboard, Rules, Tick};

/// Teams: every team's mass and players, in team order, refreshed with the leaderboard (a team
/// with nobody in it is listed with nothing, so a board always has `team_count` lines).
pub fn tally_teams(
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut board: ResMut<Leaderboard>,
    players: Query<(&Team, &PlayerStats)>,
) {
    let config = &rules.0;
    if config.mode != Mode::Teams
        || !tick
            .0
            .is_multiple_of(u64::from(config.leaderboard_interval_ticks))
    {
        return;
    }
    board.teams.clear();
    board
        .teams
        .extend((1..=config.team_count).map(|n| TeamStanding {
            team: Team(n as u8),
            mass: 0.0,
            players: 0,
        }));
    for (team, stats) in &players {
        if let Some(standing) = board.teams.get_mut(usize::from(team.0).wrapping_sub(1)) {
            standing.mass += stats.mass;
            standing.players += 1;
        }
    }
}
