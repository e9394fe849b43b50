//! A room's replay (`[replays] dir`): its session recorded segment by segment as it plays.
//!
//! The room drives it around each step. Recording must never cost the room its game: any error
//! writing the file (a full disk, a removed directory) is logged once and the recording stops,
//! while the room plays on. Files are written from the room's own thread through a buffer; a
//! tick's record is a few hundred bytes (BENCHMARKS.md measures the cost to a tick).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use tracing::{debug, warn};

use crate::replay::{self, Header, Recorder, ReplayDir, ReplayWriter, Source};
use crate::sim::Arena;

/// What every segment's header repeats.
struct Session {
    dir: Arc<ReplayDir>,
    header: Header,
    /// Rotation by time, in ticks of this room.
    rotate_ticks: u64,
    rotate_bytes: u64,
}

pub struct RoomRecording {
    session: Session,
    recorder: Recorder<BufWriter<File>>,
    path: PathBuf,
}

impl RoomRecording {
    /// Begins recording a room whose arena is fresh (before its first bot is added).
    pub fn start(
        dir: Arc<ReplayDir>,
        room_id: &str,
        room_name: &str,
        seed: u64,
        arena: &mut Arena,
    ) -> io::Result<Self> {
        let config = dir.config();
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let header = Header {
            format: replay::FORMAT_VERSION,
            petri_version: env!("CARGO_PKG_VERSION").to_owned(),
            seed,
            rules: arena.config().clone(),
            source: Source::Room {
                id: room_id.to_owned(),
                name: room_name.to_owned(),
            },
            checkpoint_every: config.checkpoint_every_ticks.max(1),
            session: format!("{room_id}-{started}-{:04x}", seed & 0xffff),
            segment: 0,
            first_tick: arena.tick(),
        };
        let session = Session {
            rotate_ticks: config
                .rotate_minutes
                .max(1)
                .saturating_mul(60 * u64::from(arena.config().tick_rate)),
            rotate_bytes: config.rotate_mb.max(1).saturating_mul(1 << 20),
            dir,
            header,
        };
        let (recorder, path) = session.begin(arena)?;
        Ok(Self {
            session,
            recorder,
            path,
        })
    }

    /// Call right before `arena.step()`.
    pub fn before_step(&mut self, arena: &mut Arena) -> io::Result<()> {
        self.recorder.before_step(arena)
    }

    /// Call right after `arena.step()`: writes a checkpoint when due and rotates when the
    /// segment is full.
    pub fn after_step(&mut self, arena: &mut Arena) -> io::Result<()> {
        self.recorder.after_step(arena)?;
        let segment_ticks = arena.tick() - self.session.header.first_tick;
        let full = self.recorder.body_bytes() >= self.session.rotate_bytes
            || segment_ticks >= self.session.rotate_ticks;
        if full
            && arena
                .tick()
                .is_multiple_of(self.session.header.checkpoint_every)
        {
            self.rotate(arena)?;
        }
        Ok(())
    }

    /// Ends this segment and begins the next at the current tick.
    fn rotate(&mut self, arena: &mut Arena) -> io::Result<()> {
        self.session.header.segment += 1;
        self.session.header.first_tick = arena.tick();
        let (recorder, path) = self.session.begin(arena)?;
        let old = std::mem::replace(&mut self.recorder, recorder);
        let old_path = std::mem::replace(&mut self.path, path);
        let ended = end_file(old, arena, true);
        self.session.dir.end(&old_path);
        debug!(file = %old_path.display(), "replay segment done");
        ended
    }

    /// Ends the recording (the room closes).
    pub fn finish(self, arena: &mut Arena) {
        if let Err(error) = end_file(self.recorder, arena, false) {
            warn!(file = %self.path.display(), %error, "could not finish a replay");
        }
        self.session.dir.end(&self.path);
    }
}

impl Session {
    /// Opens the file of the header's segment and starts recording into it.
    fn begin(&self, arena: &mut Arena) -> io::Result<(Recorder<BufWriter<File>>, PathBuf)> {
        let path = self.dir.begin(&self.header.session, self.header.segment);
        let opened = File::create(&path)
            .and_then(|file| ReplayWriter::new(BufWriter::new(file), &self.header));
        match opened {
            Ok(writer) => Ok((
                Recorder::start(arena, writer, self.header.checkpoint_every),
                path,
            )),
            Err(error) => {
                self.dir.end(&path);
                Err(error)
            }
        }
    }
}

fn end_file(
    recorder: Recorder<BufWriter<File>>,
    arena: &mut Arena,
    continued: bool,
) -> io::Result<()> {
    recorder.finish(arena, continued)?.flush()
}
