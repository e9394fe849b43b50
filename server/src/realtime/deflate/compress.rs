//! The sending half: one connection's compressor, applied to frames already made by
//! [`super::super::wire`].
//!
//! Frames reach a connection complete (a text frame and its binary attachments, each one whole
//! message). Each data frame whose payload is at least the threshold is deflated with this
//! connection's own stream (context takeover: the `451-/play,["frame",…]` header of a game frame
//! is then a back-reference of a few bytes), its trailing `00 00 ff ff` cut (RFC 7692 §7.2.1),
//! and re-framed with RSV1 set; smaller ones go as they are (an uncompressed message does not
//! enter the peer's window, §6, so skipping one never desynchronises the stream).
//!
//! The zlib state is allocated on the first message that is compressed, not at the handshake,
//! so a connection that only ever gets pings costs nothing here. It must see every compressed
//! message in the order the peer receives them, and never one the peer does not receive: the
//! outbox calls it under its lock, after it has admitted the frame ([`super::super::outbox`]).

use super::DeflateParams;
use bytes::Bytes;
use std::cell::RefCell;
use std::io::Cursor;
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Method, Strategy};

/// The empty stored block a sync flush ends with; the peer appends it back before inflating.
pub(crate) const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Room zlib may need beyond the input for a sync flush of a small message (block headers, the
/// stored-block fallback, the tail).
const SLACK: usize = 64;

/// The compressor failed (zlib reported an inconsistent state): the stream cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("permessage-deflate: the compressor failed")]
pub struct CompressFailed;

/// How a connection compresses (shared by every connection; copied into each compressor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressorSettings {
    /// Messages with fewer payload bytes are sent uncompressed.
    pub threshold: usize,
    /// zlib level (1 fastest .. 9 smallest).
    pub level: u8,
    /// zlib memLevel (1..=9): the size of the buffers deflate keeps besides its window.
    pub mem_level: u8,
}

/// One connection's compressor.
pub struct Compressor {
    params: DeflateParams,
    settings: CompressorSettings,
    /// Allocated on first use.
    deflate: Option<Box<Deflate>>,
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("params", &self.params)
            .field("allocated", &self.deflate.is_some())
            .finish()
    }
}

impl Compressor {
    /// A compressor for a connection that agreed on `params`; holds no zlib state yet.
    pub fn new(params: DeflateParams, settings: CompressorSettings) -> Self {
        Self {
            params,
            settings,
            deflate: None,
        }
    }

    /// Whether the zlib state has been allocated (a message was compressed).
    pub fn is_allocated(&self) -> bool {
        self.deflate.is_some()
    }

    /// `frames` with every data frame of at least `threshold` payload bytes compressed. When
    /// none qualifies, `frames` itself (no copy).
    pub fn compress(&mut self, frames: &Bytes) -> Result<Bytes, CompressFailed> {
        let mut out: Option<Vec<u8>> = None;
        let mut cursor = Cursor::new(&frames[..]);
        while (cursor.position() as usize) < frames.len() {
            let start = cursor.position() as usize;
            // Our own frames always parse; anything else goes out untouched.
            let Ok(Some((mut header, len))) = FrameHeader::parse(&mut cursor) else {
                break;
            };
            let body = cursor.position() as usize;
            let end = body.saturating_add(len as usize).min(frames.len());
            cursor.set_position(end as u64);
            let payload = &frames[body..end];
            let data = matches!(header.opcode, OpCode::Data(Data::Text | Data::Binary));
            if !(data && header.is_final && payload.len() >= self.settings.threshold) {
                if let Some(out) = out.as_mut() {
                    out.extend_from_slice(&frames[start..end]);
                }
                continue;
            }
            let out = out.get_or_insert_with(|| {
                let mut v = Vec::with_capacity(frames.len() + SLACK);
                v.extend_from_slice(&frames[..start]);
                v
            });
            SCRATCH.with(|scratch| -> Result<(), CompressFailed> {
                let mut scratch = scratch.borrow_mut();
                self.deflate_message(payload, &mut scratch)?;
                header.rsv1 = true;
                // Writing into a Vec cannot fail.
                let _ = header.format(scratch.len() as u64, out);
                out.extend_from_slice(&scratch);
                Ok(())
            })?;
        }
        Ok(out.map_or_else(|| frames.clone(), Bytes::from))
    }

    /// Deflates one message into `out` (cleared first), sync-flushed, its tail cut.
    fn deflate_message(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), CompressFailed> {
        let (params, settings) = (self.params, self.settings);
        let deflate = self
            .deflate
            .get_or_insert_with(|| Box::new(new_deflate(params, settings)));
        out.clear();
        let mut input = payload;
        loop {
            let filled = out.len();
            out.resize(filled + input.len() + SLACK, 0);
            let (read, written) = (deflate.total_in(), deflate.total_out());
            deflate
                .compress(input, &mut out[filled..], DeflateFlush::SyncFlush)
                .map_err(|_| CompressFailed)?;
            let consumed = (deflate.total_in() - read) as usize;
            let produced = (deflate.total_out() - written) as usize;
            let room = out.len() - filled;
            out.truncate(filled + produced);
            input = &input[consumed..];
            // done when zlib took everything and did not fill the room it was given
            if input.is_empty() && produced < room {
                break;
            }
        }
        if out.ends_with(&SYNC_TAIL) {
            out.truncate(out.len() - SYNC_TAIL.len());
        }
        if self.params.server_no_context_takeover {
            deflate.reset();
        }
        Ok(())
    }
}

thread_local! {
    /// One message's compressed bytes before they are framed, kept per emitting thread.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A raw-deflate zlib stream with our window and memory settings.
fn new_deflate(params: DeflateParams, settings: CompressorSettings) -> Deflate {
    Deflate::new_with_config(DeflateConfig {
        level: i32::from(settings.level.clamp(1, 9)),
        method: Method::Deflated,
        window_bits: -i32::from(params.server_window_bits),
        mem_level: i32::from(settings.mem_level.clamp(1, 9)),
        strategy: Strategy::Default,
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::wire::{FrameWriter, text_frame};
    use super::*;
    use zlib_rs::{Inflate, InflateFlush};

    pub(crate) fn settings(threshold: usize) -> CompressorSettings {
        CompressorSettings {
            threshold,
            level: 6,
            mem_level: 1,
        }
    }

    fn params() -> DeflateParams {
        DeflateParams {
            server_window_bits: 10,
            client_window_bits: 10,
            server_no_context_takeover: false,
        }
    }

    /// What a client does: split the frames, inflate the RSV1 ones with one stream.
    fn receive(inflate: &mut Inflate, wire: &[u8]) -> Vec<(bool, Vec<u8>)> {
        let mut cursor = Cursor::new(wire);
        let mut messages = Vec::new();
        while (cursor.position() as usize) < wire.len() {
            let (header, len) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
            let start = cursor.position() as usize;
            let payload = &wire[start..start + len as usize];
            cursor.set_position((start + len as usize) as u64);
            if !header.rsv1 {
                messages.push((false, payload.to_vec()));
                continue;
            }
            let mut input = payload.to_vec();
            input.extend_from_slice(&SYNC_TAIL);
            let mut out = vec![0; 1 << 16];
            let before = inflate.total_out();
            inflate
                .decompress(&input, &mut out, InflateFlush::SyncFlush)
                .unwrap();
            out.truncate((inflate.total_out() - before) as usize);
            messages.push((true, out));
        }
        messages
    }

    #[test]
    fn frames_over_the_threshold_are_deflated_with_context_takeover() {
        let mut c = Compressor::new(params(), settings(16));
        assert!(!c.is_allocated());
        let mut inflate = Inflate::new(false, 10);
        let header = r#"451-/play,["frame",{"_placeholder":true,"num":0}]"#;
        let mut sizes = Vec::new();
        for i in 0..5u8 {
            let frames = FrameWriter::default()
                .text(&[header])
                .binary(&[i; 29])
                .finish();
            let wire = c.compress(&frames).unwrap();
            sizes.push(wire.len());
            let got = receive(&mut inflate, &wire);
            assert_eq!(got[0], (true, header.as_bytes().to_vec()));
            assert_eq!(got[1], (true, vec![i; 29]));
        }
        assert!(c.is_allocated());
        assert!(sizes[4] < sizes[0] / 2, "context takeover pays: {sizes:?}");
    }

    #[test]
    fn small_frames_go_unchanged_and_without_a_copy() {
        let mut c = Compressor::new(params(), settings(16));
        let ping = text_frame("2");
        let wire = c.compress(&ping).unwrap();
        assert_eq!(wire.as_ptr(), ping.as_ptr());
        assert!(!c.is_allocated(), "nothing compressed, nothing allocated");
    }

    #[test]
    fn without_context_takeover_each_message_stands_alone() {
        let p = DeflateParams {
            server_no_context_takeover: true,
            ..params()
        };
        let mut c = Compressor::new(p, settings(0));
        let text = "4".repeat(3000);
        let first = c.compress(&text_frame(&text)).unwrap();
        let second = c.compress(&text_frame(&text)).unwrap();
        assert_eq!(
            first, second,
            "the same message compresses the same way every time"
        );
        let got = receive(&mut Inflate::new(false, 10), &second);
        assert_eq!(got[0].1, text.as_bytes());
    }
}
