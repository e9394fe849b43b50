//! Last man standing's round: what phase the arena is in and since when, and who won the last
//! round. A resource, advanced by `systems::lms_round` and read by `respawn_players` (nobody
//! comes back mid-round) and by hosts (the board's countdown and winner).

use bevy_ecs::prelude::*;

use crate::sim::components::PlayerId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoundPhase {
    /// Before the first step: the first round starts on it.
    #[default]
    Starting,
    /// A round is on: the dead stay dead until the next one.
    Playing,
    /// Between rounds: the winner is shown, nobody spawns.
    Break,
}

#[derive(Resource, Debug, Clone, Copy, PartialEq, Default)]
pub struct Round {
    pub phase: RoundPhase,
    /// Rounds started so far (the current one's number while playing).
    pub number: u32,
    /// The tick the current phase began.
    pub since: u64,
    /// Players alive when the round started: a round that began with one player (or none) is
    /// not won by elimination, only at its time limit.
    pub started_with: u32,
    /// Set on the tick a round starts: `respawn_players` brings every player in, together.
    pub spawn_all: bool,
    /// The last round's winner (kept through the break and the next round).
    pub winner: Option<PlayerId>,
}

/// The round as a host shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundView {
    pub phase: RoundPhase,
    pub number: u32,
    /// Ticks left in this phase.
    pub ticks_left: u64,
    pub winner: Option<PlayerId>,
}
