//! Socket.IO v5 packet codec (the text part; binary attachments travel as separate frames).
//!
//! Wire format of one packet, inside an Engine.IO `message`:
//!
//! ```text
//! <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//! ```
//!
//! * `type` is one digit (see [`PacketKind`]);
//! * `attachments` only for `BINARY_EVENT`/`BINARY_ACK`: how many binary frames follow;
//! * the namespace is omitted for the main namespace `/`;
//! * the ack id is a decimal integer, present when the sender wants an acknowledgement (EVENT)
//!   or answers one (ACK);
//! * the payload is JSON whose shape depends on the type (validated here, like the reference
//!   `socket.io-parser` does, so a peer cannot smuggle e.g. an object where an array belongs).
//!
//! Binary values inside a payload are replaced by `{"_placeholder":true,"num":N}` and sent as the
//! N-th attachment frame. This codec never touches attachment bytes: the server keeps them as
//! shared buffers next to the JSON, which is what makes binary emits cheap.

use serde_json::Value;
use std::fmt::Write as _;

/// Socket.IO packet types. The discriminant is the ASCII digit on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// `0`: client asks to join a namespace (payload: auth object); server accepts (`{"sid"}`).
    Connect = 0,
    /// `1`: leave a namespace (either direction, no payload).
    Disconnect = 1,
    /// `2`: an event: `["name", ...args]`.
    Event = 2,
    /// `3`: the answer to an event that carried an ack id: `[...args]`.
    Ack = 3,
    /// `4`: server refuses a namespace connection: `{"message": "..."}`.
    ConnectError = 4,
    /// `5`: an event with binary attachments.
    BinaryEvent = 5,
    /// `6`: an ack with binary attachments.
    BinaryAck = 6,
}

impl PacketKind {
    fn from_digit(c: u8) -> Option<Self> {
        Some(match c {
            b'0' => Self::Connect,
            b'1' => Self::Disconnect,
            b'2' => Self::Event,
            b'3' => Self::Ack,
            b'4' => Self::ConnectError,
            b'5' => Self::BinaryEvent,
            b'6' => Self::BinaryAck,
            _ => return None,
        })
    }

    /// Whether attachment frames may follow this packet.
    pub fn is_binary(self) -> bool {
        matches!(self, Self::BinaryEvent | Self::BinaryAck)
    }

    fn digit(self) -> char {
        (b'0' + self as u8) as char
    }
}

/// Event names the JS server reserves; receiving one is a protocol error (as in `socket.io-parser`).
pub const RESERVED_EVENTS: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// A decoded Socket.IO packet header plus its JSON payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// Packet type.
    pub kind: PacketKind,
    /// Namespace, always starting with `/`.
    pub nsp: String,
    /// Ack id, if any.
    pub id: Option<u64>,
    /// Number of binary frames that follow (0 unless `kind.is_binary()`).
    pub attachments: usize,
    /// The JSON payload, already validated for `kind`.
    pub data: Option<Value>,
}

/// Why a text message is not a valid Socket.IO packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketIoDecodeError {
    /// Empty message.
    #[error("empty Socket.IO packet")]
    Empty,
    /// The type digit is not `0`..=`6`.
    #[error("unknown Socket.IO packet type")]
    UnknownType,
    /// A binary packet without a valid `<n>-` attachment count.
    #[error("illegal attachment count")]
    IllegalAttachments,
    /// More attachments announced than the configured limit.
    #[error("too many attachments ({0})")]
    TooManyAttachments(usize),
    /// The ack id is not a valid integer.
    #[error("invalid ack id")]
    InvalidId,
    /// The payload is not JSON.
    #[error("payload is not valid JSON")]
    InvalidJson,
    /// The payload is JSON but has the wrong shape for the packet type.
    #[error("invalid payload for this packet type")]
    InvalidPayload,
    /// The event name is reserved.
    #[error("reserved event name")]
    ReservedEvent,
    /// A binary placeholder is malformed or points past the announced attachments.
    #[error("invalid binary placeholder")]
    InvalidPlaceholder,
}

/// Decodes one Socket.IO packet from the text of an Engine.IO `message`.
///
/// `max_attachments` bounds the announced attachment count, so a peer cannot make the server
/// wait for (and buffer) an unbounded number of frames.
pub fn decode(text: &str, max_attachments: usize) -> Result<Packet, SocketIoDecodeError> {
    let bytes = text.as_bytes();
    let first = *bytes.first().ok_or(SocketIoDecodeError::Empty)?;
    let kind = PacketKind::from_digit(first).ok_or(SocketIoDecodeError::UnknownType)?;
    // All indices below land on ASCII bytes we inspected, hence on char boundaries.
    let mut i = 1;

    let mut attachments = 0;
    if kind.is_binary() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 || bytes.get(i) != Some(&b'-') {
            return Err(SocketIoDecodeError::IllegalAttachments);
        }
        attachments = text[start..i]
            .parse::<usize>()
            .map_err(|_| SocketIoDecodeError::IllegalAttachments)?;
        if attachments > max_attachments {
            return Err(SocketIoDecodeError::TooManyAttachments(attachments));
        }
        i += 1; // the '-'
    }

    let nsp = if bytes.get(i) == Some(&b'/') {
        let start = i;
        while i < bytes.len() && bytes[i] != b',' {
            i += 1;
        }
        let nsp = text[start..i].to_owned();
        if i < bytes.len() {
            i += 1; // the ','
        }
        nsp
    } else {
        "/".to_owned()
    };

    let mut id = None;
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        id = Some(
            text[start..i]
                .parse::<u64>()
                .map_err(|_| SocketIoDecodeError::InvalidId)?,
        );
    }

    let rest = &text[i..];
    let data = if rest.is_empty() {
        None
    } else {
        Some(parse_json(rest)?)
    };

    validate_payload(kind, data.as_ref())?;
    if let Some(d) = &data
        && kind.is_binary()
    {
        check_placeholders(d, attachments)?;
    }
    if id.is_some()
        && !matches!(
            kind,
            PacketKind::Event | PacketKind::BinaryEvent | PacketKind::Ack | PacketKind::BinaryAck
        )
    {
        return Err(SocketIoDecodeError::InvalidId);
    }
    if matches!(kind, PacketKind::Ack | PacketKind::BinaryAck) && id.is_none() {
        return Err(SocketIoDecodeError::InvalidId);
    }

    Ok(Packet {
        kind,
        nsp,
        id,
        attachments,
        data,
    })
}

fn validate_payload(kind: PacketKind, data: Option<&Value>) -> Result<(), SocketIoDecodeError> {
    use PacketKind::*;
    let ok = match (kind, data) {
        (Connect, None) => true,
        (Connect, Some(v)) => v.is_object(),
        (Disconnect, d) => d.is_none(),
        (ConnectError, Some(v)) => v.is_object() || v.is_string(),
        (ConnectError, None) => false,
        (Event | BinaryEvent, Some(Value::Array(a))) => match a.first() {
            Some(Value::String(name)) => {
                if RESERVED_EVENTS.contains(&name.as_str()) {
                    return Err(SocketIoDecodeError::ReservedEvent);
                }
                true
            }
            Some(Value::Number(_)) => true,
            _ => false,
        },
        (Ack | BinaryAck, Some(v)) => v.is_array(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(SocketIoDecodeError::InvalidPayload)
    }
}

/// Checks that every `{"_placeholder":true,...}` object in `v` has an integer `num` below
/// `attachments` (the reference parser throws "illegal attachments" otherwise).
pub fn check_placeholders(v: &Value, attachments: usize) -> Result<(), SocketIoDecodeError> {
    match v {
        Value::Array(a) => a
            .iter()
            .try_for_each(|x| check_placeholders(x, attachments)),
        Value::Object(o) => {
            if o.get("_placeholder") == Some(&Value::Bool(true)) {
                match o.get("num").and_then(Value::as_u64) {
                    Some(n) if (n as u128) < attachments as u128 => Ok(()),
                    _ => Err(SocketIoDecodeError::InvalidPlaceholder),
                }
            } else {
                o.values()
                    .try_for_each(|x| check_placeholders(x, attachments))
            }
        }
        _ => Ok(()),
    }
}

/// The JSON stand-in for the `num`-th binary attachment.
pub fn placeholder(num: usize) -> Value {
    serde_json::json!({ "_placeholder": true, "num": num })
}

/// Writes the packet header (`<type>[<n>-][<nsp>,][<id>]`) into `out`.
pub fn write_header(
    out: &mut String,
    kind: PacketKind,
    attachments: usize,
    nsp: &str,
    id: Option<u64>,
) {
    out.push(kind.digit());
    if kind.is_binary() {
        let _ = write!(out, "{attachments}-");
    }
    if nsp != "/" {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = id {
        let _ = write!(out, "{id}");
    }
}

/// Encodes a generic packet (header + JSON payload).
pub fn encode(p: &Packet) -> String {
    let mut out = String::new();
    write_header(&mut out, p.kind, p.attachments, &p.nsp, p.id);
    if let Some(d) = &p.data {
        out.push_str(&d.to_string());
    }
    out
}

/// Encodes an EVENT (or BINARY_EVENT when `attachments > 0`) without building an intermediate
/// JSON array: `["event", args...]` is written straight into the output string.
pub fn encode_event(
    nsp: &str,
    event: &str,
    args: &[Value],
    id: Option<u64>,
    attachments: usize,
) -> String {
    let kind = if attachments > 0 {
        PacketKind::BinaryEvent
    } else {
        PacketKind::Event
    };
    let mut out = String::with_capacity(16 + nsp.len() + event.len());
    write_header(&mut out, kind, attachments, nsp, id);
    out.push('[');
    out.push_str(&Value::from(event).to_string());
    for a in args {
        out.push(',');
        out.push_str(&a.to_string());
    }
    out.push(']');
    out
}

/// Encodes an ACK (or BINARY_ACK when `attachments > 0`): `[args...]`.
pub fn encode_ack(nsp: &str, id: u64, args: &[Value], attachments: usize) -> String {
    let kind = if attachments > 0 {
        PacketKind::BinaryAck
    } else {
        PacketKind::Ack
    };
    let mut out = String::with_capacity(16 + nsp.len());
    write_header(&mut out, kind, attachments, nsp, Some(id));
    out.push('[');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&a.to_string());
    }
    out.push(']');
    out
}

/// Encodes the server's CONNECT answer: `0[/nsp,]{"sid":"..."}`.
pub fn encode_connect(nsp: &str, sid: &str) -> String {
    let mut out = String::new();
    write_header(&mut out, PacketKind::Connect, 0, nsp, None);
    out.push_str(&serde_json::json!({ "sid": sid }).to_string());
    out
}

/// Encodes a CONNECT_ERROR: `4[/nsp,]{"message":"..."}`.
pub fn encode_connect_error(nsp: &str, message: &str) -> String {
    let mut out = String::new();
    write_header(&mut out, PacketKind::ConnectError, 0, nsp, None);
    out.push_str(&serde_json::json!({ "message": message }).to_string());
    out
}

/// Encodes a DISCONNECT: `1[/nsp,]`.
pub fn encode_disconnect(nsp: &str) -> String {
    let mut out = String::new();
    write_header(&mut out, PacketKind::Disconnect, 0, nsp, None);
    out
}

/// Parses a packet's JSON as JavaScript's `JSON.parse` does. JavaScript strings are UTF-16 and
/// accept a lone surrogate escape (`"ab\ud83d"`, a name cut in the middle of an emoji); Rust
/// strings cannot hold one, so serde_json refuses it. Such text is parsed again with each lone
/// surrogate replaced by U+FFFD, as a browser would show it. Only text that failed pays for this.
fn parse_json(text: &str) -> Result<Value, SocketIoDecodeError> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Ok(value),
        Err(_) => replace_lone_surrogates(text)
            .and_then(|fixed| serde_json::from_str::<Value>(&fixed).ok())
            .ok_or(SocketIoDecodeError::InvalidJson),
    }
}

/// `text` with every `\uXXXX` escape of a surrogate that is not part of a high-low pair
/// replaced by `\ufffd`; `None` when there is none (the text failed for another reason).
fn replace_lone_surrogates(text: &str) -> Option<String> {
    fn escape_at(bytes: &[u8], i: usize) -> Option<u16> {
        let hex = bytes.get(i..i + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    }
    let is_high = |u: u16| (0xD800..0xDC00).contains(&u);
    let is_low = |u: u16| (0xDC00..0xE000).contains(&u);
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied, mut replaced) = (0, 0, false);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match escape_at(bytes, i) {
            Some(high) if is_high(high) && escape_at(bytes, i + 6).is_some_and(is_low) => i += 12,
            Some(unit) if is_high(unit) || is_low(unit) => {
                out.push_str(&text[copied..i]);
                out.push_str("\\ufffd");
                i += 6;
                copied = i;
                replaced = true;
            }
            // any other escape, `\\` included: skip both characters so the second is not read
            // as the start of an escape
            _ => i += 2,
        }
    }
    out.push_str(&text[copied..]);
    replaced.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_is_read_as_javascript_reads_it() {
        let packet = decode(r#"2["join",{"name":"ab\ud83d"}]"#, 0).expect("accepted");
        assert_eq!(packet.data.expect("data")[1]["name"], "ab\u{fffd}");
        let low_first = decode(r#"2["x","\udc00\ud83d\ude00"]"#, 0).expect("accepted");
        assert_eq!(low_first.data.expect("data")[1], "\u{fffd}\u{1f600}");
        // an escaped backslash before `u` is no escape at all
        let literal = decode(r#"2["x","\\ud83d"]"#, 0).expect("accepted");
        assert_eq!(literal.data.expect("data")[1], "\\ud83d");
        assert!(
            decode(r#"2["x","\ud83d"#, 0).is_err(),
            "still refused when broken otherwise"
        );
    }
    use serde_json::json;

    const MAX: usize = 10;

    fn ok(s: &str) -> Packet {
        decode(s, MAX).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn connect_main_and_custom() {
        let p = ok("0");
        assert_eq!(
            (p.kind, p.nsp.as_str(), p.data),
            (PacketKind::Connect, "/", None)
        );
        let p = ok("0/custom,");
        assert_eq!((p.nsp.as_str(), p.data), ("/custom", None));
        let p = ok("0/custom");
        assert_eq!(p.nsp, "/custom");
        let p = ok(r#"0/admin,{"token":"123"}"#);
        assert_eq!(p.data, Some(json!({"token":"123"})));
        let p = ok(r#"0{"token":"123"}"#);
        assert_eq!(
            (p.nsp.as_str(), p.data),
            ("/", Some(json!({"token":"123"})))
        );
    }

    #[test]
    fn events_and_acks() {
        let p = ok(r#"2["hello",1]"#);
        assert_eq!((p.kind, p.id), (PacketKind::Event, None));
        assert_eq!(p.data, Some(json!(["hello", 1])));
        let p = ok(r#"2/admin,456["project:delete",123]"#);
        assert_eq!((p.nsp.as_str(), p.id), ("/admin", Some(456)));
        let p = ok(r#"3/admin,456[]"#);
        assert_eq!((p.kind, p.id), (PacketKind::Ack, Some(456)));
        let p = ok(r#"2456["message-with-ack",1,"2",{"3":[false]}]"#);
        assert_eq!(p.id, Some(456));
        let p = ok("0/é");
        assert_eq!(p.nsp, "/é");
    }

    #[test]
    fn binary_packets() {
        let p = ok(r#"51-["hello",{"_placeholder":true,"num":0}]"#);
        assert_eq!((p.kind, p.attachments), (PacketKind::BinaryEvent, 1));
        let p =
            ok(r#"52-/admin,789["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#);
        assert_eq!(
            (p.attachments, p.nsp.as_str(), p.id),
            (2, "/admin", Some(789))
        );
        let p = ok(r#"61-/admin,456[{"_placeholder":true,"num":0}]"#);
        assert_eq!((p.kind, p.id), (PacketKind::BinaryAck, Some(456)));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        use SocketIoDecodeError::*;
        let cases: &[(&str, SocketIoDecodeError)] = &[
            ("", Empty),
            ("abc", UnknownType),
            ("9", UnknownType),
            ("2{}", InvalidPayload),
            ("2", InvalidPayload),
            ("2[]", InvalidPayload),
            ("2[{}]", InvalidPayload),
            ("2abc[\"x\"]", InvalidJson),
            ("2[\"x\"", InvalidJson),
            ("2[\"x\"]]", InvalidJson),
            ("0[]", InvalidPayload),
            ("0\"x\"", InvalidPayload),
            ("1{}", InvalidPayload),
            ("3[", InvalidJson),
            ("3{}", InvalidPayload),
            ("3[]", InvalidId),
            ("31{}", InvalidPayload),
            ("4", InvalidPayload),
            ("5[\"x\"]", IllegalAttachments),
            ("5-[\"x\"]", IllegalAttachments),
            ("5a-[\"x\"]", IllegalAttachments),
            ("51[\"x\"]", IllegalAttachments),
            ("599999999999999999999-[\"x\"]", IllegalAttachments),
            ("511-[\"x\"]", TooManyAttachments(11)),
            (
                r#"51-["x",{"_placeholder":true,"num":1}]"#,
                InvalidPlaceholder,
            ),
            (
                r#"51-["x",{"_placeholder":true,"num":-1}]"#,
                InvalidPlaceholder,
            ),
            (r#"51-["x",{"_placeholder":true}]"#, InvalidPlaceholder),
            (
                r#"51-["x",{"a":[{"_placeholder":true,"num":"0"}]}]"#,
                InvalidPlaceholder,
            ),
            (r#"2["disconnect"]"#, ReservedEvent),
            (r#"299999999999999999999999["x"]"#, InvalidId),
            ("0123", InvalidId),
            (r#"2/a,["x"#, InvalidJson),
        ];
        for (input, err) in cases {
            assert_eq!(
                decode(input, MAX).as_ref().err(),
                Some(err),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn never_panics_on_prefixes_and_noise() {
        let samples = [
            r#"52-/admin,789["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            r#"0/é✓,{"token":"ü"}"#,
            "2/,1[\"x\"]",
        ];
        for s in samples {
            for (i, _) in s.char_indices() {
                let _ = decode(&s[..i], MAX);
                let _ = decode(&s[i..], MAX);
            }
        }
        // Non-ASCII right where digits or '/' are expected.
        for s in ["5é-[]", "2é", "2/x,é", "5١-[\"x\"]", "2١[\"x\"]"] {
            assert!(decode(s, MAX).is_err(), "{s}");
        }
    }

    #[test]
    fn encoders_match_reference_strings() {
        assert_eq!(encode_connect("/", "abc"), r#"0{"sid":"abc"}"#);
        assert_eq!(
            encode_connect("/custom", "abc"),
            r#"0/custom,{"sid":"abc"}"#
        );
        assert_eq!(
            encode_connect_error("/random", "Invalid namespace"),
            r#"4/random,{"message":"Invalid namespace"}"#
        );
        assert_eq!(encode_disconnect("/"), "1");
        assert_eq!(encode_disconnect("/a"), "1/a,");
        assert_eq!(
            encode_event(
                "/",
                "message-back",
                &[json!(1), json!("2"), json!({"3":[true]})],
                None,
                0
            ),
            r#"2["message-back",1,"2",{"3":[true]}]"#
        );
        assert_eq!(
            encode_event(
                "/",
                "message-back",
                &[placeholder(0), placeholder(1)],
                None,
                2
            ),
            r#"52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
        );
        assert_eq!(encode_event("/a", "e", &[], Some(12), 0), r#"2/a,12["e"]"#);
        assert_eq!(encode_ack("/", 456, &[json!(1)], 0), "3456[1]");
        assert_eq!(
            encode_ack("/", 789, &[placeholder(0), placeholder(1)], 2),
            r#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
        );
        assert_eq!(encode_ack("/x", 1, &[], 0), "3/x,1[]");
    }

    #[test]
    fn encode_decode_roundtrip() {
        for p in [
            Packet {
                kind: PacketKind::Event,
                nsp: "/".into(),
                id: Some(7),
                attachments: 0,
                data: Some(json!(["a", {"b": null}])),
            },
            Packet {
                kind: PacketKind::BinaryAck,
                nsp: "/n".into(),
                id: Some(0),
                attachments: 1,
                data: Some(json!([placeholder(0)])),
            },
            Packet {
                kind: PacketKind::Disconnect,
                nsp: "/n".into(),
                id: None,
                attachments: 0,
                data: None,
            },
            Packet {
                kind: PacketKind::ConnectError,
                nsp: "/".into(),
                id: None,
                attachments: 0,
                data: Some(json!({"message":"x"})),
            },
        ] {
            assert_eq!(decode(&encode(&p), MAX), Ok(p));
        }
    }

    #[test]
    fn pseudo_random_inputs_never_panic() {
        // xorshift64: deterministic noise biased toward the characters the grammar cares about.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = "0123456-/,[]{}\"_:placeholdernumtrue é✓";
        let chars: Vec<char> = alphabet.chars().collect();
        for _ in 0..20_000 {
            let mut s = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(chars[(x % chars.len() as u64) as usize]);
            }
            let _ = decode(&s, MAX);
        }
    }
}
