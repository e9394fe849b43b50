//! Game modes: which rules a room (or a headless match) plays by, beside the classic ones.
//!
//! - `ffa`: free-for-all, the classic game; nothing here runs.
//! - `teams`: players join the smallest of `team_count` teams and take its colour; cells of one
//!   team never eat each other and push apart (`systems::team_push`); the board shows each
//!   team's share of the mass (`systems::team_board`).
//! - `lms` (last man standing): rounds (`systems::lms_round`). Everyone starts together; during a
//!   round the dead do not respawn (they spectate); the last one alive, or the heaviest when the
//!   round's time runs out, wins; a short break; a new round.
//!
//! The mode is part of `SimConfig` (a preset may set it, `petri match --mode` does, a room takes
//! it from its settings), so it is fixed for an arena's life and its rules are as deterministic
//! as the classic ones: they read no clock and iterate no hash map. Each rule is a system of its
//! own, in `systems/`, that returns at once in the modes it is not part of.

pub mod round;
pub mod teams;

use serde::{Deserialize, Serialize};

pub use round::{Round, RoundPhase, RoundView};
pub use teams::{TEAM_COLORS, Team, TeamStanding};

/// The rules an arena plays by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Ffa,
    Teams,
    Lms,
}

/// A mode name no build knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown game mode `{0}` (known: ffa, teams, lms)")]
pub struct UnknownMode(pub String);

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Ffa, Mode::Teams, Mode::Lms];

    /// The name rooms list and clients see (`RoomSummary.mode`).
    pub fn label(self) -> &'static str {
        match self {
            Mode::Ffa => "ffa",
            Mode::Teams => "teams",
            Mode::Lms => "lms",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.label() == s)
            .ok_or_else(|| UnknownMode(s.to_owned()))
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_by_their_labels() {
        for mode in Mode::ALL {
            assert_eq!(mode.label().parse::<Mode>(), Ok(mode));
        }
        assert!("battle-royale".parse::<Mode>().is_err());
    }
}
