//! `ClientLink` over a realtime socket: frames and the leaderboard go as volatile binary events
//! (a client that is behind loses a frame, never the connection); rare events go reliably.
//!
//! The leaderboard is the same for every client of a room, so it is framed once: a room hands
//! the same `Bytes` to all its links from its own thread, and the first link to see a new board
//! prepares its Socket.IO packet and WebSocket frame (`Namespace::prepare`) for the others on
//! that thread to reuse. Each client then costs a reference count and a write.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use petri_shared::game::{ChatLine, events};
use tracing::debug;

use super::chat::ChatRelay;
use super::link::{ClientLink, Delivery};
use crate::realtime::{EmitError, Namespace, Payload, PreparedPacket, RoomName, SocketRef};

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
        let sent = prepared_board(&self.socket, board)
            .and_then(|packet| self.socket.emit_prepared(&packet, true));
        delivery(sent)
    }

    fn send_event(&self, event: &'static str, payload: serde_json::Value) -> bool {
        self.live() && self.socket.emit(event, payload).is_ok()
    }

    fn is_open(&self) -> bool {
        self.live() && self.socket.connected()
    }
}

/// The board packet for `board`, prepared by the first link of this thread that sends it.
///
/// The cache holds the `Bytes` it was made from, so their buffer cannot be freed and reused while
/// cached: the same pointer and length can only be the same board.
fn prepared_board(socket: &SocketRef, board: Bytes) -> Result<PreparedPacket, EmitError> {
    thread_local! {
        static LAST_BOARD: RefCell<Option<(Bytes, PreparedPacket)>> = const { RefCell::new(None) };
    }
    LAST_BOARD.with(|cell| {
        let mut last = cell.borrow_mut();
        if let Some((bytes, packet)) = last.as_ref()
            && bytes.as_ptr() == board.as_ptr()
            && bytes.len() == board.len()
        {
            return Ok(packet.clone());
        }
        let packet = socket
            .namespace()
            .prepare(events::BOARD, Payload::new().bin(board.clone()))?;
        *last = Some((board, packet.clone()));
        Ok(packet)
    })
}

/// The realtime room that mirrors one game room: every socket seated in it is a member, so the
/// room's chat goes out as one broadcast (encoded once, one write per member) instead of one
/// event per link. `.local()`: a game room's sockets are all on the node hosting it, so the
/// broadcast never needs the cluster's relay.
#[derive(Clone)]
pub struct RoomChannel {
    namespace: Arc<Namespace>,
    name: RoomName,
}

impl RoomChannel {
    /// The channel of game room `room` in `socket`'s namespace.
    pub fn new(socket: &SocketRef, room: &str) -> Self {
        Self {
            namespace: Arc::clone(socket.namespace()),
            name: format!("room:{room}").into(),
        }
    }

    pub fn enter(&self, socket: &SocketRef) {
        socket.join(self.name.clone());
    }

    pub fn exit(&self, socket: &SocketRef) {
        socket.leave(&self.name);
    }

    /// A relay that broadcasts one accepted line to the whole room.
    pub fn relay(&self) -> ChatRelay {
        let channel = self.clone();
        Box::new(move |line: &ChatLine| {
            let payload = match serde_json::to_value(line) {
                Ok(payload) => payload,
                Err(error) => return debug!(%error, "a chat line did not serialise"),
            };
            let sent =
                (channel.namespace.to(channel.name.clone()).local()).emit(events::CHAT, payload);
            if let Err(error) = sent {
                debug!(%error, "chat broadcast refused");
            }
        })
    }
}
