//! Writes a replay: the prefix and header at once, then records into one zlib stream.
//!
//! Records are gathered uncompressed and handed to the compressor in one piece at each `flush`
//! (or past `MAX_PENDING_BYTES`): one deflate call per checkpoint instead of one per tick, at
//! the fast level, which is what keeps recording a small share of a room's tick (BENCHMARKS.md).
//! `flush` also ends a zlib block (a sync flush), so everything written so far can be read back
//! even if the process dies before `finish`: a crashed room leaves a replay that verifies up to
//! its last flush and then reports itself truncated. The recorder flushes at every checkpoint.

use std::io::{self, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use petri_shared::codec;

use super::format::{FORMAT_VERSION, Header, MAGIC, MAX_RECORD_BYTES, Record};

/// Records waiting for the compressor; past this they go in before the next flush.
pub const MAX_PENDING_BYTES: usize = 256 * 1024;

pub struct ReplayWriter<W: Write> {
    body: ZlibEncoder<W>,
    /// Records (length and encoding) since the last flush, reused.
    pending: Vec<u8>,
}

impl<W: Write> ReplayWriter<W> {
    /// Writes the prefix and `header` to `out` and starts the body.
    pub fn new(mut out: W, header: &Header) -> io::Result<Self> {
        let json = serde_json::to_vec(header).map_err(io::Error::other)?;
        let len = u32::try_from(json.len()).map_err(io::Error::other)?;
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(&json)?;
        Ok(Self {
            body: ZlibEncoder::new(out, Compression::fast()),
            pending: Vec::new(),
        })
    }

    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        let start = self.pending.len();
        // the length goes first; it is filled in once the record is encoded
        self.pending.extend_from_slice(&[0; 4]);
        let encoded = codec::encode_serde_into(record, &mut self.pending);
        let len = encoded
            .ok()
            .and_then(|len| u32::try_from(len).ok())
            .filter(|&len| len <= MAX_RECORD_BYTES);
        let Some(len) = len else {
            self.pending.truncate(start);
            return Err(io::Error::other("a replay record that cannot be encoded"));
        };
        self.pending[start..start + 4].copy_from_slice(&len.to_le_bytes());
        if self.pending.len() > MAX_PENDING_BYTES {
            self.compress_pending()?;
        }
        Ok(())
    }

    fn compress_pending(&mut self) -> io::Result<()> {
        let written = self.body.write_all(&self.pending);
        self.pending.clear();
        written
    }

    /// Makes everything written so far readable from the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.compress_pending()?;
        self.body.flush()
    }

    /// Compressed body bytes handed to the output so far (what rotation by size counts).
    pub fn body_bytes(&self) -> u64 {
        self.body.total_out()
    }

    /// Ends the zlib stream and gives the output back.
    pub fn finish(mut self) -> io::Result<W> {
        self.compress_pending()?;
        self.body.finish()
    }
}
