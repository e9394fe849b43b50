//! The HTTP long-polling payload (Engine.IO v4): packets separated by the record separator
//! `\x1e`, a text packet as its type digit and data, a binary message as `b` + base64.
//!
//! Outgoing, the packets come from the connection's outbox as the WebSocket frames it makes for
//! every receiver ([`super::super::wire`]): [`frames_to_payload`] reads those frames (unmasked,
//! made by this server, so a malformed one is a bug, logged and skipped, never a panic) and lays
//! their payloads out as one polling body. Incoming, [`decode`] splits a POST body, which the peer
//! controls, into packets; anything malformed is a typed [`PayloadError`].
//!
//! Base64 is `data-encoding`'s, a crate tungstenite already compiles into the tree: no new
//! dependency, and strict decoding (bad padding or characters are refused, as the JS server does).

use data_encoding::BASE64;

/// The separator between packets of one payload.
pub const SEPARATOR: u8 = 0x1e;

/// Most packets one GET answer carries; the rest waits for the next GET, which is answered at
/// once. python-engineio refuses a payload of more than 16 packets ("Unexpected packet from
/// server", its `max_decode_packets`), and the JS server does not limit it, so it loses that
/// client under load; 16 keeps every official client working and is more than a game client
/// gathers between polls.
pub const MAX_PACKETS_PER_POLL: usize = 16;

/// One packet of a POST body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    /// A text packet, type digit included.
    Text(&'a str),
    /// A binary message, decoded from base64.
    Binary(Vec<u8>),
}

/// Why a POST body is not an Engine.IO payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// An empty packet (an empty body, or two separators in a row).
    #[error("empty packet in a polling payload")]
    Empty,
    /// The body is not UTF-8.
    #[error("polling payload is not UTF-8")]
    NotUtf8,
    /// A `b` packet whose rest is not base64.
    #[error("invalid base64 in a binary packet")]
    BadBase64,
}

/// Splits a POST body into its packets, in order. The first error ends the payload (the
/// session is closed for it).
pub fn decode(body: &[u8]) -> impl Iterator<Item = Result<Packet<'_>, PayloadError>> {
    body.split(|b| *b == SEPARATOR).map(|part| {
        let text = std::str::from_utf8(part).map_err(|_| PayloadError::NotUtf8)?;
        match text.as_bytes().first() {
            None => Err(PayloadError::Empty),
            Some(b'b') => BASE64
                .decode(&part[1..])
                .map(Packet::Binary)
                .map_err(|_| PayloadError::BadBase64),
            Some(_) => Ok(Packet::Text(text)),
        }
    })
}

/// WebSocket opcodes of the frames the outbox carries.
const OPCODE_TEXT: u8 = 0x1;
const OPCODE_BINARY: u8 = 0x2;

/// Appends the packets carried by `frames` (complete server WebSocket frames, back to back) to
/// `out` as a polling payload, separated from what `out` already holds, at most `max_packets`
/// of them. Returns the number of bytes of `frames` consumed: the frames past the limit, and a
/// frame cut short at the end, are left for later.
pub fn frames_to_payload(frames: &[u8], out: &mut Vec<u8>, max_packets: usize) -> usize {
    let mut at = 0;
    let mut packets = 0;
    while packets < max_packets
        && let Some((opcode, start, end)) = next_frame(&frames[at..])
    {
        packets += 1;
        let payload = &frames[at + start..at + end];
        match opcode {
            OPCODE_TEXT => push_packet(out, payload),
            OPCODE_BINARY => {
                if !out.is_empty() {
                    out.push(SEPARATOR);
                }
                out.push(b'b');
                let from = out.len();
                out.resize(from + BASE64.encode_len(payload.len()), 0);
                BASE64.encode_mut(payload, &mut out[from..]);
            }
            other => tracing::error!(opcode = other, "unexpected frame in a polling outbox"),
        }
        at += end;
    }
    at
}

/// Appends one text packet.
pub fn push_packet(out: &mut Vec<u8>, packet: &[u8]) {
    if !out.is_empty() {
        out.push(SEPARATOR);
    }
    out.extend_from_slice(packet);
}

/// The opcode and payload range of the first complete unmasked frame in `buf`.
fn next_frame(buf: &[u8]) -> Option<(u8, usize, usize)> {
    let (&b0, rest) = buf.split_first()?;
    let (&b1, _) = rest.split_first()?;
    let (len, header) = match b1 & 0x7f {
        126 => (
            u64::from(u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?])),
            4,
        ),
        127 => {
            let bytes: [u8; 8] = buf.get(2..10)?.try_into().ok()?;
            (u64::from_be_bytes(bytes), 10)
        }
        n => (u64::from(n), 2),
    };
    let end = header + usize::try_from(len).ok()?;
    (end <= buf.len()).then_some((b0 & 0x0f, header, end))
}

#[cfg(test)]
mod tests {
    use super::super::super::wire::{FrameWriter, binary_frame, text_frame};
    use super::*;

    #[test]
    fn a_body_splits_into_text_and_binary_packets() {
        let packets: Vec<_> = decode(b"4hello\x1ebAQIDBA==\x1e3").collect();
        assert_eq!(
            packets,
            [
                Ok(Packet::Text("4hello")),
                Ok(Packet::Binary(vec![1, 2, 3, 4])),
                Ok(Packet::Text("3"))
            ]
        );
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        assert_eq!(decode(b"").next(), Some(Err(PayloadError::Empty)));
        assert_eq!(
            decode(b"4a\x1e\x1e4b").nth(1),
            Some(Err(PayloadError::Empty))
        );
        assert_eq!(decode(b"b!!!").next(), Some(Err(PayloadError::BadBase64)));
        assert_eq!(decode(b"bAQI").next(), Some(Err(PayloadError::BadBase64)));
        assert_eq!(decode(b"4\xff").next(), Some(Err(PayloadError::NotUtf8)));
    }

    #[test]
    fn outbox_frames_become_one_payload() {
        let mut frames = Vec::new();
        frames.extend_from_slice(&text_frame("4a"));
        frames.extend_from_slice(
            &FrameWriter::default()
                .text(&["4", "51-"])
                .binary(&[1, 2, 3, 4])
                .finish(),
        );
        let big = "x".repeat(300);
        frames.extend_from_slice(&text_frame(&big));
        let whole = frames.len();
        frames.extend_from_slice(&binary_frame(&[9; 10])[..5]);
        let mut out = Vec::new();
        assert_eq!(
            frames_to_payload(&frames, &mut out, 16),
            whole,
            "the cut frame waits"
        );
        let expected = format!("4a\x1e451-\x1ebAQIDBA==\x1e{big}");
        assert_eq!(out, expected.as_bytes());
        let mut first_two = Vec::new();
        let two = frames_to_payload(&frames, &mut first_two, 2);
        assert_eq!(first_two, b"4a\x1e451-");
        let mut rest = Vec::new();
        frames_to_payload(&frames[two..], &mut rest, 16);
        assert!(
            rest.starts_with(b"bAQIDBA==\x1e"),
            "the next poll goes on where it stopped"
        );
    }
}
