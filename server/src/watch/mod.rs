//! Watching replays: `GET /api/replays`, the `/replay` Socket.IO namespace, and the theater
//! that plays them (docs/REPLAYS.md, "Watching").
//!
//! A replay is played as a spectator watches a live room: the same `ClientView` deltas, frames
//! and leaderboard as `rooms` sends a spectator (this module borrows the room's roster, view and
//! publisher), so the web client plays a replay with its spectator code. Nothing a viewer sends
//! reaches a live room: each playback has its own arena, fed only from the replay, and playbacks
//! are not rooms (the lobby never lists them). Watching only reads the files.
//!
//! `library` is what a server offers (its replay directory, one file, or a match in memory),
//! `script` a replay decoded for playing and its re-simulation to any tick, `playback` one
//! position and speed with its viewers, `theater` the thread that plays them and shares them
//! between viewers, `api` the namespace.

pub mod api;
pub mod host;
pub mod library;
pub mod playback;
pub mod script;
pub mod theater;

use std::path::{Path, PathBuf};

pub use api::ReplayService;
pub use library::{Library, ReplayListing, Shelf};
pub use playback::{MAX_SPEED, MIN_SPEED, ReplayState};
pub use script::Script;
pub use theater::{TheaterHandle, TheaterStats};

use crate::replay::ReplayError;
use crate::sim::ConfigError;

/// Why a replay cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("no replay by that id")]
    Unknown,
    #[error(
        "the replay is {bytes} bytes of files, more than the {max_bytes} a viewer may open (replays.max_load_mb)"
    )]
    TooBig { bytes: u64, max_bytes: u64 },
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: ReplayError },
    #[error("the replay's rules are not valid: {0}")]
    Rules(#[from] ConfigError),
    #[error("the replay has no files")]
    NoFiles,
    #[error("the server is reading other replays right now; try again in a moment")]
    Busy,
}

impl WatchError {
    fn read(path: &Path, source: ReplayError) -> Self {
        Self::Read {
            path: path.to_path_buf(),
            source,
        }
    }
}
