//! Why a socket or a connection went away.

use std::fmt;

/// The reason passed to `on_disconnect` handlers and written to the logs. The string forms are
/// the ones the JS server uses, so client code written against it reads the same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The peer closed the WebSocket or sent an Engine.IO `close` packet.
    TransportClose,
    /// Reading from or writing to the socket failed (I/O error, write timeout).
    TransportError(String),
    /// No pong within `ping_timeout` after a ping.
    PingTimeout,
    /// The peer sent something that violates the protocol: malformed or out-of-order packets,
    /// invalid UTF-8. The detail is for logs.
    ParseError(String),
    /// The peer sent a message or frame larger than `max_payload` (refused while it was being
    /// read). Reported as `"parse error"`, like the JS server; closed with code 1009. The detail
    /// is for logs.
    Oversized(String),
    /// The client left the namespace (Socket.IO `DISCONNECT` from the client).
    ClientNamespaceDisconnect,
    /// The server called `socket.disconnect()`.
    ServerNamespaceDisconnect,
    /// The server closed the whole connection (`socket.close_connection()`).
    ForcedClose,
    /// The connection's backlog overflowed on a reliable emit (slow consumer policy).
    SlowConsumer,
    /// No Socket.IO namespace was joined within `connect_timeout`.
    ConnectTimeout,
    /// The server is shutting down.
    ServerShutdown,
    /// A server-side handler panicked while handling this connection's packet.
    HandlerPanic,
}

impl DisconnectReason {
    /// The JS-compatible short string (e.g. `"ping timeout"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::TransportClose => "transport close",
            Self::TransportError(_) => "transport error",
            Self::PingTimeout => "ping timeout",
            Self::ParseError(_) | Self::Oversized(_) => "parse error",
            Self::ClientNamespaceDisconnect => "client namespace disconnect",
            Self::ServerNamespaceDisconnect => "server namespace disconnect",
            Self::ForcedClose => "forced close",
            Self::SlowConsumer => "slow consumer",
            Self::ConnectTimeout => "connect timeout",
            Self::ServerShutdown => "server shutting down",
            Self::HandlerPanic => "handler panic",
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TransportError(d) | Self::ParseError(d) => write!(f, "{}: {d}", self.as_str()),
            Self::Oversized(d) => write!(f, "{}: oversized message: {d}", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}
