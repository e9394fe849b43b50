//! The mode's lines of the board: each team's mass (teams) and the round's state (last man
//! standing), read from the arena each time the board goes out. Its own file so the publisher
//! stays about sending, not about modes; it reuses the board's lists, so a board allocates
//! nothing new in steady state (the winner's name is rewritten in place).

use petri_shared::game::{Board, RoundState, TeamShare, round_phase};

use crate::sim::{Arena, RoundPhase};

/// Fills `board.teams` and `board.round` for the arena's mode (empty and zero in ffa).
pub fn fill(board: &mut Board, arena: &Arena) {
    board.teams.clear();
    board
        .teams
        .extend(arena.team_standings().iter().map(|s| TeamShare {
            team: u32::from(s.team.0),
            color: s.team.color(),
            mass: s.mass.round() as u32,
            players: s.players,
        }));
    let Some(round) = arena.round() else {
        board.round = RoundState::default();
        return;
    };
    let tick_rate = u64::from(arena.config().tick_rate.max(1));
    let state = &mut board.round;
    state.phase = match round.phase {
        RoundPhase::Starting => round_phase::NONE,
        RoundPhase::Playing => round_phase::PLAYING,
        RoundPhase::Break => round_phase::BREAK,
    };
    state.number = round.number;
    state.seconds_left = u32::try_from(round.ticks_left.div_ceil(tick_rate)).unwrap_or(u32::MAX);
    state.winner = round.winner.map_or(0, |w| w.0);
    state.winner_name.clear();
    if let Some((name, _)) = round.winner.and_then(|w| arena.player_identity(w)) {
        state.winner_name.push_str(name);
    }
}
