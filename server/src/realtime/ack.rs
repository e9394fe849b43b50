//! Acknowledgements, both directions.
//!
//! * Client -> server: an EVENT with an id hands the handler an [`Ack`]; calling
//!   [`Ack::send`] (any `Serialize` value, one argument) or [`Ack::send_payload`] (several
//!   arguments, binary) answers with an ACK packet carrying that id. It consumes itself: one
//!   answer.
//! * Server -> client: [`super::Socket::emit_with_ack`] registers a oneshot under a
//!   fresh id and returns a future that resolves with the client's answer, or
//!   [`AckError::Timeout`]. Dropping the future unregisters the id, so abandoned acks leak
//!   nothing.

use super::packet::encode_ack;
use super::{AckError, EmitError, Payload, Socket, SocketRef};
use serde::Serialize;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::oneshot;

/// The right to answer one client event that asked for an acknowledgement.
#[must_use = "the client waits for this acknowledgement"]
pub struct Ack {
    pub(crate) socket: SocketRef,
    pub(crate) id: u64,
}

impl std::fmt::Debug for Ack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ack")
            .field("socket", &self.socket.id())
            .field("id", &self.id)
            .finish()
    }
}

impl Ack {
    /// Answers with one JSON argument: `value` serialised (a `serde_json::Value`, or any
    /// `Serialize` type). Non-blocking; any thread. A value that does not serialise sends
    /// nothing, is logged, and returns [`EmitError::NotSerializable`] (the client's ack then
    /// times out on its side).
    pub fn send<T: Serialize>(self, value: T) -> Result<(), EmitError> {
        let payload = Payload::json(&value)?;
        self.send_payload(payload)
    }

    /// Answers with a whole payload (several arguments, binary attachments).
    pub fn send_payload(self, payload: impl Into<Payload>) -> Result<(), EmitError> {
        let packet = encode_ack(self.socket.ns(), self.id, payload.into());
        self.socket.send_encoded(&packet, false)
    }

    /// The ack id the client chose.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Removes a pending server-side ack when its future is dropped (answered, timed out, or
/// abandoned).
struct PendingGuard {
    socket: Weak<Socket>,
    id: u64,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if let Some(s) = self.socket.upgrade() {
            s.acks.lock().remove(&self.id);
        }
    }
}

/// Registers a pending ack and returns the future that waits for it. The timer only starts when
/// the future is first polled (inside the async runtime), so the emit itself is usable from any
/// thread.
pub(crate) fn wait_for_ack(
    socket: &SocketRef,
    id: u64,
    rx: oneshot::Receiver<Payload>,
    queued: Result<(), EmitError>,
    wait: Duration,
) -> impl std::future::Future<Output = Result<Payload, AckError>> + Send + 'static {
    let guard = PendingGuard {
        socket: Arc::downgrade(socket),
        id,
    };
    async move {
        let _guard = guard;
        queued?;
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(_)) => Err(AckError::Disconnected),
            Err(_) => Err(AckError::Timeout),
        }
    }
}
