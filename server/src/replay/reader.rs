//! Reads a replay back, refusing anything it did not write with a clear error, never a panic.
//!
//! Every length is checked before anything is allocated for it (`MAX_HEADER_BYTES`,
//! `MAX_RECORD_BYTES`, and the codec's own decode limit), ticks must not go backwards, and a file
//! that stops before its end record says where it stopped.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::ZlibDecoder;
use petri_shared::codec;

use super::format::{
    FORMAT_VERSION, Header, MAGIC, MAX_CHECKPOINT_EVERY, MAX_HEADER_BYTES, MAX_RECORD_BYTES,
    Record, ReplayError,
};

pub struct ReplayReader<R: Read> {
    header: Header,
    body: ZlibDecoder<R>,
    scratch: Vec<u8>,
    /// The tick of the last record read (the header's first tick before any).
    last_tick: u64,
    ended: bool,
}

impl ReplayReader<BufReader<File>> {
    pub fn open(path: &Path) -> Result<Self, ReplayError> {
        Self::new(BufReader::new(File::open(path)?))
    }
}

impl<R: Read> ReplayReader<R> {
    /// Reads and checks the prefix and the header.
    pub fn new(mut input: R) -> Result<Self, ReplayError> {
        let mut prefix = [0u8; 14];
        input.read_exact(&mut prefix).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => ReplayError::NotAReplay,
            _ => ReplayError::Io(e),
        })?;
        if &prefix[..8] != MAGIC {
            return Err(ReplayError::NotAReplay);
        }
        let format = u16::from_le_bytes([prefix[8], prefix[9]]);
        if format != FORMAT_VERSION {
            return Err(ReplayError::UnsupportedFormat { found: format });
        }
        let len = u32::from_le_bytes([prefix[10], prefix[11], prefix[12], prefix[13]]);
        if len > MAX_HEADER_BYTES {
            return Err(ReplayError::HeaderTooLarge(len));
        }
        let mut json = vec![0u8; len as usize];
        input.read_exact(&mut json).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => ReplayError::BadHeader("cut short".into()),
            _ => ReplayError::Io(e),
        })?;
        let header: Header =
            serde_json::from_slice(&json).map_err(|e| ReplayError::BadHeader(e.to_string()))?;
        if header.format != FORMAT_VERSION {
            return Err(ReplayError::UnsupportedFormat {
                found: header.format,
            });
        }
        if !(1..=MAX_CHECKPOINT_EVERY).contains(&header.checkpoint_every) {
            return Err(ReplayError::BadHeader(format!(
                "checkpoint_every is {} (1 to {MAX_CHECKPOINT_EVERY})",
                header.checkpoint_every
            )));
        }
        Ok(Self {
            last_tick: header.first_tick,
            header,
            body: ZlibDecoder::new(input),
            scratch: Vec::new(),
            ended: false,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The next record, or `None` once the end record has been read.
    pub fn next_record(&mut self) -> Result<Option<Record>, ReplayError> {
        if self.ended {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        self.body.read_exact(&mut len).map_err(|e| self.failed(e))?;
        let len = u32::from_le_bytes(len);
        if len > MAX_RECORD_BYTES {
            return Err(self.corrupt(format!("a record claims {len} bytes")));
        }
        self.scratch.resize(len as usize, 0);
        let mut scratch = std::mem::take(&mut self.scratch);
        let read = self.body.read_exact(&mut scratch);
        self.scratch = scratch;
        read.map_err(|e| self.failed(e))?;
        let record: Record =
            codec::decode_serde(&self.scratch).map_err(|e| self.corrupt(e.to_string()))?;
        if record.tick() < self.last_tick {
            return Err(self.corrupt(format!(
                "a record of tick {} after tick {}",
                record.tick(),
                self.last_tick
            )));
        }
        // checkpoints come every `checkpoint_every` ticks, so no record is further than that
        // from the one before: a reader never simulates a hostile file's billion empty ticks
        if record.tick() - self.last_tick > self.header.checkpoint_every {
            return Err(self.corrupt(format!(
                "a record of tick {} skips more than {} ticks",
                record.tick(),
                self.header.checkpoint_every
            )));
        }
        self.last_tick = record.tick();
        self.ended = matches!(record, Record::End { .. });
        Ok(Some(record))
    }

    fn corrupt(&self, reason: String) -> ReplayError {
        ReplayError::Corrupt {
            after_tick: self.last_tick,
            reason,
        }
    }

    /// A read error: the file ended early, the zlib stream is damaged, or the disk failed.
    fn failed(&self, error: io::Error) -> ReplayError {
        match error.kind() {
            io::ErrorKind::UnexpectedEof => ReplayError::Truncated {
                after_tick: self.last_tick,
            },
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
                self.corrupt(error.to_string())
            }
            _ => ReplayError::Io(error),
        }
    }
}
