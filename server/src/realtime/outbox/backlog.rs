//! What waits for a connection's socket while its kernel buffer is full, and how it is written
//! out (several frames per system call). Guarded by the outbox's lock.

use bytes::Bytes;
use std::collections::VecDeque;
use std::io::{self, IoSlice};

use super::RawSink;

/// Most frames handed to one vectored write while the backlog drains.
const MAX_IOVECS: usize = 64;

/// What waits for the socket.
#[derive(Default)]
pub(super) struct Backlog {
    /// Frames (the first one possibly a tail) waiting for the socket, in order.
    pub(super) frames: VecDeque<Bytes>,
    /// Whether the first entry is the unwritten tail of a frame the peer has already partly
    /// received: it must be finished, whatever else is dropped, or the stream breaks.
    pub(super) front_started: bool,
    /// A socket error seen by a writer; the connection task closes with it.
    pub(super) failed: Option<io::ErrorKind>,
}

impl Backlog {
    /// Writes as much as the socket takes, several frames per system call. `Ok(true)` when
    /// nothing is left.
    pub(super) fn write_to(&mut self, sink: &dyn RawSink) -> io::Result<bool> {
        while !self.frames.is_empty() {
            let written = {
                let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
                let count = self.frames.len().min(MAX_IOVECS);
                for (slot, frame) in slices.iter_mut().zip(&self.frames) {
                    *slot = IoSlice::new(frame);
                }
                let result = if count == 1 {
                    sink.try_write(&slices[0])
                } else {
                    sink.try_write_vectored(&slices[..count])
                };
                match result {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            self.advance(written);
        }
        Ok(true)
    }

    /// Removes `n` written bytes from the front.
    fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.frames.front_mut() else {
                return;
            };
            if n >= front.len() {
                n -= front.len();
                self.frames.pop_front();
                self.front_started = false;
            } else {
                *front = front.slice(n..);
                self.front_started = true;
                n = 0;
            }
        }
    }
}
