//! The broadcast message: msgpack of `[uid, packet, opts]`, where `packet` is the socket.io-parser
//! packet *object* (`{type, data, nsp}`, before its own encoding) and `opts` is
//! `{rooms, except, flags}`. Map keys are written in the Node adapter's order so Petri's bytes
//! equal Node's for the same broadcast (checked against a notepack.io fixture).

use rmpv::Value;

use super::AdapterError;
use super::value::{
    as_map, as_text, decode_msgpack, encode_msgpack, field, map, take_field, text_array, text_list,
};

/// socket.io-parser's EVENT; the packet object of a broadcast is an EVENT even with binary
/// arguments (the receiving server's encoder turns it into BINARY_EVENT for its clients).
pub const PACKET_EVENT: u8 = 2;
/// socket.io-parser's BINARY_EVENT, accepted on input for senders that set it themselves.
pub const PACKET_BINARY_EVENT: u8 = 5;

/// The packet object carried by a broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct SioPacket {
    /// [`PACKET_EVENT`] or [`PACKET_BINARY_EVENT`].
    pub kind: u8,
    /// The event name (a string, checked) followed by its arguments; binary arguments are
    /// `Value::Binary`.
    pub data: Vec<Value>,
    /// The namespace; a missing one reads as `/`, as in the Node adapter.
    pub nsp: String,
}

impl SioPacket {
    /// The event name (the first element of `data`, checked on decode).
    pub fn event(&self) -> &str {
        self.data
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// Broadcast flags the adapter carries (unknown flags are ignored on input).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    pub volatile: bool,
    pub compress: Option<bool>,
    pub local: bool,
    /// Ack timeout in ms (only with acks).
    pub timeout: Option<u64>,
}

/// Which sockets a broadcast reaches: those in any of `rooms` (all when empty) and none of
/// `except`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOpts {
    pub rooms: Vec<String>,
    pub except: Vec<String>,
    pub flags: BroadcastFlags,
}

/// A whole broadcast message.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastMessage {
    /// The sending adapter's id (`emitter` for the Redis emitter).
    pub uid: String,
    pub packet: SioPacket,
    pub opts: BroadcastOpts,
}

/// Encodes a broadcast as the Node adapter does.
pub fn encode_broadcast(message: &BroadcastMessage) -> Vec<u8> {
    let value = Value::Array(vec![
        Value::from(message.uid.as_str()),
        packet_value(&message.packet),
        opts_value(&message.opts),
    ]);
    encode_msgpack(&value)
}

/// Decodes a broadcast read from Redis (untrusted).
pub fn decode_broadcast(bytes: &[u8], max_bytes: usize) -> Result<BroadcastMessage, AdapterError> {
    let Value::Array(parts) = decode_msgpack(bytes, max_bytes)? else {
        return Err(AdapterError::Shape("broadcast is not an array"));
    };
    let [uid, packet, opts] = <[Value; 3]>::try_from(parts)
        .map_err(|_| AdapterError::Shape("broadcast is not [uid, packet, opts]"))?;
    let uid = as_text(&uid).ok_or(AdapterError::Shape("broadcast uid"))?;
    Ok(BroadcastMessage {
        uid,
        packet: packet_from(packet)?,
        opts: opts_from(&opts)?,
    })
}

/// Whether an encoded broadcast was sent by adapter `uid`, read from its first bytes without
/// decoding anything: `[uid, packet, opts]` starts with a 3-element array header and the uid
/// string. Every server receives its own broadcasts (the pattern subscription matches them);
/// the Node adapter decodes each before dropping it, Petri drops them here.
pub fn sent_by(bytes: &[u8], uid: &str) -> bool {
    let Some((&0x93, rest)) = bytes.split_first() else {
        return false;
    };
    let (len, rest) = match rest {
        [h @ 0xa0..=0xbf, rest @ ..] => (usize::from(h & 0x1f), rest),
        [0xd9, n, rest @ ..] => (usize::from(*n), rest),
        [0xda, a, b, rest @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), rest),
        _ => return false,
    };
    len == uid.len() && rest.starts_with(uid.as_bytes())
}

pub(super) fn packet_value(packet: &SioPacket) -> Value {
    map(vec![
        ("type", Value::from(packet.kind)),
        ("data", Value::Array(packet.data.clone())),
        ("nsp", Value::from(packet.nsp.as_str())),
    ])
}

pub(super) fn packet_from(value: Value) -> Result<SioPacket, AdapterError> {
    let Value::Map(mut pairs) = value else {
        return Err(AdapterError::Shape("packet is not a map"));
    };
    let kind = field(&pairs, "type")
        .and_then(Value::as_i64)
        .ok_or(AdapterError::Shape("packet type"))?;
    if kind != i64::from(PACKET_EVENT) && kind != i64::from(PACKET_BINARY_EVENT) {
        return Err(AdapterError::PacketType(kind));
    }
    let nsp = match field(&pairs, "nsp") {
        None => "/".to_owned(),
        Some(v) => v
            .as_str()
            .ok_or(AdapterError::Shape("packet nsp"))?
            .to_owned(),
    };
    let Some(Value::Array(data)) = take_field(&mut pairs, "data") else {
        return Err(AdapterError::Shape("packet data is not an array"));
    };
    if !data.first().is_some_and(Value::is_str) {
        return Err(AdapterError::Shape(
            "packet data does not start with an event name",
        ));
    }
    Ok(SioPacket {
        kind: u8::try_from(kind).unwrap_or(PACKET_EVENT),
        data,
        nsp,
    })
}

pub(super) fn opts_value(opts: &BroadcastOpts) -> Value {
    let f = &opts.flags;
    let mut flags = Vec::new();
    if f.volatile {
        flags.push(("volatile", Value::from(true)));
    }
    if let Some(compress) = f.compress {
        flags.push(("compress", Value::from(compress)));
    }
    if f.local {
        flags.push(("local", Value::from(true)));
    }
    if let Some(timeout) = f.timeout {
        flags.push(("timeout", Value::from(timeout)));
    }
    map(vec![
        ("rooms", text_array(&opts.rooms)),
        ("except", text_array(&opts.except)),
        ("flags", map(flags)),
    ])
}

pub(super) fn opts_from(value: &Value) -> Result<BroadcastOpts, AdapterError> {
    let pairs = as_map(value, "opts is not a map")?;
    let flags = match field(pairs, "flags") {
        None => BroadcastFlags::default(),
        Some(flags) => {
            let flags = as_map(flags, "flags is not a map")?;
            let truthy = |key| field(flags, key).and_then(Value::as_bool).unwrap_or(false);
            BroadcastFlags {
                volatile: truthy("volatile"),
                compress: field(flags, "compress").and_then(Value::as_bool),
                local: truthy("local"),
                timeout: field(flags, "timeout").and_then(Value::as_u64),
            }
        }
    };
    Ok(BroadcastOpts {
        rooms: text_list(pairs, "rooms", "opts rooms")?,
        except: text_list(pairs, "except", "opts except")?,
        flags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BroadcastMessage {
        BroadcastMessage {
            uid: "abc123".into(),
            packet: SioPacket {
                kind: PACKET_EVENT,
                data: vec![
                    Value::from("chat"),
                    Value::from(42),
                    Value::Binary(vec![1, 2, 3]),
                ],
                nsp: "/".into(),
            },
            opts: BroadcastOpts {
                rooms: vec!["r1".into()],
                except: vec!["sid1".into()],
                flags: BroadcastFlags::default(),
            },
        }
    }

    #[test]
    fn the_sender_is_read_without_decoding() {
        let bytes = encode_broadcast(&sample());
        assert!(sent_by(&bytes, "abc123"));
        assert!(!sent_by(&bytes, "abc12"));
        assert!(!sent_by(&bytes, "abc1234"));
        assert!(!sent_by(&bytes[..3], "abc123"));
        let long = BroadcastMessage {
            uid: "n".repeat(40),
            ..sample()
        };
        assert!(sent_by(&encode_broadcast(&long), &"n".repeat(40)));
        assert!(!sent_by(&[0x93, 0xd9], "x"));
    }

    #[test]
    fn round_trips() {
        let bytes = encode_broadcast(&sample());
        assert_eq!(decode_broadcast(&bytes, 1 << 20), Ok(sample()));
    }

    #[test]
    fn refuses_oversized_truncated_and_misshapen_input() {
        let bytes = encode_broadcast(&sample());
        assert!(matches!(
            decode_broadcast(&bytes, 8),
            Err(AdapterError::Oversized { .. })
        ));
        for cut in 0..bytes.len() {
            assert!(
                decode_broadcast(&bytes[..cut], 1 << 20).is_err(),
                "cut at {cut}"
            );
        }
        let not_event = encode_msgpack(&Value::Array(vec![
            Value::from("u"),
            map(vec![
                ("type", Value::from(3)),
                ("data", Value::Array(vec![Value::from("x")])),
            ]),
            map(vec![]),
        ]));
        assert_eq!(
            decode_broadcast(&not_event, 1 << 20),
            Err(AdapterError::PacketType(3))
        );
        // 40 nested arrays: over the depth bound, refused without recursion trouble.
        let deep = [vec![0x91u8; 40], vec![0xc0]].concat();
        assert!(decode_broadcast(&deep, 1 << 20).is_err());
        // An array header claiming 4 billion elements in 5 bytes allocates nothing large.
        assert!(decode_broadcast(&[0xdd, 0xff, 0xff, 0xff, 0xff], 1 << 20).is_err());
    }
}
