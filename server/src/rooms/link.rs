//! How a room talks to one client. The room never waits on the network: every send hands bytes
//! to the connection (held back while the room's tick is corked) and returns at once, saying
//! whether they were taken.

use bytes::Bytes;

/// What became of a message handed to a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Queued for the client.
    Sent,
    /// Dropped because the client is behind (its queue is full): a skipped frame.
    Dropped,
    /// The connection is gone.
    Closed,
}

pub trait ClientLink: Send + Sync + 'static {
    /// This tick's frame. When it is dropped, the room diffs the next frame against what the
    /// client really has.
    fn send_frame(&self, frame: Bytes) -> Delivery;
    /// The leaderboard: the same bytes for every client of a room.
    fn send_board(&self, board: Bytes) -> Delivery;
    /// A rare JSON event (`died`, `room-closed`, ...).
    fn send_event(&self, event: &'static str, payload: serde_json::Value) -> bool;
    /// Whether the connection is still there. A room forgets a client whose link closed even if
    /// the disconnect notice never reached it (its queue was full), so no ghost lingers.
    fn is_open(&self) -> bool {
        true
    }
}
