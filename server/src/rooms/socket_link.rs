//! `ClientLink` over a realtime socket: frames and the leaderboard go as volatile binary events
//! (a client that is behind loses a frame, never the connection); rare events go reliably.

use bytes::Bytes;
use petri_shared::game::events;

use super::link::ClientLink;
use crate::realtime::{Payload, SocketRef};

pub struct SocketLink {
    socket: SocketRef,
}

impl SocketLink {
    pub fn new(socket: SocketRef) -> Self {
        Self { socket }
    }
}

impl ClientLink for SocketLink {
    fn send_frame(&self, frame: Bytes) -> bool {
        self.socket
            .volatile()
            .emit(events::FRAME, Payload::new().bin(frame))
            .is_ok()
    }

    fn send_board(&self, board: Bytes) -> bool {
        self.socket
            .volatile()
            .emit(events::BOARD, Payload::new().bin(board))
            .is_ok()
    }

    fn send_event(&self, event: &'static str, payload: serde_json::Value) -> bool {
        self.socket.emit(event, payload).is_ok()
    }

    fn is_open(&self) -> bool {
        self.socket.connected()
    }
}
