//! `ClientLink` over a realtime socket: frames and the leaderboard go as volatile binary events
//! (a client that is behind loses a frame, never the connection); rare events go reliably.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use petri_shared::game::events;

use super::link::{ClientLink, Delivery};
use crate::realtime::{EmitError, Payload, SocketRef};

/// One join's link to a socket. A socket that leaves or joins another room ends its old link at
/// once (`end`), before the room it left has even read the `leave`: from then on that room's
/// frames are refused, so a client never receives a frame of a session it has left after the
/// answer to its next join.
pub struct SocketLink {
    socket: SocketRef,
    active: Arc<AtomicBool>,
}

impl SocketLink {
    pub fn new(socket: SocketRef) -> Self {
        Self {
            socket,
            active: Arc::new(AtomicBool::new(true)),
        }
    }

    /// A handle that ends this link.
    pub fn ender(&self) -> LinkEnder {
        LinkEnder(Arc::clone(&self.active))
    }

    fn live(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }
}

/// Ends a `SocketLink` from the network side.
#[derive(Clone, Debug)]
pub struct LinkEnder(Arc<AtomicBool>);

impl LinkEnder {
    pub fn end(&self) {
        self.0.store(false, Ordering::Release);
    }
}

fn delivery(result: Result<(), EmitError>) -> Delivery {
    match result {
        Ok(()) => Delivery::Sent,
        Err(EmitError::QueueFull) => Delivery::Dropped,
        Err(_) => Delivery::Closed,
    }
}

impl ClientLink for SocketLink {
    fn send_frame(&self, frame: Bytes) -> Delivery {
        if !self.live() {
            return Delivery::Closed;
        }
        delivery(
            self.socket
                .volatile()
                .emit(events::FRAME, Payload::new().bin(frame)),
        )
    }

    fn send_board(&self, board: Bytes) -> Delivery {
        if !self.live() {
            return Delivery::Closed;
        }
        delivery(
            self.socket
                .volatile()
                .emit(events::BOARD, Payload::new().bin(board)),
        )
    }

    fn send_event(&self, event: &'static str, payload: serde_json::Value) -> bool {
        self.live() && self.socket.emit(event, payload).is_ok()
    }

    fn is_open(&self) -> bool {
        self.live() && self.socket.connected()
    }
}
