//! A poll answer made from what the outbox wrote: the packets carried by WebSocket frames, as
//! a long-polling payload ([`petri_shared::polling`] has the payload codec, POST bodies included).
//!
//! The frames are the ones the outbox makes for every receiver ([`super::super::wire`]):
//! unmasked, made by this server, so a malformed one is a bug, logged and skipped, never a panic.

use petri_shared::polling::{push_binary, push_text};

/// Most packets one GET answer carries; the rest waits for the next GET, which is answered at
/// once. python-engineio refuses a payload of more than 16 packets ("Unexpected packet from
/// server", its `max_decode_packets`), and the JS server does not limit it, so it loses that
/// client under load; 16 keeps every official client working and is more than a game client
/// gathers between polls.
pub const MAX_PACKETS_PER_POLL: usize = 16;

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
            OPCODE_TEXT => push_text(out, payload),
            OPCODE_BINARY => push_binary(out, payload),
            other => tracing::error!(opcode = other, "unexpected frame in a polling outbox"),
        }
        at += end;
    }
    at
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
