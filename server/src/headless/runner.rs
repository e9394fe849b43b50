//! Runs one seed of a match and measures it.

use std::time::Instant;

use super::lineup::Lineup;
use super::progress::Progress;
use super::report::{MassSeries, SeedResult, TickTiming};
use super::timing::TickDurations;
use crate::sim::{Arena, SimConfig};

/// Everything that defines a match except the seed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MatchSettings {
    pub lineup: Lineup,
    pub ticks: u64,
    pub config: SimConfig,
    /// Record each player's mass every `history_every` ticks (for the chart); 0 records nothing.
    pub history_every: u64,
}

/// A stable colour per bot, spread around the hue circle.
fn bot_color(index: u32) -> u32 {
    let hue = (index as f32 * 137.508) % 360.0;
    let (r, g, b) = hsv_to_rgb(hue, 0.75, 0.95);
    (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)
}

fn hsv_to_rgb(h: f32, s: f32, v: f32) -> (u8, u8, u8) {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |f: f32| ((f + m) * 255.0).round() as u8;
    (to(r), to(g), to(b))
}

/// Builds the arena for a match: the bots in lineup order, named `strategy-N`.
pub fn build_arena(settings: &MatchSettings, seed: u64) -> Result<Arena, crate::sim::ConfigError> {
    let mut arena = Arena::new(settings.config.clone(), seed)?;
    let mut index = 0;
    for &(strategy, count) in &settings.lineup.0 {
        for n in 1..=count {
            arena.add_player(&format!("{strategy}-{n}"), bot_color(index), Some(strategy));
            index += 1;
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
