//! The reading half: compressed client frames turned back into plain ones before tungstenite
//! sees them.
//!
//! tungstenite 0.30 has no permessage-deflate and refuses a frame with RSV1 set ("Reserved bits
//! are non-zero"); the newest release on crates.io is the same. Rather than read frames
//! ourselves, and so re-implement what tungstenite does well and the hostile-input suites pin
//! down (message assembly, control frames interleaved with fragments, the close handshake and its
//! codes, UTF-8 checks, `max_message_size`), this filter sits in the byte stream tungstenite reads
//! ([`super::super::transport`]). It parses only frame headers: a frame without RSV1 passes
//! through byte for byte; a compressed message's payload is unmasked, inflated with this
//! connection's stream and handed on as ordinary frames (masked with a zero key, as tungstenite
//! requires of a client) with RSV1 clear, as fragments of at most [`OUTPUT_CHUNK`] bytes. So
//! every existing limit and check still applies to what the client really sent, inflated.
//!
//! What only a compressing peer can do wrong is refused here: RSV1 on a control or continuation
//! frame (§6.1), a new message inside a compressed one, bad deflate data, and a message that
//! inflates past `max_message` (a "bomb": inflating stops at the limit, so at most one message's
//! worth is ever held, and the connection closes with 1009). The zlib state and the buffers are
//! allocated with the first compressed frame and the buffers given back when drained, so an idle
//! connection holds none of them.

use super::super::DisconnectReason;
use super::compress::SYNC_TAIL;
use std::io::Cursor;
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use zlib_rs::{Inflate, InflateFlush, Status};

/// Most inflated bytes handed on per fragment, and the output the filter holds before tungstenite
/// has read it: what bounds this filter's memory.
pub const OUTPUT_CHUNK: usize = 16 * 1024;

/// Longest client frame header (2 bytes, a 64-bit length, the mask).
const MAX_HEADER: usize = 14;

/// Buffers whose capacity exceeds this are given back once drained.
const KEEP_CAPACITY: usize = 1024;

/// Why the filter refused the stream; the connection closes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    /// A compressed message inflates past `max_message` (close code 1009).
    #[error("a compressed message inflates past {0} bytes")]
    TooBig(usize),
    /// The peer broke RFC 7692 (close code 1002).
    #[error("permessage-deflate: {0}")]
    Protocol(&'static str),
}

impl From<&InflateError> for DisconnectReason {
    fn from(e: &InflateError) -> Self {
        match e {
            InflateError::TooBig(_) => Self::Oversized(e.to_string()),
            InflateError::Protocol(_) => Self::ParseError(e.to_string()),
        }
    }
}

/// Where in a frame the filter is.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Reading a frame header.
    Header,
    /// Passing `n` more payload bytes through unchanged.
    Copy(u64),
    /// Reading `remaining` compressed payload bytes, unmasked with `mask` from `offset`.
    Compressed {
        remaining: u64,
        mask: [u8; 4],
        offset: usize,
        fin: bool,
    },
}

/// The message the frames belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InMessage {
    None,
    /// A fragmented uncompressed message (tungstenite checks it).
    Plain,
    /// A compressed one: its opcode, whether its first fragment has been handed on, and how many
    /// bytes it has read (compressed) and inflated to so far.
    Compressed {
        opcode: Data,
        framed: bool,
        read: u64,
        inflated: usize,
    },
}

/// One connection's read filter.
pub struct Inflater {
    window_bits: u8,
    max_message: usize,
    zlib: Option<Box<Inflate>>,
    head: [u8; MAX_HEADER],
    head_len: usize,
    step: Step,
    message: InMessage,
    /// Bytes read from the socket, from `input_pos` on not yet looked at.
    input: Vec<u8>,
    input_pos: usize,
    /// Unmasked compressed bytes, from `zin_pos` on not yet inflated.
    zin: Vec<u8>,
    zin_pos: usize,
    /// The message's last frame is in `zin`, its tail too: once inflated, the message ends.
    ending: bool,
    /// Inflated bytes not yet framed.
    fragment: Vec<u8>,
    /// Frames for tungstenite, from `output_pos` on.
    output: Vec<u8>,
    output_pos: usize,
}

impl Inflater {
    /// A filter for a client compressing with a window of `window_bits`, whose messages may
    /// inflate to `max_message` bytes.
    pub fn new(window_bits: u8, max_message: usize) -> Self {
        Self {
            window_bits,
            max_message,
            zlib: None,
            head: [0; MAX_HEADER],
            head_len: 0,
            step: Step::Header,
            message: InMessage::None,
            input: Vec::new(),
            input_pos: 0,
            zin: Vec::new(),
            zin_pos: 0,
            ending: false,
            fragment: Vec::new(),
            output: Vec::new(),
            output_pos: 0,
        }
    }

    /// Whether the zlib state has been allocated (a compressed frame arrived).
    pub fn is_allocated(&self) -> bool {
        self.zlib.is_some()
    }

    /// Bytes read from the socket.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), InflateError> {
        self.input.extend_from_slice(data);
        self.process()
    }

    /// Whether there are bytes for tungstenite.
    pub fn has_output(&self) -> bool {
        self.output_pos < self.output.len()
    }

    /// Moves bytes for tungstenite into `buf`, then works through what is left of the input.
    pub fn read_into(&mut self, buf: &mut [u8]) -> Result<usize, InflateError> {
        let n = buf.len().min(self.output.len() - self.output_pos);
        buf[..n].copy_from_slice(&self.output[self.output_pos..self.output_pos + n]);
        self.output_pos += n;
        if self.output_pos == self.output.len() {
            self.output_pos = 0;
            drain(&mut self.output);
            self.process()?;
        }
        Ok(n)
    }

    /// Works through the input until it is used up or enough output waits.
    fn process(&mut self) -> Result<(), InflateError> {
        while self.output.len() - self.output_pos < OUTPUT_CHUNK {
            if self.zin_pos < self.zin.len() || self.ending {
                self.inflate_some()?;
                continue;
            }
            if self.input_pos == self.input.len() {
                break;
            }
            match self.step {
                Step::Header => self.read_header()?,
                Step::Copy(n) => {
                    let take = self.available().min(n);
                    let end = self.input_pos + take as usize;
                    self.output
                        .extend_from_slice(&self.input[self.input_pos..end]);
                    self.input_pos = end;
                    self.step = if take == n {
                        Step::Header
                    } else {
                        Step::Copy(n - take)
                    };
                }
                Step::Compressed { .. } => self.take_compressed(),
            }
        }
        if self.input_pos == self.input.len() {
            self.input_pos = 0;
            drain(&mut self.input);
        }
        Ok(())
    }

    fn available(&self) -> u64 {
        (self.input.len() - self.input_pos) as u64
    }

    /// Collects header bytes; a complete header decides what its frame is.
    fn read_header(&mut self) -> Result<(), InflateError> {
        let take = (MAX_HEADER - self.head_len).min(self.input.len() - self.input_pos);
        self.head[self.head_len..self.head_len + take]
            .copy_from_slice(&self.input[self.input_pos..self.input_pos + take]);
        let mut cursor = Cursor::new(&self.head[..self.head_len + take]);
        match FrameHeader::parse(&mut cursor) {
            Ok(None) => {
                self.head_len += take;
                self.input_pos += take;
                Ok(())
            }
            Ok(Some((header, len))) => {
                let size = cursor.position() as usize;
                self.input_pos += size - self.head_len;
                self.head_len = 0;
                self.on_header(header, len, size)
            }
            Err(_) => Err(InflateError::Protocol("malformed frame header")),
        }
    }

    /// A frame header (`size` bytes, in `head`) with a payload of `len` bytes.
    fn on_header(
        &mut self,
        header: FrameHeader,
        len: u64,
        size: usize,
    ) -> Result<(), InflateError> {
        match (header.opcode, self.message) {
            (OpCode::Control(_), _) if header.rsv1 => {
                Err(InflateError::Protocol("RSV1 set on a control frame"))
            }
            (OpCode::Data(Data::Continue), _) if header.rsv1 => {
                Err(InflateError::Protocol("RSV1 set on a continuation frame"))
            }
            (OpCode::Data(Data::Continue), InMessage::Compressed { .. }) => {
                self.start_compressed(&header, len)
            }
            (OpCode::Data(Data::Text | Data::Binary), InMessage::Compressed { .. }) => Err(
                InflateError::Protocol("a new message inside a compressed one"),
            ),
            (OpCode::Data(opcode @ (Data::Text | Data::Binary)), _) if header.rsv1 => {
                self.message = InMessage::Compressed {
                    opcode,
                    framed: false,
                    read: 0,
                    inflated: 0,
                };
                self.start_compressed(&header, len)
            }
            (OpCode::Data(data), _) => {
                if matches!(data, Data::Text | Data::Binary | Data::Continue) {
                    self.message = if header.is_final {
                        InMessage::None
                    } else {
                        InMessage::Plain
                    };
                }
                self.pass(size, len);
                Ok(())
            }
            (OpCode::Control(_), _) => {
                self.pass(size, len);
                Ok(())
            }
        }
    }

    /// Hands the frame on unchanged (tungstenite judges it).
    fn pass(&mut self, size: usize, len: u64) {
        self.output.extend_from_slice(&self.head[..size]);
        self.step = if len == 0 {
            Step::Header
        } else {
            Step::Copy(len)
        };
    }

    /// A frame of a compressed message begins.
    fn start_compressed(&mut self, header: &FrameHeader, len: u64) -> Result<(), InflateError> {
        let Some(mask) = header.mask else {
            return Err(InflateError::Protocol("unmasked frame from the client"));
        };
        // Compressed bytes are bounded too, or fragments that inflate to nothing could go on
        // forever: by what the inflated message may be, plus deflate's worst-case expansion
        // (fixed-Huffman literals take up to 9 bits).
        let most = self.max_message as u64 + self.max_message as u64 / 8 + 1024;
        if let InMessage::Compressed { read, .. } = &mut self.message {
            *read = read.saturating_add(len);
            if *read > most {
                return Err(InflateError::TooBig(self.max_message));
            }
        }
        self.step = Step::Compressed {
            remaining: len,
            mask,
            offset: 0,
            fin: header.is_final,
        };
        if len == 0 {
            self.frame_read();
        }
        Ok(())
    }

    /// Moves available compressed payload, unmasked, to `zin`.
    fn take_compressed(&mut self) {
        let Step::Compressed {
            remaining,
            mask,
            offset,
            fin,
        } = self.step
        else {
            return;
        };
        let take = self.available().min(remaining) as usize;
        let bytes = &self.input[self.input_pos..self.input_pos + take];
        self.zin.extend(
            bytes
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[(offset + i) % 4]),
        );
        self.input_pos += take;
        self.step = Step::Compressed {
            remaining: remaining - take as u64,
            mask,
            offset: offset + take,
            fin,
        };
        if take as u64 == remaining {
            self.frame_read();
        }
    }

    /// A compressed frame's payload is all in `zin`; after the message's last, its tail.
    fn frame_read(&mut self) {
        if let Step::Compressed { fin: true, .. } = self.step {
            self.zin.extend_from_slice(&SYNC_TAIL);
            self.ending = true;
        }
        self.step = Step::Header;
    }

    /// Inflates some of `zin` into the fragment; frames the fragment when full or at the end.
    fn inflate_some(&mut self) -> Result<(), InflateError> {
        if self.fragment.len() >= OUTPUT_CHUNK {
            self.emit_fragment(false);
        }
        if self.zin_pos < self.zin.len() {
            self.inflate_zin()?;
        }
        if self.zin_pos == self.zin.len() {
            self.zin_pos = 0;
            drain(&mut self.zin);
            if self.ending {
                self.ending = false;
                self.emit_fragment(true);
                self.message = InMessage::None;
            }
        }
        Ok(())
    }

    fn inflate_zin(&mut self) -> Result<(), InflateError> {
        let window_bits = self.window_bits;
        let zlib = self
            .zlib
            .get_or_insert_with(|| Box::new(Inflate::new(false, window_bits)));
        let pending = self.zin.len() - self.zin_pos;
        let room = (pending * 4 + 256).min(OUTPUT_CHUNK - self.fragment.len());
        let filled = self.fragment.len();
        self.fragment.resize(filled + room, 0);
        let (read, written) = (zlib.total_in(), zlib.total_out());
        let status = zlib.decompress(
            &self.zin[self.zin_pos..],
            &mut self.fragment[filled..],
            InflateFlush::SyncFlush,
        );
        let consumed = (zlib.total_in() - read) as usize;
        let produced = (zlib.total_out() - written) as usize;
        self.fragment.truncate(filled + produced);
        self.zin_pos += consumed;
        match status {
            Err(_) => return Err(InflateError::Protocol("invalid deflate data")),
            // a final block (BFINAL): the client starts a new stream with its next message
            Ok(Status::StreamEnd) => {
                **zlib = Inflate::new(false, window_bits);
                self.zin_pos = self.zin.len();
            }
            Ok(_) if consumed == 0 && produced == 0 => {
                return Err(InflateError::Protocol("invalid deflate data"));
            }
            Ok(_) => {}
        }
        if let InMessage::Compressed { inflated, .. } = &mut self.message {
            *inflated += produced;
            if *inflated > self.max_message {
                return Err(InflateError::TooBig(self.max_message));
            }
        }
        Ok(())
    }

    /// Frames the inflated bytes so far as a fragment of the message (`fin`: its last).
    fn emit_fragment(&mut self, fin: bool) {
        let InMessage::Compressed { opcode, framed, .. } = &mut self.message else {
            return;
        };
        let opcode = if *framed { Data::Continue } else { *opcode };
        *framed = true;
        let header = FrameHeader {
            is_final: fin,
            opcode: OpCode::Data(opcode),
            mask: Some([0; 4]),
            ..FrameHeader::default()
        };
        // Writing into a Vec cannot fail.
        let _ = header.format(self.fragment.len() as u64, &mut self.output);
        self.output.extend_from_slice(&self.fragment);
        drain(&mut self.fragment);
    }
}

/// Empties a buffer, giving its memory back if it grew past [`KEEP_CAPACITY`].
fn drain(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_CAPACITY {
        *buf = Vec::new();
    } else {
        buf.clear();
    }
}

#[cfg(test)]
mod tests;
