//! Game-room hosting: where the arena (`sim`) meets the network (`realtime`).
//!
//! A `Room` is a state machine (commands in, frames out through a `ClientLink`); the runner
//! gives each room its own thread and fixed tick rate; the registry is the lobby.

pub mod api;
pub mod bot_fill;
pub mod chat;
pub mod command;
pub mod frame_buffer;
pub mod identity;
pub mod link;
pub mod lobby;
pub mod lobby_api;
pub mod lobby_notices;
pub mod local_rooms;
pub mod mode_board;
pub mod net_limiter;
pub mod placement;
pub mod play_api;
pub mod publish;
pub mod rate_limit;
pub mod recording;
pub mod room;
pub mod roster;
pub mod runner;
pub mod settings;
pub mod socket_link;
pub mod status;
pub mod tokens;
pub mod trim;
pub mod view;

pub use chat::{ChatReject, ChatRelay};
pub use command::{ClientId, JoinReply, RoomCommand};
pub use link::ClientLink;
pub use lobby::{Lobby, MAIN_ROOM};
pub use local_rooms::LobbyRooms;
pub use placement::Placement;
pub use publish::TickOutcome;
pub use room::{CollectionSizes, Room};
pub use runner::RoomHandle;
pub use settings::{HostLimits, RoomSettings};
pub use status::{Reject, RoomStatus};

/// The Socket.IO namespaces the game registers.
pub const NAMESPACES: [&str; 2] = [
    petri_shared::game::namespaces::PLAY,
    petri_shared::game::namespaces::LOBBY,
];
