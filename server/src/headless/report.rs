//! What a match reports: the final standings, how fast it ran, and how each strategy fared.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::modes::{TeamResult, TeamSummary, summarise_teams, team_results, write_teams};
use super::settings::MatchSettings;
use super::timing::TickDurations;
use crate::sim::{Arena, PlayerView, Strategy};

/// How fast the simulation ran.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TickTiming {
    pub ticks: u64,
    pub wall_seconds: f64,
    pub ticks_per_second: f64,
    /// Simulated time over wall time at the configured tick rate.
    pub speedup: f64,
    pub median_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl TickTiming {
    pub fn from_durations(durations: &TickDurations, wall: Duration, tick_rate: u32) -> Self {
        let wall_seconds = wall.as_secs_f64().max(1e-9);
        let ticks = durations.len();
        let ticks_per_second = ticks as f64 / wall_seconds;
        Self {
            ticks,
            wall_seconds,
            ticks_per_second,
            speedup: ticks_per_second / f64::from(tick_rate),
            median_ms: durations.quantile_ms(0.5),
            p99_ms: durations.quantile_ms(0.99),
            max_ms: durations.max().as_secs_f64() * 1000.0,
        }
    }
}

/// Each player's mass, sampled over the match (for the chart).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MassSeries {
    pub ticks: Vec<u64>,
    /// Player name -> mass at each sampled tick.
    pub mass: BTreeMap<String, Vec<f32>>,
}

impl MassSeries {
    pub fn record(&mut self, arena: &mut Arena) {
        self.ticks.push(arena.tick());
        let samples = self.ticks.len();
        for player in arena.players() {
            let series = self.mass.entry(player.name).or_default();
            series.resize(samples - 1, 0.0);
            series.push(player.mass);
        }
    }
}

/// One seed's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct SeedResult {
    pub seed: u64,
    pub state_hash: String,
    pub timing: TickTiming,
    /// Every player, heaviest first.
    pub standings: Vec<PlayerView>,
    #[serde(skip_serializing_if = "MassSeries::is_empty")]
    pub history: MassSeries,
    /// Teams mode: each team at the end.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamResult>,
    /// Last man standing: the rounds started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<u32>,
}

impl MassSeries {
    pub fn is_empty(&self) -> bool {
        self.ticks.is_empty()
    }
}

impl SeedResult {
    pub fn collect(seed: u64, arena: &mut Arena, timing: TickTiming, history: MassSeries) -> Self {
        let mut standings = arena.players();
        standings.sort_by(|a, b| b.mass.total_cmp(&a.mass).then(a.id.cmp(&b.id)));
        Self {
            seed,
            state_hash: format!("{:016x}", arena.state_hash()),
            timing,
            standings,
            history,
            teams: team_results(arena),
            rounds: arena.round().map(|r| r.number),
        }
    }

    /// The heaviest player at the end.
    pub fn winner(&self) -> Option<&PlayerView> {
        self.standings.first()
    }
}

/// How one strategy did across all seeds.
#[derive(Debug, Clone, Serialize)]
pub struct StrategySummary {
    pub strategy: Strategy,
    pub bots: u32,
    /// Share of the lineup: what the win rate would be if strategy did not matter.
    pub population_share: f64,
    pub wins: u32,
    pub win_rate: f64,
    pub mean_final_mass: f64,
    pub mean_kills: f64,
    pub mean_deaths: f64,
    /// Last man standing: rounds its bots won, over all seeds.
    pub round_wins: u32,
}

/// The whole match: settings, every seed, and the per-strategy comparison.
#[derive(Debug, Clone, Serialize)]
pub struct MatchReport {
    pub settings: MatchSettings,
    pub seeds: Vec<SeedResult>,
    pub strategies: Vec<StrategySummary>,
    /// Teams mode: each team's win rate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamSummary>,
}

impl MatchReport {
    pub fn new(settings: MatchSettings, seeds: Vec<SeedResult>) -> Self {
        let total_bots = settings.lineup.total().max(1);
        let strategies = settings
            .lineup
            .0
            .iter()
            .map(|&(strategy, bots)| {
                let players: Vec<&PlayerView> = seeds
                    .iter()
                    .flat_map(|s| s.standings.iter())
                    .filter(|p| p.strategy == Some(strategy))
                    .collect();
                let n = players.len().max(1) as f64;
                let wins = seeds
                    .iter()
                    .filter(|s| s.winner().and_then(|w| w.strategy) == Some(strategy))
                    .count() as u32;
                StrategySummary {
                    strategy,
                    bots,
                    population_share: f64::from(bots) / f64::from(total_bots),
                    wins,
                    win_rate: f64::from(wins) / seeds.len().max(1) as f64,
                    mean_final_mass: players.iter().map(|p| f64::from(p.mass)).sum::<f64>() / n,
                    mean_kills: players.iter().map(|p| f64::from(p.kills)).sum::<f64>() / n,
                    mean_deaths: players.iter().map(|p| f64::from(p.deaths)).sum::<f64>() / n,
                    round_wins: players.iter().map(|p| p.wins).sum(),
                }
            })
            .collect();
        Self {
            teams: summarise_teams(&seeds),
            settings,
            seeds,
            strategies,
        }
    }

    /// The human-readable report printed at the end of `petri match`.
    pub fn render_text(&self, leaderboard_rows: usize) -> String {
        let mut out = String::new();
        if let [only] = self.seeds.as_slice() {
            self.write_leaderboard(&mut out, only, leaderboard_rows);
            self.write_statistics(&mut out, only);
        } else {
            self.write_seed_table(&mut out);
        }
        self.write_strategies(&mut out);
        write_teams(&mut out, &self.teams, self.seeds.len());
        let rounds = self.seeds.iter().filter_map(|s| s.rounds).sum::<u32>();
        if self.seeds.iter().any(|s| s.rounds.is_some()) {
            let _ = writeln!(out, "\nLast man standing: {rounds} round(s) over all seeds");
            for s in &self.strategies {
                let _ = writeln!(
                    out,
                    "  {:<9} won {} round(s)",
                    s.strategy.name(),
                    s.round_wins
                );
            }
        }
        out
    }

    /// One seed's final standings, heaviest first.
    fn write_leaderboard(&self, out: &mut String, only: &SeedResult, rows: usize) {
        let _ = writeln!(out, "Final leaderboard (seed {})", only.seed);
        let _ = writeln!(
            out,
            "{:>4}  {:<16} {:<9} {:>10} {:>6} {:>7}",
            "#", "name", "strategy", "mass", "kills", "deaths"
        );
        for (rank, p) in only.standings.iter().take(rows).enumerate() {
            let _ = writeln!(
                out,
                "{:>4}  {:<16} {:<9} {:>10.1} {:>6} {:>7}",
                rank + 1,
                p.name,
                p.strategy.map_or("person", Strategy::name),
                p.mass,
                p.kills,
                p.deaths
            );
        }
    }

    /// How fast one seed ran, and its state hash.
    fn write_statistics(&self, out: &mut String, only: &SeedResult) {
        let t = &only.timing;
        let _ = writeln!(out, "\nStatistics");
        let _ = writeln!(
            out,
            "  simulated       {} ticks in {:.2} s: {:.0} ticks/s, {:.0}x real time at {} Hz",
            t.ticks, t.wall_seconds, t.ticks_per_second, t.speedup, self.settings.config.tick_rate
        );
        let _ = writeln!(
            out,
            "  tick time       median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            t.median_ms, t.p99_ms, t.max_ms
        );
        let _ = writeln!(out, "  state hash      {}", only.state_hash);
    }

    /// One row per seed: its winner, state hash and speed.
    fn write_seed_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "{:>6}  {:<16} {:<9} {:>10}  {:<16} {:>9} {:>8}",
            "seed", "winner", "strategy", "mass", "state hash", "ticks/s", "p99 ms"
        );
        for s in &self.seeds {
            let (name, strategy, mass) = s.winner().map_or(("-", "-", 0.0), |w| {
                (
                    w.name.as_str(),
                    w.strategy.map_or("person", Strategy::name),
                    w.mass,
                )
            });
            let _ = writeln!(
                out,
                "{:>6}  {:<16} {:<9} {:>10.1}  {:<16} {:>9.0} {:>8.3}",
                s.seed,
                name,
                strategy,
                mass,
                s.state_hash,
                s.timing.ticks_per_second,
                s.timing.p99_ms
            );
        }
    }

    /// The per-strategy comparison over all seeds.
    fn write_strategies(&self, out: &mut String) {
        let _ = writeln!(out, "\nStrategies over {} seed(s)", self.seeds.len());
        let _ = writeln!(
            out,
            "  {:<9} {:>5} {:>7} {:>5} {:>9} {:>11} {:>7} {:>7}",
            "strategy", "bots", "share", "wins", "win rate", "mean mass", "kills", "deaths"
        );
        for s in &self.strategies {
            let _ = writeln!(
                out,
                "  {:<9} {:>5} {:>6.0}% {:>5} {:>8.0}% {:>11.1} {:>7.2} {:>7.2}",
                s.strategy.name(),
                s.bots,
                s.population_share * 100.0,
                s.wins,
                s.win_rate * 100.0,
                s.mean_final_mass,
                s.mean_kills,
                s.mean_deaths
            );
        }
    }
}
