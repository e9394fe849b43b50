//! Everything from outside the simulation that changes it, as data.
//!
//! The arena is deterministic for a given seed, settings and sequence of commands (each applied
//! between two steps, in order). A host's calls (`add_player`, `set_target`, ...) are these
//! commands; with a journal switched on ([`Arena::keep_journal`]) the arena notes each one as it
//! is applied, so a host records a match by draining the journal once a tick, and anyone replays
//! it by applying the same commands between the same steps ([`Arena::apply`]). A replay file is
//! little more than that sequence (`crate::replay`, docs/REPLAYS.md).
//!
//! The scenario helpers (`place_food`, `place_player_cell`, ...) are not commands: they are for
//! tests and tools that set a scene by hand, and an arena changed by them does not replay.

use serde::{Deserialize, Serialize};

use super::{Arena, PlayerId, Strategy};

/// One change from outside the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// A player is added: a bot if it has a strategy; a person enters the map on `Respawn`.
    Join {
        name: String,
        color: u32,
        strategy: Option<Strategy>,
    },
    /// A player and its cells are removed.
    Leave {
        player: PlayerId,
    },
    /// A player's cells head for a point (finite: the arena ignores anything else).
    Steer {
        player: PlayerId,
        x: f32,
        y: f32,
    },
    Split {
        player: PlayerId,
    },
    Eject {
        player: PlayerId,
    },
    Respawn {
        player: PlayerId,
    },
}

impl Arena {
    /// Starts (or stops) noting every command applied, for a host that records the match
    /// (this module). Whatever was noted before is dropped.
    pub fn keep_journal(&mut self, on: bool) {
        self.journal.keep(on);
    }

    pub fn keeps_journal(&self) -> bool {
        self.journal.is_kept()
    }

    /// Moves the commands noted since the last call to the end of `out`.
    pub fn drain_journal(&mut self, out: &mut Vec<Command>) {
        self.journal.drain_into(out);
    }

    /// Applies one command as the matching call would. Returns the player it concerned: the new
    /// one for `Join`; for the others the player named, or `None` if there is no such player.
    pub fn apply(&mut self, command: &Command) -> Option<PlayerId> {
        let (player, existed) = match *command {
            Command::Join {
                ref name,
                color,
                strategy,
            } => return Some(self.add_player(name, color, strategy)),
            Command::Leave { player } => (player, self.remove_player(player)),
            Command::Steer { player, x, y } => {
                (player, self.set_target(player, glam::Vec2::new(x, y)))
            }
            Command::Split { player } => (player, self.split(player)),
            Command::Eject { player } => (player, self.eject(player)),
            Command::Respawn { player } => (player, self.respawn(player)),
        };
        existed.then_some(player)
    }
}

/// The commands applied since the host last drained them (off unless the host asks for it).
#[derive(Debug, Default)]
pub(super) struct Journal {
    commands: Option<Vec<Command>>,
}

impl Journal {
    pub(super) fn keep(&mut self, on: bool) {
        self.commands = on.then(Vec::new);
    }

    pub(super) fn is_kept(&self) -> bool {
        self.commands.is_some()
    }

    /// Notes a command; `make` runs only when the journal is kept, so hosts that do not record
    /// pay nothing (not even the copy of a joining player's name).
    pub(super) fn note(&mut self, make: impl FnOnce() -> Command) {
        if let Some(commands) = &mut self.commands {
            commands.push(make());
        }
    }

    /// Moves the noted commands to the end of `out`, keeping this journal's capacity.
    pub(super) fn drain_into(&mut self, out: &mut Vec<Command>) {
        if let Some(commands) = &mut self.commands {
            out.append(commands);
        }
    }
}
