//! What the network asks of a room. Commands are queued (bounded) and applied by the room's own
//! thread between ticks, so the arena is only ever touched by one thread.

use std::sync::Arc;

use petri_shared::game::{JoinRequest, Joined, Refusal};

use super::chat::ChatRelay;
use super::link::ClientLink;

/// A connection's id, unique within the server.
pub type ClientId = u64;

/// Answers a join: called exactly once, from the room's thread.
pub type JoinReply = Box<dyn FnOnce(Result<Joined, Refusal>) + Send>;

/// A room's queue is a `sync_channel` that preallocates every slot, so the enum's size is paid
/// `command_queue_depth` times per room: the rare, large join is boxed to keep the frequent
/// inputs small (4,096 slots of 56 bytes instead of about 184: half a megabyte less per room).
pub enum RoomCommand {
    Join {
        client: ClientId,
        link: Arc<dyn ClientLink>,
        request: Box<JoinRequest>,
        reply: JoinReply,
    },
    /// Steer toward a point. Checked for sanity in the room, not trusted.
    Target {
        client: ClientId,
        x: f64,
        y: f64,
    },
    Split {
        client: ClientId,
    },
    Eject {
        client: ClientId,
    },
    Respawn {
        client: ClientId,
    },
    /// Watch another player (or the top player with `None`).
    Spectate {
        client: ClientId,
        follow: Option<u32>,
    },
    /// The client's screen changed shape (width / height). Checked in the room.
    ViewShape {
        client: ClientId,
        aspect: f64,
    },
    /// A line for the room's chat: checked, cleaned and rate-limited by the room, then handed to
    /// `relay` for the room-wide broadcast.
    Chat {
        client: ClientId,
        text: Box<str>,
        relay: ChatRelay,
    },
    /// Leave for good: the player's cells go at once.
    Leave {
        client: ClientId,
    },
    /// The connection dropped: the player's cells wait for a reconnect with its token.
    Disconnected {
        client: ClientId,
    },
    /// Makes the room's next tick panic, to prove a crash stays inside its room. Only in builds
    /// with the `fault-injection` feature (the test suite's), never in a release binary.
    #[cfg(feature = "fault-injection")]
    InjectPanic,
}

impl std::fmt::Debug for RoomCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RoomCommand::Join { .. } => "Join",
            RoomCommand::Target { .. } => "Target",
            RoomCommand::Split { .. } => "Split",
            RoomCommand::Eject { .. } => "Eject",
            RoomCommand::Respawn { .. } => "Respawn",
            RoomCommand::Spectate { .. } => "Spectate",
            RoomCommand::ViewShape { .. } => "ViewShape",
            RoomCommand::Chat { .. } => "Chat",
            RoomCommand::Leave { .. } => "Leave",
            RoomCommand::Disconnected { .. } => "Disconnected",
            #[cfg(feature = "fault-injection")]
            RoomCommand::InjectPanic => "InjectPanic",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queued_command_stays_small() {
        // every room preallocates `command_queue_depth` of these
        assert!(
            std::mem::size_of::<RoomCommand>() <= 56,
            "{} bytes",
            std::mem::size_of::<RoomCommand>()
        );
    }
}
