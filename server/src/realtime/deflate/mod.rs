//! permessage-deflate (RFC 7692) on WebSocket connections: [`negotiate`] in the handshake,
//! [`Compressor`] on the way out, [`Inflater`] on the way in.
//!
//! Why compress at all: a game frame is a Socket.IO text header
//! (`451-/play,["frame",{"_placeholder":true,"num":0}]`, 47 bytes, the same every tick) plus a
//! ~29-byte binary delta, so Socket.IO's framing is most of Petri's bytes on the wire. With
//! context takeover that header becomes a back-reference of a few bytes (BENCHMARKS.md has the
//! per-client figures against MultiOgar's).
//!
//! Design decisions, with what they cost (measured: BENCHMARKS.md, "On the wire with
//! permessage-deflate"; a game frame goes from 82.2 to 25.1 bytes, 0.32x MultiOgar's, for about
//! 4 us of CPU per frame per client):
//! * **Per-receiver messages only, with context takeover.** A message one client alone receives
//!   (its game frame, an ack, an event emitted to that socket) is compressed with that
//!   connection's own stream. A packet shared by many receivers (a broadcast, a prepared
//!   leaderboard) goes uncompressed: compressing it per receiver would undo "encode once", and
//!   compressing it once would need `server_no_context_takeover` for everyone, which loses the
//!   header's back-reference on every game frame. An uncompressed message never enters the
//!   peer's window (§6), so mixing the two is valid.
//! * **Small windows, lazily allocated.** Our window is `window_bits` (default 10: 1 KiB, a dozen
//!   game frames back, all the header needs) and we limit the client's the same way when it lets
//!   us. zlib's state is allocated with the first message compressed (143.5 KB, most of it
//!   zlib-rs's fixed hash table) or inflated (48.6 KB), never at the handshake: an idle
//!   connection that negotiated compression holds a few bytes of parameters.
//! * **A threshold.** Messages under `threshold` bytes (pings, `3probe`, tiny acks) go as they
//!   are: below it deflate's block overhead outweighs what it saves.
//! * **The compressing happens under the outbox's lock**, after the frame is admitted
//!   ([`super::outbox`]): a frame dropped as volatile was never compressed, so the peer's stream
//!   and ours never disagree; connections that did not negotiate take no extra step.

mod compress;
mod inflate;
pub mod negotiate;

pub use compress::{CompressFailed, Compressor, CompressorSettings};
pub use inflate::{InflateError, Inflater, OUTPUT_CHUNK};
pub use negotiate::{Agreement, DeflateParams, negotiate};

/// The compression settings of the realtime server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressionConfig {
    /// Offer permessage-deflate to clients that ask for it. Off: the 101 answer carries no
    /// `Sec-WebSocket-Extensions`, and a compressed frame is a protocol error. Default on.
    pub enabled: bool,
    /// Messages (each frame's payload) shorter than this many bytes go uncompressed. Default 16.
    pub threshold: usize,
    /// log2 of the LZ77 window of both sides (9..=15). Default 10 (1 KiB).
    pub window_bits: u8,
    /// zlib memLevel of our compressor (1..=9). Default 1 (the smallest buffers).
    pub mem_level: u8,
    /// zlib level (1..=9). Default 1: on game frames it costs 6% more bytes than 6 and takes
    /// under half the time (BENCHMARKS.md).
    pub level: u8,
}

impl Default for CompressionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            threshold: 16,
            window_bits: 10,
            mem_level: 1,
            level: 1,
        }
    }
}

impl CompressionConfig {
    /// The agreement for a client's `Sec-WebSocket-Extensions` values, if compression is on and
    /// one of its offers is acceptable.
    pub fn agree<'a>(&self, offers: impl IntoIterator<Item = &'a str>) -> Option<Agreement> {
        if !self.enabled {
            return None;
        }
        negotiate(offers, self.window_bits)
    }

    /// A connection's compressor for `params`.
    pub fn compressor(&self, params: DeflateParams) -> Compressor {
        Compressor::new(
            params,
            CompressorSettings {
                threshold: self.threshold,
                level: self.level,
                mem_level: self.mem_level,
            },
        )
    }
}
