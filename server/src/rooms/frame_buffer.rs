//! The buffer a client's frames are encoded into, which gives back what its biggest frame took.
//!
//! Each frame is split off as `Bytes` for the connection, and the rest of the allocation is
//! reused for the next one, so a steady client allocates nothing per tick. But the allocation
//! only ever grows: it keeps room for the biggest frame the client ever got (the burst of cells
//! entering a view that just grew), about twice that after a doubling. Across a thousand clients
//! those peaks add up to megabytes, and the sum creeps up for as long as new records are set
//! (issue 17). So every trim tick ([`super::trim`]) a buffer whose high-water mark is far above
//! what its recent frames needed starts over at twice their size.
//!
//! `BytesMut` does not tell how big its allocation is, so the high-water mark (the largest frame
//! encoded since the allocation was made) stands in for it.

use bytes::{BufMut, Bytes, BytesMut};
use petri_shared::codec::{self, CodecError, Encode};

use super::trim::{oversized, trimmed_capacity};

/// Below this (bytes) a buffer is never worth trimming: a typical frame is a few hundred bytes.
pub const FRAME_BUFFER_FLOOR: usize = 4096;

#[derive(Debug, Default)]
pub struct FrameBuffer {
    bytes: BytesMut,
    /// The largest frame encoded since `bytes` was allocated.
    high_water: usize,
    /// The largest frame encoded since the last trim.
    recent_peak: usize,
}

impl FrameBuffer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Encodes `value` and splits it off for sending.
    pub fn encode<T: Encode>(&mut self, value: &T) -> Result<Bytes, CodecError> {
        if let Err(error) = codec::encode_into(value, &mut (&mut self.bytes).writer()) {
            self.bytes.clear();
            return Err(error);
        }
        let len = self.bytes.len();
        self.high_water = self.high_water.max(len);
        self.recent_peak = self.recent_peak.max(len);
        Ok(self.bytes.split().freeze())
    }

    /// Starts over with a smaller allocation if the recent frames need far less than the
    /// biggest one did; call it on trim ticks.
    pub fn trim(&mut self) {
        let need = self.recent_peak;
        self.recent_peak = 0;
        if oversized(self.high_water, need, FRAME_BUFFER_FLOOR) {
            // the old allocation is freed once the frames still in flight from it are sent
            self.bytes = BytesMut::with_capacity(trimmed_capacity(need, FRAME_BUFFER_FLOOR));
            self.high_water = need;
        }
    }

    /// The largest frame encoded since the allocation was made (what its size follows).
    pub fn high_water(&self) -> usize {
        self.high_water
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_that_once_held_a_huge_frame_starts_over_after_small_ones() {
        let mut buffer = FrameBuffer::new();
        let huge = vec![7u8; 200_000];
        let huge_len = buffer.encode(&huge).map(|b| b.len()).unwrap_or(0);
        assert!(huge_len > 200_000);
        buffer.trim();
        // the huge frame was this window's need: nothing to give back yet
        assert_eq!(buffer.high_water(), huge_len);
        let small = vec![1u8; 100];
        for _ in 0..10 {
            assert!(buffer.encode(&small).is_ok());
        }
        buffer.trim();
        assert_eq!(buffer.high_water(), 101);
        assert!(buffer.bytes.capacity() <= 2 * FRAME_BUFFER_FLOOR);
        // a steady buffer keeps its allocation: trimming again changes nothing
        let before = buffer.bytes.as_ptr();
        buffer.trim();
        assert_eq!(buffer.bytes.as_ptr(), before);
        // and what it encodes is still right
        let bytes = buffer.encode(&small).ok();
        assert_eq!(bytes.map(|b| b.len()), Some(101));
    }
}
