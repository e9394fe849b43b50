//! A server's replay directory (`[replays]`): where rooms record, how files rotate, and the cap
//! on the directory's size, oldest removed first.
//!
//! A room records one session per opening: segment files named
//! `<room>-<unix seconds>-<random>-<segment>.petri-replay`, each closed and a new one begun once
//! it holds `rotate_mb` or `rotate_minutes` of play, so a room that runs for a day never writes
//! one unbounded file, and its memory is one segment's compressor and write buffer. Each new
//! segment's header says where it begins (`first_tick`); verifying a later segment replays the
//! session's earlier ones first (docs/REPLAYS.md says what that costs and what is planned).
//!
//! The cap is enforced when a segment is begun: finished files are removed oldest first (by
//! modification time) until the directory fits; a file still being written is never removed.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::format::DEFAULT_CHECKPOINT_EVERY;

/// The file extension of every replay Petri writes.
pub const EXTENSION: &str = "petri-replay";

/// `[replays]`: off unless `dir` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplaysConfig {
    /// Record every room here (created if missing). Unset: rooms record nothing.
    pub dir: Option<PathBuf>,
    /// The directory's total size, in MiB; beyond it the oldest finished files are removed.
    pub max_dir_mb: u64,
    /// A segment is closed and the next begun past this many MiB...
    pub rotate_mb: u64,
    /// ...or this many minutes of play.
    pub rotate_minutes: u64,
    /// Ticks between state-hash checkpoints (what a divergence is located to, and how far
    /// seeking has to re-simulate at most).
    pub checkpoint_every_ticks: u64,
    /// Replays being played to viewers at once (each one arena re-simulating; a seek counts
    /// while it runs). Past it a `watch` or a seek is refused `busy`.
    pub max_playbacks: usize,
    /// The largest replay (all of a session's files) a viewer may open, in MiB: it is held in
    /// memory, decoded, while watched.
    pub max_load_mb: u64,
}

impl Default for ReplaysConfig {
    fn default() -> Self {
        Self {
            dir: None,
            max_dir_mb: 1024,
            rotate_mb: 16,
            rotate_minutes: 60,
            checkpoint_every_ticks: DEFAULT_CHECKPOINT_EVERY,
            max_playbacks: 16,
            max_load_mb: 64,
        }
    }
}

/// The replay directory of a running server, shared by its rooms.
#[derive(Debug)]
pub struct ReplayDir {
    dir: PathBuf,
    config: ReplaysConfig,
    /// Files being written now: never removed by the cap.
    open: Mutex<HashSet<PathBuf>>,
}

impl ReplayDir {
    /// The directory `config` names (created if missing), or `None` when recording is off.
    pub fn open(config: &ReplaysConfig) -> io::Result<Option<Self>> {
        let Some(dir) = &config.dir else {
            return Ok(None);
        };
        fs::create_dir_all(dir)?;
        info!(dir = %dir.display(), max_mb = config.max_dir_mb, "recording rooms");
        Ok(Some(Self {
            dir: dir.clone(),
            config: config.clone(),
            open: Mutex::new(HashSet::new()),
        }))
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> &ReplaysConfig {
        &self.config
    }

    /// The file for segment `segment` of `session`, now counted as open.
    pub fn begin(&self, session: &str, segment: u32) -> PathBuf {
        let path = self.dir.join(format!("{session}-{segment:03}.{EXTENSION}"));
        self.open.lock().insert(path.clone());
        self.enforce_cap();
        path
    }

    /// `path` is finished: the cap may remove it from now on.
    pub fn end(&self, path: &Path) {
        self.open.lock().remove(path);
    }

    /// Removes finished replays, oldest first, until the directory fits `max_dir_mb`.
    pub fn enforce_cap(&self) {
        let cap = self.config.max_dir_mb.saturating_mul(1 << 20);
        let mut files = match self.files() {
            Ok(files) => files,
            Err(error) => {
                warn!(dir = %self.dir.display(), %error, "could not list the replay directory");
                return;
            }
        };
        let mut total: u64 = files.iter().map(|f| f.bytes).sum();
        files.sort_by_key(|f| f.modified);
        let open = self.open.lock().clone();
        for file in files {
            if total <= cap {
                break;
            }
            if open.contains(&file.path) {
                continue;
            }
            match fs::remove_file(&file.path) {
                Ok(()) => {
                    total = total.saturating_sub(file.bytes);
                    info!(file = %file.path.display(), "removed an old replay (directory cap)");
                }
                Err(error) => {
                    warn!(file = %file.path.display(), %error, "could not remove a replay")
                }
            }
        }
    }

    /// Every replay file in the directory.
    pub fn files(&self) -> io::Result<Vec<ReplayFile>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let path = entry.path();
            if path.extension().is_none_or(|e| e != EXTENSION) {
                continue;
            }
            let meta = entry.metadata()?;
            if !meta.is_file() {
                continue;
            }
            out.push(ReplayFile {
                path,
                bytes: meta.len(),
                modified: meta.modified().unwrap_or(std::time::UNIX_EPOCH),
            });
        }
        Ok(out)
    }
}

/// A replay file on disk.
#[derive(Debug, Clone)]
pub struct ReplayFile {
    pub path: PathBuf,
    pub bytes: u64,
    pub modified: std::time::SystemTime,
}
