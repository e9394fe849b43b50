//! Server-to-client WebSocket frames, made once per packet.
//!
//! A server never masks its frames (RFC 6455 §5.1), so a frame is the same bytes for every
//! receiver: a broadcast frames its packet once and hands every receiver's socket the same
//! buffer. tungstenite's own `FrameHeader` writes the header, so the framing rules stay the
//! library's; this module only lays frames end to end.

use bytes::Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// Longest header of an unmasked frame (2 bytes, then a 64-bit length).
const MAX_HEADER: usize = 10;

/// Builds a run of frames that go out back to back (a text frame and its binary attachments).
#[derive(Debug, Default)]
pub struct FrameWriter {
    buf: Vec<u8>,
}

impl FrameWriter {
    /// A writer sized for `payload_bytes` of payload in `frames` frames.
    pub fn with_capacity(frames: usize, payload_bytes: usize) -> Self {
        Self {
            buf: Vec::with_capacity(frames * MAX_HEADER + payload_bytes),
        }
    }

    /// Appends a text frame of `parts` concatenated (UTF-8 by construction).
    pub fn text(mut self, parts: &[&str]) -> Self {
        let len = parts.iter().map(|p| p.len()).sum();
        self.header(OpCode::Data(Data::Text), len);
        for p in parts {
            self.buf.extend_from_slice(p.as_bytes());
        }
        self
    }

    /// Appends a binary frame.
    pub fn binary(mut self, payload: &[u8]) -> Self {
        self.header(OpCode::Data(Data::Binary), payload.len());
        self.buf.extend_from_slice(payload);
        self
    }

    /// The frames, ready for the socket.
    pub fn finish(self) -> Bytes {
        Bytes::from(self.buf)
    }

    fn header(&mut self, opcode: OpCode, len: usize) {
        let header = FrameHeader {
            is_final: true,
            opcode,
            ..FrameHeader::default()
        };
        // Writing into a Vec cannot fail.
        let _ = header.format(len as u64, &mut self.buf);
    }
}

/// One text frame.
pub fn text_frame(text: &str) -> Bytes {
    FrameWriter::with_capacity(1, text.len())
        .text(&[text])
        .finish()
}

/// One binary frame.
pub fn binary_frame(payload: &[u8]) -> Bytes {
    FrameWriter::with_capacity(1, payload.len())
        .binary(payload)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_rfc_6455_headers() {
        assert_eq!(&text_frame("4hi")[..], b"\x81\x034hi");
        let big = vec![7u8; 300];
        let bin = binary_frame(&big);
        assert_eq!(&bin[..4], &[0x82, 126, 0x01, 0x2c]);
        assert_eq!(bin.len(), 4 + 300);
        let pair = FrameWriter::default()
            .text(&["4", "5"])
            .binary(&[1, 2])
            .finish();
        assert_eq!(&pair[..], b"\x81\x0245\x82\x02\x01\x02");
    }
}
