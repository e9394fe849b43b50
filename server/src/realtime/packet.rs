//! Packets encoded once into their WebSocket frames, ready for any number of receivers.
//!
//! Encoding lives here, apart from [`super::socket`], so that the fan-out side ([`super::broadcast`],
//! [`super::namespace`]) and the single-socket side share one encoder without depending on each
//! other: a server never masks its frames, so the bytes are the same for every receiver and a
//! packet is framed once ([`super::wire`]), whoever sends it.

use super::wire::FrameWriter;
use super::{EmitError, Payload};
use bytes::Bytes;
use petri_shared::socketio::{self, RESERVED_EVENTS};
use std::sync::Arc;

/// A packet encoded once into its WebSocket frames (the text frame, then its binary attachment
/// frames, which must go out back to back), shared by every receiver. Cloning it is cheap.
#[derive(Debug, Clone)]
pub struct EncodedPacket {
    wire: Bytes,
}

impl EncodedPacket {
    /// An Engine.IO `message` (`4` + the Socket.IO packet text) and its attachments. This is the
    /// one place the `4` is prepended to a Socket.IO packet.
    pub fn message(sio_text: &str, bins: Vec<Bytes>) -> Self {
        let payload = 1 + sio_text.len() + bins.iter().map(|b| b.len()).sum::<usize>();
        let mut frames = FrameWriter::with_capacity(1 + bins.len(), payload).text(&["4", sio_text]);
        for b in &bins {
            frames = frames.binary(b);
        }
        Self {
            wire: frames.finish(),
        }
    }

    /// The frames as they go on the wire.
    pub fn wire(&self) -> &Bytes {
        &self.wire
    }
}

/// An event encoded once for one namespace, to be sent to any of its sockets with
/// [`Socket::emit_prepared`](super::Socket::emit_prepared) (reliable or volatile): no
/// re-encoding and no per-client framing, only a reference count per receiver. Made with
/// [`Namespace::prepare`](super::Namespace::prepare). Cloning it is cheap.
#[derive(Debug, Clone)]
pub struct PreparedPacket {
    pub(crate) nsp: Arc<str>,
    pub(crate) packet: EncodedPacket,
}

/// Encodes an EVENT/BINARY_EVENT once into its Engine.IO frame(s).
pub(crate) fn encode_event(
    nsp: &str,
    event: &str,
    payload: Payload,
    id: Option<u64>,
) -> Result<EncodedPacket, EmitError> {
    check_event(event)?;
    let text = socketio::encode_event(nsp, event, &payload.args, id, payload.bins.len());
    Ok(EncodedPacket::message(&text, payload.bins))
}

/// Refuses the event names Socket.IO reserves (`connect`, `disconnect`, ...).
pub(crate) fn check_event(event: &str) -> Result<(), EmitError> {
    if RESERVED_EVENTS.contains(&event) {
        return Err(EmitError::ReservedEvent);
    }
    Ok(())
}

/// Encodes an ACK/BINARY_ACK answering the client's `id`.
pub(crate) fn encode_ack(nsp: &str, id: u64, payload: Payload) -> EncodedPacket {
    let text = socketio::encode_ack(nsp, id, &payload.args, payload.bins.len());
    EncodedPacket::message(&text, payload.bins)
}

/// A packet without data (CONNECT answers, CONNECT_ERROR, DISCONNECT), from its Socket.IO text.
pub(crate) fn control(sio_text: &str) -> EncodedPacket {
    EncodedPacket::message(sio_text, Vec::new())
}
