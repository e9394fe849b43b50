//! The protocol's one vocabulary of "no": a `Refusal` answers any request that is refused, with
//! a stable `RefusalCode` for programs and a message for people.

use serde::{Deserialize, Serialize};

/// Why a request was refused: a stable `code` for programs and a `message` for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub ok: bool,
    pub code: RefusalCode,
    pub message: String,
    /// With `other-node`: the base URL of the node that hosts the room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Self {
            ok: false,
            code,
            message: message.into(),
            url: None,
        }
    }

    /// `other-node`: the room is hosted by the cluster node at `url`; join there.
    pub fn other_node(room: &str, url: &str) -> Self {
        Self {
            url: Some(url.to_owned()),
            ..Self::new(
                RefusalCode::OtherNode,
                format!("room {room} is hosted at {url}; join it there"),
            )
        }
    }
}

/// Every refusal code, the one vocabulary of the protocol's "no". docs/PROTOCOL.md lists the same
/// codes and the web client maps them to messages; `server/tests/protocol_vocabulary.rs` checks
/// both against this enum, so a code added here cannot be forgotten there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalCode {
    /// No room by that id (it may have closed).
    UnknownRoom,
    /// A private room and a missing or wrong invitation code.
    WrongCode,
    /// The room has no seat (or no spectator place) left.
    Full,
    /// This connection is already in that room.
    AlreadyJoined,
    /// The request's shape or values are wrong; the message says which.
    BadRequest,
    /// The server hosts as many rooms as it may.
    TooManyRooms,
    /// Too many requests from this connection; slow down.
    RateLimited,
    /// The room's command queue is full; try again.
    Busy,
    /// An event the namespace does not know.
    UnknownEvent,
    /// The server failed (no randomness, no thread); not the client's fault.
    Internal,
    /// The room is hosted by another node of the cluster; `url` names it. Join there.
    OtherNode,
    /// Another node of the cluster was asked and did not answer in time, or refused.
    NodeUnavailable,
}

impl RefusalCode {
    pub const ALL: [RefusalCode; 12] = [
        RefusalCode::UnknownRoom,
        RefusalCode::WrongCode,
        RefusalCode::Full,
        RefusalCode::AlreadyJoined,
        RefusalCode::BadRequest,
        RefusalCode::TooManyRooms,
        RefusalCode::RateLimited,
        RefusalCode::Busy,
        RefusalCode::UnknownEvent,
        RefusalCode::Internal,
        RefusalCode::OtherNode,
        RefusalCode::NodeUnavailable,
    ];

    /// The code as it travels (`"unknown-room"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::UnknownRoom => "unknown-room",
            RefusalCode::WrongCode => "wrong-code",
            RefusalCode::Full => "full",
            RefusalCode::AlreadyJoined => "already-joined",
            RefusalCode::BadRequest => "bad-request",
            RefusalCode::TooManyRooms => "too-many-rooms",
            RefusalCode::RateLimited => "rate-limited",
            RefusalCode::Busy => "busy",
            RefusalCode::UnknownEvent => "unknown-event",
            RefusalCode::Internal => "internal",
            RefusalCode::OtherNode => "other-node",
            RefusalCode::NodeUnavailable => "node-unavailable",
        }
    }
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_code_travels_as_its_name() {
        for code in RefusalCode::ALL {
            let json = serde_json::to_value(code).expect("a code serialises");
            assert_eq!(json, serde_json::Value::from(code.as_str()));
            let back: RefusalCode = serde_json::from_value(json).expect("and reads back");
            assert_eq!(back, code);
        }
    }
}
