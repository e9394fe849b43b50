//! How a room talks to one client. The room never waits on the network: every send hands bytes
//! to the connection's bounded queue and returns at once, saying whether they were taken.

use bytes::Bytes;

pub trait ClientLink: Send + Sync + 'static {
    /// This tick's frame. `false` means it was dropped (the client is behind): the room will
    /// diff the next frame against what the client really has.
    fn send_frame(&self, frame: Bytes) -> bool;
    /// The leaderboard: the same bytes for every client of a room.
    fn send_board(&self, board: Bytes) -> bool;
    /// A rare JSON event (`died`, `room-closed`, ...).
    fn send_event(&self, event: &'static str, payload: serde_json::Value) -> bool;
    /// Whether the connection is still there. A room forgets a client whose link closed even if
    /// the disconnect notice never reached it (its queue was full), so no ghost lingers.
    fn is_open(&self) -> bool {
        true
    }
}
