//! Writes a replay: the prefix and header at once, then records into one zlib stream.
//!
//! `flush` ends a zlib block (a sync flush), so everything written so far can be read back even
//! if the process dies before `finish`: a crashed room leaves a replay that verifies up to its
//! last flush and then reports itself truncated. The recorder flushes at every checkpoint.

use std::io::{self, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use petri_shared::codec;

use super::format::{FORMAT_VERSION, Header, MAGIC, MAX_RECORD_BYTES, Record};

pub struct ReplayWriter<W: Write> {
    body: ZlibEncoder<W>,
    /// One record's encoding, reused for every record.
    scratch: Vec<u8>,
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
            body: ZlibEncoder::new(out, Compression::default()),
            scratch: Vec::new(),
        })
    }

    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        self.scratch.clear();
        codec::encode_serde_into(record, &mut self.scratch).map_err(io::Error::other)?;
        let len = u32::try_from(self.scratch.len())
            .ok()
            .filter(|&len| len <= MAX_RECORD_BYTES)
            .ok_or_else(|| io::Error::other("a replay record over MAX_RECORD_BYTES"))?;
        self.body.write_all(&len.to_le_bytes())?;
        self.body.write_all(&self.scratch)
    }

    /// Makes everything written so far readable from the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.body.flush()
    }

    /// Compressed body bytes handed to the output so far (what rotation by size counts).
    pub fn body_bytes(&self) -> u64 {
        self.body.total_out()
    }

    /// Ends the zlib stream and gives the output back.
    pub fn finish(self) -> io::Result<W> {
        self.body.finish()
    }
}
