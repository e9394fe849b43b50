//! Re-simulates a replay from its file(s) alone and checks every checkpoint.
//!
//! This is the proof that what was played is what the file says: a headless match, and a live
//! room too (its arena changes only through commands, which the file holds). A divergence is
//! reported at the first checkpoint whose hash differs, so it is located to within
//! `checkpoint_every` ticks.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::format::{Record, ReplayError};
use super::reader::ReplayReader;
use crate::sim::{Arena, ConfigError};

/// A replay that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The tick the recording ended at.
    pub ticks: u64,
    pub checkpoints: u64,
    pub commands: u64,
    pub final_hash: u64,
    pub segments: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: ReplayError },
    #[error("the replay's rules are not valid: {0}")]
    Rules(#[from] ConfigError),
    #[error(
        "diverged at tick {tick}: the file says state {expected:016x}, the re-simulation gives {found:016x} (the last checkpoint that matched was tick {last_good})"
    )]
    Diverged {
        tick: u64,
        expected: u64,
        found: u64,
        last_good: u64,
    },
    #[error("{path} is not the next segment of the session ({reason})")]
    NotTheNextSegment { path: PathBuf, reason: String },
    #[error("no replay files given")]
    Empty,
}

/// Verifies a recording: one file, or a session's segments in order.
pub fn verify_files(paths: &[PathBuf]) -> Result<Verified, VerifyError> {
    let first = paths.first().ok_or(VerifyError::Empty)?;
    let mut reader = open(first)?;
    let header = reader.header().clone();
    if header.segment != 0 {
        return Err(VerifyError::NotTheNextSegment {
            path: first.clone(),
            reason: format!("it is segment {}; verification starts at 0", header.segment),
        });
    }
    let mut arena = Arena::new(header.rules.clone(), header.seed)?;
    let mut run = Run::default();
    for (index, path) in paths.iter().enumerate() {
        if index > 0 {
            reader = open(path)?;
            let next = reader.header();
            let expected = (header.session.as_str(), index as u32, arena.tick());
            if (next.session.as_str(), next.segment, next.first_tick) != expected {
                return Err(VerifyError::NotTheNextSegment {
                    path: path.clone(),
                    reason: format!(
                        "session {} segment {} from tick {}, expected session {} segment {index} from tick {}",
                        next.session,
                        next.segment,
                        next.first_tick,
                        header.session,
                        arena.tick()
                    ),
                });
            }
        }
        run.segment(&mut reader, &mut arena)
            .map_err(|e| e.at(path))?;
    }
    Ok(Verified {
        ticks: arena.tick(),
        checkpoints: run.checkpoints,
        commands: run.commands,
        final_hash: arena.state_hash(),
        segments: paths.len() as u32,
    })
}

/// Verifies one file that holds a whole recording.
pub fn verify_file(path: &Path) -> Result<Verified, VerifyError> {
    verify_files(&[path.to_path_buf()])
}

fn open(path: &Path) -> Result<ReplayReader<std::io::BufReader<std::fs::File>>, VerifyError> {
    ReplayReader::open(path).map_err(|source| VerifyError::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[derive(Debug, Default)]
struct Run {
    checkpoints: u64,
    commands: u64,
    last_good: u64,
}

/// A failure inside one segment, before its path is known to the message.
enum SegmentError {
    Read(ReplayError),
    Verify(VerifyError),
}

impl SegmentError {
    fn at(self, path: &Path) -> VerifyError {
        match self {
            SegmentError::Read(source) => VerifyError::Read {
                path: path.to_path_buf(),
                source,
            },
            SegmentError::Verify(error) => error,
        }
    }
}

impl Run {
    /// Plays one segment's records onto `arena`.
    fn segment<R: Read>(
        &mut self,
        reader: &mut ReplayReader<R>,
        arena: &mut Arena,
    ) -> Result<(), SegmentError> {
        while let Some(record) = reader.next_record().map_err(SegmentError::Read)? {
            while arena.tick() < record.tick() {
                arena.step();
            }
            match record {
                Record::Commands { commands, .. } => {
                    self.commands += commands.len() as u64;
                    for command in &commands {
                        arena.apply(command);
                    }
                }
                Record::Checkpoint { tick, hash } | Record::End { tick, hash, .. } => {
                    let found = arena.state_hash();
                    if found != hash {
                        return Err(SegmentError::Verify(VerifyError::Diverged {
                            tick,
                            expected: hash,
                            found,
                            last_good: self.last_good,
                        }));
                    }
                    self.checkpoints += 1;
                    self.last_good = tick;
                }
            }
        }
        Ok(())
    }
}
