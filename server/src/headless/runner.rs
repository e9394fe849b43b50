//! Runs one seed of a match and measures it.

use std::time::Instant;

use super::progress::Progress;
use super::report::{MassSeries, SeedResult, TickTiming};
use super::settings::MatchSettings;
use super::timing::TickDurations;
use crate::sim::Arena;
use crate::sim::bots::bot_identity;

/// Builds the arena for a match: the bots in lineup order, named and coloured as a room names
/// its bots (`bot_identity`, serials counted from 1 over the whole lineup).
pub fn build_arena(settings: &MatchSettings, seed: u64) -> Result<Arena, crate::sim::ConfigError> {
    let mut arena = Arena::new(settings.config.clone(), seed)?;
    let mut serial = 0;
    for &(strategy, count) in &settings.lineup.0 {
        for _ in 0..count {
            serial += 1;
            let (name, color) = bot_identity(strategy, serial);
            arena.add_player(&name, color, Some(strategy));
        }
    }
    Ok(arena)
}

/// Plays one seed to the end, timing every tick.
pub fn run_seed(
    settings: &MatchSettings,
    seed: u64,
    show_progress: bool,
) -> Result<SeedResult, crate::sim::ConfigError> {
    let mut arena = build_arena(settings, seed)?;
    let mut durations = TickDurations::default();
    let mut history = MassSeries::default();
    let mut progress = Progress::new(format!("seed {seed}"), settings.ticks, show_progress);
    let started = Instant::now();
    for _ in 0..settings.ticks {
        let t0 = Instant::now();
        arena.step();
        durations.record(t0.elapsed());
        if settings.history_every > 0 && arena.tick().is_multiple_of(settings.history_every) {
            history.record(&mut arena);
        }
        progress.advance(1);
    }
    let wall = started.elapsed();
    progress.finish();
    let timing = TickTiming::from_durations(&durations, wall, settings.config.tick_rate);
    Ok(SeedResult::collect(seed, &mut arena, timing, history))
}
