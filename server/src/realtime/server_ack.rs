//! The two types a server-side event handler deals in, apart from the namespace that holds the
//! handlers (`server_events.rs` adds the methods), so the namespace can name them without a cycle.

use super::{EmitError, Payload};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::oneshot;

/// A server-side event handler: `(args, ack if the sending server asked for one)`. Runs on the
/// task that received the event: must not block.
pub type ServerEventHandler = Arc<dyn Fn(Payload, Option<ServerAck>) + Send + Sync>;

/// The right to answer one server-side event (one value, as JS acks with its first argument).
#[must_use = "the sending server waits for this answer"]
#[derive(Debug)]
pub struct ServerAck {
    answer: oneshot::Sender<serde_json::Value>,
}

impl ServerAck {
    pub(crate) fn new(answer: oneshot::Sender<serde_json::Value>) -> Self {
        Self { answer }
    }

    /// Answers with `value` serialised to JSON (the answer travels as JSON between servers).
    pub fn send<T: Serialize>(self, value: T) -> Result<(), EmitError> {
        let value = serde_json::to_value(value).map_err(|error| {
            tracing::warn!(%error, "server-side ack does not serialise to JSON");
            EmitError::NotSerializable
        })?;
        // The receiver is gone only when the requester stopped waiting: nothing to tell.
        let _ = self.answer.send(value);
        Ok(())
    }
}
