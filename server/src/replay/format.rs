//! What a replay file holds (docs/REPLAYS.md is the full description).
//!
//! ```text
//! "PETRIRPL"          8 bytes, the magic
//! format version      u16, little-endian (FORMAT_VERSION)
//! header length       u32, little-endian (at most MAX_HEADER_BYTES)
//! header              JSON (`Header`): the seed, the full rules, where the match came from
//! body                one zlib stream of records, each a u32 little-endian length and a
//!                     bincode `Record` (at most MAX_RECORD_BYTES)
//! ```
//!
//! The header is JSON so that `petri replay info` and a person with `head -c` can read it, and
//! so that rules gaining a field with a default still read old files. The body is what grows,
//! so it is compact: a tick without commands costs nothing, and a bots-only match is its header,
//! its checkpoints and its end.

use serde::{Deserialize, Serialize};

use crate::sim::{Command, SimConfig};

pub const MAGIC: &[u8; 8] = b"PETRIRPL";
/// Bumped whenever a file this build writes could not be read by the previous reader.
pub const FORMAT_VERSION: u16 = 1;
/// A header is a few kilobytes; anything claiming more is not a replay this build wrote.
pub const MAX_HEADER_BYTES: u32 = 1 << 20;
/// One record: one tick's commands (a full room's worth is a few kilobytes) or a checkpoint.
pub const MAX_RECORD_BYTES: u32 = 1 << 20;
/// Every this many ticks the recorder notes the state hash (`Arena::state_hash`): where
/// verification checks the re-simulation, and where a divergence is located to.
pub const DEFAULT_CHECKPOINT_EVERY: u64 = 125;
/// The sparsest checkpoints a reader accepts (about 11 minutes at 25 Hz).
pub const MAX_CHECKPOINT_EVERY: u64 = 16_384;

/// Everything needed to start the simulation again, and what it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The same as the binary prefix's, for people reading the JSON.
    pub format: u16,
    /// The Petri version that wrote the file.
    pub petri_version: String,
    pub seed: u64,
    pub rules: SimConfig,
    pub source: Source,
    pub checkpoint_every: u64,
    /// An id shared by every segment of one recording.
    pub session: String,
    /// 0 for a whole match or a session's first file; rotation numbers the files after it.
    pub segment: u32,
    /// The tick at which this file's records begin (0 for segment 0).
    pub first_tick: u64,
}

/// Where a recording came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A headless match (`petri match --record`).
    Match { lineup: String, ticks: u64 },
    /// A live room (`[replays] dir`).
    Room { id: String, name: String },
}

/// One entry of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// Commands applied, in order, while the arena stood at `tick` (before the step to
    /// `tick + 1`).
    Commands { tick: u64, commands: Vec<Command> },
    /// The state hash once the arena reached `tick`.
    Checkpoint { tick: u64, hash: u64 },
    /// The recording ends here; this file's successor, if any, begins at `tick`.
    End {
        tick: u64,
        hash: u64,
        /// Whether another segment carries on the session (rotation).
        continued: bool,
    },
}

impl Record {
    pub fn tick(&self) -> u64 {
        match *self {
            Record::Commands { tick, .. }
            | Record::Checkpoint { tick, .. }
            | Record::End { tick, .. } => tick,
        }
    }
}

/// Why a replay could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("could not read the replay: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a Petri replay (the file does not start with PETRIRPL)")]
    NotAReplay,
    #[error(
        "replay format {found} is not supported by this build (it reads format {FORMAT_VERSION})"
    )]
    UnsupportedFormat { found: u16 },
    #[error("the replay's header claims {0} bytes (at most {MAX_HEADER_BYTES})")]
    HeaderTooLarge(u32),
    #[error("the replay's header is not valid: {0}")]
    BadHeader(String),
    #[error("the replay is truncated after tick {after_tick} (no end record)")]
    Truncated { after_tick: u64 },
    #[error("the replay is corrupt after tick {after_tick}: {reason}")]
    Corrupt { after_tick: u64, reason: String },
}
