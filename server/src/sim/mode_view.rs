//! What hosts read of the game mode's state: a player's team, the teams' standings, the last man
//! standing round. Beside `arena.rs` (an `impl Arena` block of its own) so the core API stays
//! small; the rules themselves are systems (`systems::{team_push, team_board, lms_round}`).

use super::arena::Arena;
use super::components::PlayerId;
use super::modes::{Mode, Round, RoundPhase, RoundView, Team, TeamStanding, teams::smallest_team};

impl Arena {
    pub fn mode(&self) -> Mode {
        self.config().mode
    }

    /// The player's team, in a teams arena.
    pub fn team_of(&self, id: PlayerId) -> Option<u8> {
        let entity = self.player_entity(id)?;
        self.world.get::<Team>(entity).map(|t| t.0)
    }

    /// Every team's mass and players, in team order, as of the last leaderboard (empty unless
    /// the arena plays teams).
    pub fn team_standings(&self) -> &[TeamStanding] {
        &self.leaderboard().teams
    }

    /// The last man standing round (`None` in other modes).
    pub fn round(&self) -> Option<RoundView> {
        if self.mode() != Mode::Lms {
            return None;
        }
        let round = self.world.resource::<Round>();
        let config = self.config();
        let seconds = match round.phase {
            RoundPhase::Starting => 0.0,
            RoundPhase::Playing => config.lms_round_seconds,
            RoundPhase::Break => config.lms_break_seconds,
        };
        let length = (seconds * config.tick_rate as f32).round() as u64;
        Some(RoundView {
            phase: round.phase,
            number: round.number,
            ticks_left: length.saturating_sub(self.tick().saturating_sub(round.since)),
            winner: round.winner,
        })
    }

    /// The team a new player joins: the smallest (`modes::teams::smallest_team`).
    pub(super) fn next_team(&mut self) -> Team {
        let count = self.config().team_count;
        let mut query = self.world.query::<&Team>();
        let members: Vec<Team> = query.iter(&self.world).copied().collect();
        smallest_team(count, members)
    }
}
