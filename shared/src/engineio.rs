//! Engine.IO v4 packet codec (the framing layer under Socket.IO).
//!
//! On WebSocket every *text* frame carries exactly one Engine.IO packet (`<type digit><payload>`)
//! and every *binary* frame is a binary `message` packet with no type prefix; HTTP long-polling
//! lays several packets out in one payload ([`crate::polling`]). This module is the packet
//! itself: a handful of pure functions over `&str`.
//!
//! Everything here is total: malformed input yields `Err`, never a panic, because the input comes
//! straight from an untrusted peer.

use serde::{Deserialize, Serialize};

/// The Engine.IO protocol revision this codec implements (`EIO=4` in the handshake query).
pub const PROTOCOL_VERSION: u32 = 4;

/// Engine.IO packet types. The discriminant is the ASCII digit on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// `0`: sent by the server once, first, with the session parameters.
    Open = 0,
    /// `1`: either side asks to close the session.
    Close = 1,
    /// `2`: heartbeat request (v4: sent by the server).
    Ping = 2,
    /// `3`: heartbeat answer (v4: sent by the client).
    Pong = 3,
    /// `4`: application data (a Socket.IO packet).
    Message = 4,
    /// `5`: transport upgrade completion (a polling session moving to WebSocket).
    Upgrade = 5,
    /// `6`: no-op, used to end a pending poll (ignored on WebSocket).
    Noop = 6,
}

impl PacketType {
    /// Maps the wire digit to a packet type.
    pub fn from_digit(c: u8) -> Option<Self> {
        Some(match c {
            b'0' => Self::Open,
            b'1' => Self::Close,
            b'2' => Self::Ping,
            b'3' => Self::Pong,
            b'4' => Self::Message,
            b'5' => Self::Upgrade,
            b'6' => Self::Noop,
            _ => return None,
        })
    }

    /// The wire digit of this packet type.
    pub fn digit(self) -> char {
        (b'0' + self as u8) as char
    }
}

/// One decoded text packet: its type and the (possibly empty) payload that follows the digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPacket<'a> {
    /// The packet type.
    pub kind: PacketType,
    /// Everything after the type digit.
    pub data: &'a str,
}

/// Why a text frame is not an Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineDecodeError {
    /// The frame was empty: there is no packet type.
    #[error("empty Engine.IO packet")]
    Empty,
    /// The first character is not one of `0`..=`6`.
    #[error("unknown Engine.IO packet type {0:?}")]
    UnknownType(char),
}

/// Decodes one WebSocket text frame into an Engine.IO packet. Borrowing: the payload is a slice
/// of `frame`.
pub fn decode_text(frame: &str) -> Result<TextPacket<'_>, EngineDecodeError> {
    let first = *frame.as_bytes().first().ok_or(EngineDecodeError::Empty)?;
    let kind = PacketType::from_digit(first)
        .ok_or_else(|| EngineDecodeError::UnknownType(frame.chars().next().unwrap_or('?')))?;
    // The first byte is an ASCII digit, so index 1 is a char boundary.
    Ok(TextPacket {
        kind,
        data: &frame[1..],
    })
}

/// Encodes a text packet: the type digit followed by the payload.
pub fn encode_text(kind: PacketType, data: &str) -> String {
    let mut out = String::with_capacity(1 + data.len());
    out.push(kind.digit());
    out.push_str(data);
    out
}

/// The JSON body of the `open` packet (`0{...}`), field names exactly as the JS server sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenPayload {
    /// Session id, unique per connection.
    pub sid: String,
    /// Transports the client may upgrade to: `["websocket"]` for a polling session, empty on
    /// WebSocket.
    pub upgrades: Vec<String>,
    /// Milliseconds between server pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong before closing.
    pub ping_timeout: u64,
    /// Largest message in bytes the server accepts.
    pub max_payload: u64,
}

impl OpenPayload {
    /// The complete `open` packet text, e.g. `0{"sid":"…","upgrades":[],…}`.
    pub fn to_packet(&self) -> String {
        // Serializing a struct of strings and integers cannot fail.
        let json = serde_json::to_string(self).unwrap_or_default();
        encode_text(PacketType::Open, &json)
    }
}

/// Engine.IO's HTTP error codes (the `code` field of the JSON error body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpErrorCode {
    /// `0`: transport not supported (neither `polling` nor `websocket`).
    TransportUnknown = 0,
    /// `1`: the `sid` query parameter names no live session.
    UnknownSid = 1,
    /// `2`: a handshake must be a `GET`.
    BadHandshakeMethod = 2,
    /// `3`: malformed request (e.g. `transport=websocket` without WebSocket upgrade headers).
    BadRequest = 3,
    /// `4`: refused by policy.
    Forbidden = 4,
    /// `5`: `EIO` is missing or not `4`.
    UnsupportedProtocolVersion = 5,
}

impl HttpErrorCode {
    /// The message the JS server sends with this code.
    pub fn message(self) -> &'static str {
        match self {
            Self::TransportUnknown => "Transport unknown",
            Self::UnknownSid => "Session ID unknown",
            Self::BadHandshakeMethod => "Bad handshake method",
            Self::BadRequest => "Bad request",
            Self::Forbidden => "Forbidden",
            Self::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The JSON error body, e.g. `{"code":0,"message":"Transport unknown"}`.
    pub fn to_json(self) -> String {
        serde_json::json!({ "code": self as u8, "message": self.message() }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_type() {
        for (text, kind, data) in [
            ("0{}", PacketType::Open, "{}"),
            ("1", PacketType::Close, ""),
            ("2", PacketType::Ping, ""),
            ("2probe", PacketType::Ping, "probe"),
            ("3", PacketType::Pong, ""),
            ("4hello", PacketType::Message, "hello"),
            ("4", PacketType::Message, ""),
            ("5", PacketType::Upgrade, ""),
            ("6", PacketType::Noop, ""),
        ] {
            assert_eq!(decode_text(text), Ok(TextPacket { kind, data }), "{text}");
        }
    }

    #[test]
    fn malformed_is_an_error() {
        assert_eq!(decode_text(""), Err(EngineDecodeError::Empty));
        assert_eq!(decode_text("abc"), Err(EngineDecodeError::UnknownType('a')));
        assert_eq!(decode_text("7"), Err(EngineDecodeError::UnknownType('7')));
        assert_eq!(decode_text("é4"), Err(EngineDecodeError::UnknownType('é')));
        assert_eq!(decode_text(" 4"), Err(EngineDecodeError::UnknownType(' ')));
    }

    #[test]
    fn multibyte_payload_is_kept() {
        let p = decode_text("4héllo✓").unwrap();
        assert_eq!(p.data, "héllo✓");
    }

    #[test]
    fn encode_roundtrip() {
        let s = encode_text(PacketType::Message, "2[\"a\"]");
        assert_eq!(s, "42[\"a\"]");
        let p = decode_text(&s).unwrap();
        assert_eq!(p.kind, PacketType::Message);
        assert_eq!(p.data, "2[\"a\"]");
    }

    #[test]
    fn open_packet_fields() {
        let open = OpenPayload {
            sid: "abc".into(),
            upgrades: vec![],
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: 1_000_000,
        };
        let text = open.to_packet();
        assert!(text.starts_with('0'));
        let v: serde_json::Value = serde_json::from_str(&text[1..]).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})
        );
    }

    #[test]
    fn http_errors() {
        assert_eq!(
            HttpErrorCode::TransportUnknown.to_json(),
            r#"{"code":0,"message":"Transport unknown"}"#
        );
        assert_eq!(
            HttpErrorCode::UnsupportedProtocolVersion.to_json(),
            r#"{"code":5,"message":"Unsupported protocol version"}"#
        );
    }
}
