//! A replay held in memory for watching: its header and every tick's commands, decoded once,
//! and the re-simulation that brings an arena to any tick.
//!
//! Why decoded and whole: a viewer seeks anywhere, and several playbacks of one replay share
//! the same `Script` (an `Arc`), so the file is read and decompressed once, not once per seek.
//! Its size is bounded by `max_load_mb` of files (the commands decode to a few times their
//! compressed size). A session's segments are played as one script from segment 0: a later
//! segment starts from a checkpoint hash, not a state, so it cannot be played alone.
//!
//! Why no snapshots: a checkpoint is a hash, and bevy's `World` cannot be cloned, so seeking
//! re-simulates from tick 0. Steps of a 50-player arena run at ~25,000 a second, so the end of a
//! 10-minute replay (15,000 ticks) is reached in well under a second (BENCHMARKS.md,
//! "Replays", measures it with `examples/replay-cost.rs seek`).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::WatchError;
use crate::replay::{Header, Record, ReplayError, ReplayReader};
use crate::sim::{Arena, Command};

/// One tick's commands, applied while the arena stands at `tick`.
#[derive(Debug, Clone)]
struct Tick {
    tick: u64,
    commands: Vec<Command>,
}

/// A replay, ready to be played from any tick.
#[derive(Debug)]
pub struct Script {
    header: Header,
    ticks: Vec<Tick>,
    total_ticks: u64,
}

/// Where a playback is in its script: the arena and the next tick's commands to apply.
pub struct Position {
    pub arena: Arena,
    next: usize,
}

impl Script {
    /// A script from its parts (`petri match --watch`: a lineup's joins at tick 0, then
    /// `total_ticks` of bots playing).
    pub fn new(header: Header, commands_at_start: Vec<Command>, total_ticks: u64) -> Self {
        Self {
            header,
            ticks: vec![Tick {
                tick: 0,
                commands: commands_at_start,
            }],
            total_ticks,
        }
    }

    /// Reads a recording, one file or a session's segments in order, refusing more than
    /// `max_bytes` of files. A file that stops early (a room still recording it, or a server
    /// that died) plays up to its last readable record.
    pub fn load(paths: &[PathBuf], max_bytes: u64) -> Result<Self, WatchError> {
        let bytes: u64 = paths
            .iter()
            .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum();
        if bytes > max_bytes {
            return Err(WatchError::TooBig { bytes, max_bytes });
        }
        let mut script: Option<Script> = None;
        for (index, path) in paths.iter().enumerate() {
            let mut reader = ReplayReader::open(path).map_err(|e| WatchError::read(path, e))?;
            let header = reader.header().clone();
            let script = script.get_or_insert_with(|| Script {
                header: header.clone(),
                ticks: Vec::new(),
                total_ticks: header.first_tick,
            });
            let expected = (index as u32, script.total_ticks);
            if (header.segment, header.first_tick) != expected
                || header.session != script.header.session
            {
                return Err(WatchError::read(
                    path,
                    ReplayError::BadHeader(format!(
                        "segment {} from tick {} is not segment {} of session {} from tick {}",
                        header.segment,
                        header.first_tick,
                        expected.0,
                        script.header.session,
                        expected.1
                    )),
                ));
            }
            if !script.read_segment(&mut reader, path)? {
                break;
            }
        }
        script.ok_or(WatchError::NoFiles)
    }

    /// Adds one segment's records; false once the recording ends (or stops early) here.
    fn read_segment<R: Read>(
        &mut self,
        reader: &mut ReplayReader<R>,
        path: &Path,
    ) -> Result<bool, WatchError> {
        loop {
            match reader.next_record() {
                Ok(Some(Record::Commands { tick, commands })) => {
                    self.total_ticks = tick;
                    self.ticks.push(Tick { tick, commands });
                }
                Ok(Some(Record::Checkpoint { tick, .. })) => self.total_ticks = tick,
                Ok(Some(Record::End {
                    tick, continued, ..
                })) => {
                    self.total_ticks = tick;
                    return Ok(continued);
                }
                Ok(None) | Err(ReplayError::Truncated { .. }) => return Ok(false),
                Err(error) => return Err(WatchError::read(path, error)),
            }
        }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The last tick of the replay.
    pub fn total_ticks(&self) -> u64 {
        self.total_ticks
    }

    pub fn tick_rate(&self) -> u32 {
        self.header.rules.tick_rate.max(1)
    }

    /// A fresh arena at tick 0.
    pub fn start(&self) -> Result<Position, WatchError> {
        let arena = Arena::new(self.header.rules.clone(), self.header.seed)?;
        Ok(Position { arena, next: 0 })
    }

    /// An arena at `tick` (at most `total_ticks`), re-simulated from the start.
    pub fn cue(&self, tick: u64) -> Result<Position, WatchError> {
        let mut position = self.start()?;
        while position.arena.tick() < tick.min(self.total_ticks) {
            self.step(&mut position);
        }
        Ok(position)
    }

    /// Applies the commands of the position's tick and steps once. False at the end.
    pub fn step(&self, position: &mut Position) -> bool {
        let tick = position.arena.tick();
        if tick >= self.total_ticks {
            return false;
        }
        while let Some(next) = self.ticks.get(position.next) {
            if next.tick > tick {
                break;
            }
            for command in &next.commands {
                position.arena.apply(command);
            }
            position.next += 1;
        }
        position.arena.step();
        true
    }
}
