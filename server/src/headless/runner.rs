//! Runs one seed of a match and measures it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::pool::MatchError;
use super::progress::Progress;
use super::report::{MassSeries, SeedResult, TickTiming};
use super::settings::{MatchSettings, replay_path};
use super::timing::TickDurations;
use crate::replay::{self, Header, Recorder, ReplayWriter, Source};
use crate::sim::Arena;
use crate::sim::bots::bot_identity;

/// Builds the arena for a match: the bots in lineup order, named and coloured as a room names
/// its bots (`bot_identity`, serials counted from 1 over the whole lineup).
pub fn build_arena(settings: &MatchSettings, seed: u64) -> Result<Arena, crate::sim::ConfigError> {
    let mut arena = Arena::new(settings.config.clone(), seed)?;
    add_lineup(&mut arena, settings);
    Ok(arena)
}

/// Adds the match's bots to `arena` (a recording arena notes them as its first commands).
fn add_lineup(arena: &mut Arena, settings: &MatchSettings) {
    let mut serial = 0;
    for &(strategy, count) in &settings.lineup.0 {
        for _ in 0..count {
            serial += 1;
            let (name, color) = bot_identity(strategy, serial);
            arena.add_player(&name, color, Some(strategy));
        }
    }
}

/// Plays one seed to the end, timing every tick.
pub fn run_seed(
    settings: &MatchSettings,
    seed: u64,
    show_progress: bool,
    several: bool,
) -> Result<SeedResult, MatchError> {
    let mut arena = Arena::new(settings.config.clone(), seed)?;
    let mut recorder = match &settings.record {
        Some(path) => Some(start_recording(
            &mut arena,
            settings,
            seed,
            &replay_path(path, seed, several),
        )?),
        None => None,
    };
    add_lineup(&mut arena, settings);
    let mut durations = TickDurations::default();
    let mut history = MassSeries::default();
    let mut progress = Progress::new(format!("seed {seed}"), settings.ticks, show_progress);
    let started = Instant::now();
    for _ in 0..settings.ticks {
        let t0 = Instant::now();
        if let Some((recorder, path)) = &mut recorder {
            recorder
                .before_step(&mut arena)
                .map_err(|e| MatchError::record(path, e))?;
        }
        arena.step();
        if let Some((recorder, path)) = &mut recorder {
            recorder
                .after_step(&mut arena)
                .map_err(|e| MatchError::record(path, e))?;
        }
        durations.record(t0.elapsed());
        if settings.history_every > 0 && arena.tick().is_multiple_of(settings.history_every) {
            history.record(&mut arena);
        }
        progress.advance(1);
    }
    let wall = started.elapsed();
    progress.finish();
    if let Some((recorder, path)) = recorder {
        recorder
            .finish(&mut arena, false)
            .and_then(|mut out| out.flush())
            .map_err(|e| MatchError::record(&path, e))?;
    }
    let timing = TickTiming::from_durations(&durations, wall, settings.config.tick_rate);
    Ok(SeedResult::collect(seed, &mut arena, timing, history))
}

type MatchRecorder = (Recorder<BufWriter<File>>, PathBuf);

/// The replay header of seed `seed` of a match.
pub fn match_header(settings: &MatchSettings, seed: u64) -> Header {
    Header {
        format: replay::FORMAT_VERSION,
        petri_version: env!("CARGO_PKG_VERSION").to_owned(),
        seed,
        rules: settings.config.clone(),
        source: Source::Match {
            lineup: settings.lineup.to_string(),
            ticks: settings.ticks,
        },
        checkpoint_every: replay::DEFAULT_CHECKPOINT_EVERY,
        session: format!("match-{seed}"),
        segment: 0,
        first_tick: 0,
    }
}

/// The commands a match begins with (its lineup's joins): with its header, all a bots-only
/// match is (`petri match --watch` plays it from them).
pub fn lineup_commands(
    settings: &MatchSettings,
    seed: u64,
) -> Result<Vec<crate::sim::Command>, crate::sim::ConfigError> {
    let mut arena = Arena::new(settings.config.clone(), seed)?;
    arena.keep_journal(true);
    add_lineup(&mut arena, settings);
    let mut commands = Vec::new();
    arena.drain_journal(&mut commands);
    Ok(commands)
}

/// Opens `path` and starts recording `arena` (fresh, before its bots are added) into it.
fn start_recording(
    arena: &mut Arena,
    settings: &MatchSettings,
    seed: u64,
    path: &Path,
) -> Result<MatchRecorder, MatchError> {
    let header = match_header(settings, seed);
    let file = File::create(path).map_err(|e| MatchError::record(path, e))?;
    let writer = ReplayWriter::new(BufWriter::new(file), &header)
        .map_err(|e| MatchError::record(path, e))?;
    let recorder = Recorder::start(arena, writer, header.checkpoint_every);
    Ok((recorder, path.to_path_buf()))
}
