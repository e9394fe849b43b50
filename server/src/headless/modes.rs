//! What a match reports beyond the classic standings, by mode: in teams, each team's final mass
//! and its win rate over the seeds (a seed is won by the team with the most mass at the end, the
//! lower number on a tie); in last man standing, the rounds played and each strategy's round wins
//! (`StrategySummary::round_wins`).

use std::fmt::Write as _;

use serde::Serialize;

use super::report::SeedResult;
use crate::sim::{Arena, Team};

/// One team at the end of one seed.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TeamResult {
    pub team: u8,
    pub mass: f32,
    pub players: u32,
}

/// One team over all seeds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TeamSummary {
    pub team: u8,
    /// 0xRRGGBB.
    pub color: u32,
    pub wins: u32,
    pub win_rate: f64,
    /// The team's mean share of all players' mass at the end.
    pub mean_share: f64,
}

/// The teams' standings at the end of a seed (empty unless the arena plays teams).
pub fn team_results(arena: &Arena) -> Vec<TeamResult> {
    arena
        .team_standings()
        .iter()
        .map(|s| TeamResult {
            team: s.team.0,
            mass: s.mass,
            players: s.players,
        })
        .collect()
}

/// The team that won a seed: the most mass, the lower number on a tie.
pub fn winning_team(teams: &[TeamResult]) -> Option<u8> {
    teams
        .iter()
        .max_by(|a, b| a.mass.total_cmp(&b.mass).then(b.team.cmp(&a.team)))
        .map(|t| t.team)
}

/// Each team's wins and mean share over the seeds.
pub fn summarise_teams(seeds: &[SeedResult]) -> Vec<TeamSummary> {
    let Some(first) = seeds.first() else {
        return Vec::new();
    };
    let n = seeds.len().max(1) as f64;
    first
        .teams
        .iter()
        .map(|t| {
            let wins = seeds
                .iter()
                .filter(|s| winning_team(&s.teams) == Some(t.team))
                .count() as u32;
            let share: f64 = seeds
                .iter()
                .map(|s| {
                    let total: f32 = s.teams.iter().map(|x| x.mass).sum();
                    let mine = s
                        .teams
                        .iter()
                        .find(|x| x.team == t.team)
                        .map_or(0.0, |x| x.mass);
                    if total > 0.0 {
                        f64::from(mine / total)
                    } else {
                        0.0
                    }
                })
                .sum();
            TeamSummary {
                team: t.team,
                color: Team(t.team).color(),
                wins,
                win_rate: f64::from(wins) / n,
                mean_share: share / n,
            }
        })
        .collect()
}

/// The teams table of the text report.
pub fn write_teams(out: &mut String, teams: &[TeamSummary], seeds: usize) {
    if teams.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nTeams over {seeds} seed(s)");
    let _ = writeln!(
        out,
        "  {:<6} {:<8} {:>5} {:>9} {:>11}",
        "team", "colour", "wins", "win rate", "mass share"
    );
    for t in teams {
        let _ = writeln!(
            out,
            "  {:<6} #{:06x}  {:>5} {:>8.0}% {:>10.0}%",
            t.team,
            t.color,
            t.wins,
            t.win_rate * 100.0,
            t.mean_share * 100.0
        );
    }
}
