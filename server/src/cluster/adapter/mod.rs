//! The wire format of the official `@socket.io/redis-adapter` 8.x ("classic" pub/sub adapter), as
//! pure encode/decode functions: channel names (`channels`), the msgpack broadcast message
//! (`broadcast`) and the request/response messages (`request`), over bounded msgpack/JSON values
//! (`value`).
//!
//! Pinned to 8.3.x (no published spec exists: socket.io-redis-adapter #556). Everything here reads
//! untrusted bytes from Redis: sizes are checked before decoding, nesting is bounded, and every
//! shape mismatch is an [`AdapterError`], never a panic.

mod broadcast;
mod channels;
mod encode;
mod request;
mod response;
mod value;

pub use broadcast::{
    BroadcastFlags, BroadcastMessage, BroadcastOpts, SioPacket, decode_broadcast, encode_broadcast,
    sent_by,
};
pub use channels::{AdapterChannels, ChannelKind};
pub use encode::{
    encode_all_rooms_response, encode_broadcast_ack, encode_client_count, encode_request,
    encode_server_side_emit_ack, encode_sockets_response,
};
pub use request::{AdapterRequest, RequestType, RoomSelector, decode_request};
pub use response::{AdapterResponse, decode_response};
pub use value::{MAX_DEPTH, decode_json_or_msgpack, decode_msgpack, encode_msgpack, to_json};

/// Why bytes from an adapter channel were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdapterError {
    #[error("message of {len} bytes is over the {max}-byte limit")]
    Oversized { len: usize, max: usize },
    #[error("not msgpack: {0}")]
    Msgpack(String),
    #[error("not JSON: {0}")]
    Json(String),
    #[error("{0} bytes left after the message")]
    TrailingBytes(usize),
    #[error("unexpected shape: {0}")]
    Shape(&'static str),
    #[error("unknown request type {0}")]
    UnknownRequestType(i64),
    #[error("unsupported packet type {0} in a broadcast")]
    PacketType(i64),
}
