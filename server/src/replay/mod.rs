//! Replays: a match or a room session as its seed, its rules and the commands it received, tick
//! by tick, with state hashes to check it against (docs/REPLAYS.md).
//!
//! The simulation is deterministic (`crate::sim`), so this is all it takes to play anything
//! again exactly, and a replay is small: a bots-only match is little more than its header.
//! `format` is the file, `writer` and `reader` its two ends, `recorder` what a host drives
//! around its steps, `verify` the re-simulation that proves a file right.

pub mod dir;
pub mod format;
pub mod reader;
pub mod recorder;
pub mod verify;
pub mod writer;

pub use dir::{ReplayDir, ReplaysConfig};
pub use format::{DEFAULT_CHECKPOINT_EVERY, FORMAT_VERSION, Header, Record, ReplayError, Source};
pub use reader::ReplayReader;
pub use recorder::Recorder;
pub use verify::{Verified, VerifyError, verify_file, verify_files};
pub use writer::ReplayWriter;
