//! Errors the realtime API returns to its callers.

/// Why an emit did not reach a connection's outgoing queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// The socket is disconnected (or its connection is closing).
    #[error("socket is disconnected")]
    Disconnected,
    /// The connection's backlog is full (its socket has not been taking bytes). For a reliable
    /// emit the connection is being closed (slow consumer); for a volatile emit the packet was
    /// dropped.
    #[error("send queue full (slow consumer)")]
    QueueFull,
    /// The event name is reserved by Socket.IO (`connect`, `disconnect`, ...).
    #[error("reserved event name")]
    ReservedEvent,
    /// A prepared packet was sent to a socket of another namespace.
    #[error("packet prepared for another namespace")]
    WrongNamespace,
    /// The value to send does not serialise to JSON (logged where it happened).
    #[error("payload does not serialise to JSON")]
    NotSerializable,
}

/// Why an `emit_with_ack` produced no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// The client did not answer in time.
    #[error("ack timed out")]
    Timeout,
    /// The packet could not be queued.
    #[error("emit failed: {0}")]
    Emit(#[from] EmitError),
    /// The socket disconnected before answering.
    #[error("socket disconnected before the ack arrived")]
    Disconnected,
}
