//! Requests and responses on `socket.io-request#/#` / `socket.io-response#/#…`.
//!
//! Type numbers are the adapter's `RequestType` enum (8.3.0). Encodings follow the Node adapter
//! exactly — JSON text for everything except a broadcast with acks (msgpack, because its packet
//! may carry binary) and the per-client broadcast ack (msgpack) — and decoding accepts either by
//! the first-byte rule, as Node does. A Petri node must answer every request type, because Node
//! requesters count subscribers with `PUBSUB NUMSUB` and wait for each (adapter issue #506).

use rmpv::Value;

use super::AdapterError;
use super::broadcast::{BroadcastOpts, SioPacket, opts_from, packet_from};
use super::value::{as_map, as_text, decode_json_or_msgpack, field, take_field, text_list};

/// The adapter's request type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RequestType {
    Sockets = 0,
    AllRooms = 1,
    RemoteJoin = 2,
    RemoteLeave = 3,
    RemoteDisconnect = 4,
    RemoteFetch = 5,
    ServerSideEmit = 6,
    Broadcast = 7,
    BroadcastClientCount = 8,
    BroadcastAck = 9,
}

impl RequestType {
    pub fn from_code(code: i64) -> Result<Self, AdapterError> {
        Ok(match code {
            0 => Self::Sockets,
            1 => Self::AllRooms,
            2 => Self::RemoteJoin,
            3 => Self::RemoteLeave,
            4 => Self::RemoteDisconnect,
            5 => Self::RemoteFetch,
            6 => Self::ServerSideEmit,
            7 => Self::Broadcast,
            8 => Self::BroadcastClientCount,
            9 => Self::BroadcastAck,
            other => return Err(AdapterError::UnknownRequestType(other)),
        })
    }
}

/// The sockets a remote operation applies to (`opts` of join/leave/disconnect/fetch).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomSelector {
    pub rooms: Vec<String>,
    pub except: Vec<String>,
}

/// A decoded request. `uid` is the requesting adapter (absent in some legacy senders).
#[derive(Debug, Clone, PartialEq)]
pub enum AdapterRequest {
    Sockets {
        uid: Option<String>,
        request_id: String,
        rooms: Vec<String>,
    },
    AllRooms {
        uid: Option<String>,
        request_id: String,
    },
    RemoteJoin {
        uid: Option<String>,
        selector: RoomSelector,
        rooms: Vec<String>,
    },
    RemoteLeave {
        uid: Option<String>,
        selector: RoomSelector,
        rooms: Vec<String>,
    },
    RemoteDisconnect {
        uid: Option<String>,
        selector: RoomSelector,
        close: bool,
    },
    RemoteFetch {
        uid: Option<String>,
        request_id: String,
        selector: RoomSelector,
    },
    /// `request_id` is present when the sender wants an ack.
    ServerSideEmit {
        uid: Option<String>,
        request_id: Option<String>,
        data: Vec<Value>,
    },
    Broadcast {
        uid: Option<String>,
        request_id: String,
        packet: SioPacket,
        opts: BroadcastOpts,
    },
    /// A pre-8.x join/leave/disconnect of one socket (`sid`, `room`): answered with `{requestId}`.
    Legacy {
        kind: RequestType,
        request_id: String,
        sid: String,
        room: Option<String>,
    },
}

impl AdapterRequest {
    /// The request's type code.
    pub fn kind(&self) -> RequestType {
        match self {
            Self::Sockets { .. } => RequestType::Sockets,
            Self::AllRooms { .. } => RequestType::AllRooms,
            Self::RemoteJoin { .. } => RequestType::RemoteJoin,
            Self::RemoteLeave { .. } => RequestType::RemoteLeave,
            Self::RemoteDisconnect { .. } => RequestType::RemoteDisconnect,
            Self::RemoteFetch { .. } => RequestType::RemoteFetch,
            Self::ServerSideEmit { .. } => RequestType::ServerSideEmit,
            Self::Broadcast { .. } => RequestType::Broadcast,
            Self::Legacy { kind, .. } => *kind,
        }
    }

    /// The requesting adapter's id, when the sender gave one.
    pub fn uid(&self) -> Option<&str> {
        match self {
            Self::Sockets { uid, .. }
            | Self::AllRooms { uid, .. }
            | Self::RemoteJoin { uid, .. }
            | Self::RemoteLeave { uid, .. }
            | Self::RemoteDisconnect { uid, .. }
            | Self::RemoteFetch { uid, .. }
            | Self::ServerSideEmit { uid, .. }
            | Self::Broadcast { uid, .. } => uid.as_deref(),
            Self::Legacy { .. } => None,
        }
    }

    /// The id the answer must carry; `None` for requests that get no answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Sockets { request_id, .. }
            | Self::AllRooms { request_id, .. }
            | Self::RemoteFetch { request_id, .. }
            | Self::Broadcast { request_id, .. }
            | Self::Legacy { request_id, .. } => Some(request_id),
            Self::ServerSideEmit { request_id, .. } => request_id.as_deref(),
            Self::RemoteJoin { .. } | Self::RemoteLeave { .. } | Self::RemoteDisconnect { .. } => {
                None
            }
        }
    }
}

/// Decodes a request read from Redis (untrusted). Response types (8, 9) are refused here: they
/// belong on the response channel.
pub fn decode_request(bytes: &[u8], max_bytes: usize) -> Result<AdapterRequest, AdapterError> {
    let Value::Map(pairs) = decode_json_or_msgpack(bytes, max_bytes)? else {
        return Err(AdapterError::Shape("request is not a map"));
    };
    let code = field(&pairs, "type")
        .and_then(Value::as_i64)
        .ok_or(AdapterError::Shape("request type"))?;
    let kind = RequestType::from_code(code)?;
    let uid = field(&pairs, "uid").and_then(as_text);
    let request_id = field(&pairs, "requestId").and_then(as_text);
    let need_id = || request_id.clone().ok_or(AdapterError::Shape("requestId"));
    if matches!(
        kind,
        RequestType::RemoteJoin | RequestType::RemoteLeave | RequestType::RemoteDisconnect
    ) && field(&pairs, "opts").is_none()
    {
        let sid = field(&pairs, "sid")
            .and_then(as_text)
            .ok_or(AdapterError::Shape("legacy sid"))?;
        let room = field(&pairs, "room").and_then(as_text);
        return Ok(AdapterRequest::Legacy {
            kind,
            request_id: need_id()?,
            sid,
            room,
        });
    }
    decode_body(kind, uid, request_id, pairs)
}

/// The fields of each (8.x) request type.
fn decode_body(
    kind: RequestType,
    uid: Option<String>,
    request_id: Option<String>,
    mut pairs: Vec<(Value, Value)>,
) -> Result<AdapterRequest, AdapterError> {
    let need_id = || request_id.clone().ok_or(AdapterError::Shape("requestId"));
    Ok(match kind {
        RequestType::Sockets => AdapterRequest::Sockets {
            uid,
            request_id: need_id()?,
            rooms: text_list(&pairs, "rooms", "rooms")?,
        },
        RequestType::AllRooms => AdapterRequest::AllRooms {
            uid,
            request_id: need_id()?,
        },
        RequestType::RemoteJoin => AdapterRequest::RemoteJoin {
            uid,
            selector: selector(&pairs)?,
            rooms: text_list(&pairs, "rooms", "rooms")?,
        },
        RequestType::RemoteLeave => AdapterRequest::RemoteLeave {
            uid,
            selector: selector(&pairs)?,
            rooms: text_list(&pairs, "rooms", "rooms")?,
        },
        RequestType::RemoteDisconnect => AdapterRequest::RemoteDisconnect {
            uid,
            selector: selector(&pairs)?,
            close: field(&pairs, "close")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        RequestType::RemoteFetch => AdapterRequest::RemoteFetch {
            uid,
            request_id: need_id()?,
            selector: selector(&pairs)?,
        },
        RequestType::ServerSideEmit => {
            let Some(Value::Array(data)) = take_field(&mut pairs, "data") else {
                return Err(AdapterError::Shape("serverSideEmit data"));
            };
            AdapterRequest::ServerSideEmit {
                uid,
                request_id,
                data,
            }
        }
        RequestType::Broadcast => {
            let request_id = need_id()?;
            let packet = packet_from(
                take_field(&mut pairs, "packet").ok_or(AdapterError::Shape("broadcast packet"))?,
            )?;
            let opts =
                opts_from(field(&pairs, "opts").ok_or(AdapterError::Shape("broadcast opts"))?)?;
            AdapterRequest::Broadcast {
                uid,
                request_id,
                packet,
                opts,
            }
        }
        RequestType::BroadcastClientCount | RequestType::BroadcastAck => {
            return Err(AdapterError::Shape("a response on the request channel"));
        }
    })
}

fn selector(pairs: &[(Value, Value)]) -> Result<RoomSelector, AdapterError> {
    let opts = as_map(
        field(pairs, "opts").ok_or(AdapterError::Shape("opts"))?,
        "opts is not a map",
    )?;
    Ok(RoomSelector {
        rooms: text_list(opts, "rooms", "opts rooms")?,
        except: text_list(opts, "except", "opts except")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1 << 20;

    #[test]
    fn node_json_and_legacy_forms_decode() {
        let fetch =
            br#"{"uid":"Ab3dE6","requestId":"r1","type":5,"opts":{"rooms":["room1"],"except":[]}}"#;
        assert!(matches!(
            decode_request(fetch, MAX),
            Ok(AdapterRequest::RemoteFetch { .. })
        ));
        let legacy = br#"{"uid":"u","requestId":"r2","type":2,"sid":"s1","room":"lobby"}"#;
        assert!(matches!(
            decode_request(legacy, MAX),
            Ok(AdapterRequest::Legacy {
                kind: RequestType::RemoteJoin,
                ..
            })
        ));
    }

    #[test]
    fn malformed_and_unknown_requests_are_typed_errors() {
        assert_eq!(
            decode_request(br#"{"type":42,"requestId":"x"}"#, MAX),
            Err(AdapterError::UnknownRequestType(42))
        );
        assert!(matches!(
            decode_request(br#"{"type":1}"#, MAX),
            Err(AdapterError::Shape("requestId"))
        ));
        assert!(matches!(
            decode_request(b"{not json", MAX),
            Err(AdapterError::Json(_))
        ));
        assert!(matches!(
            decode_request(&[0xd9], MAX),
            Err(AdapterError::Msgpack(_))
        ));
        assert!(matches!(
            decode_request(br#"{"type":8,"requestId":"x"}"#, MAX),
            Err(AdapterError::Shape(_))
        ));
        assert!(matches!(
            decode_request(&[b'{'; 64], 16),
            Err(AdapterError::Oversized { .. })
        ));
    }
}
