//! What defines a match apart from its seed. Its own file so that the runner (which plays it) and
//! the report (which echoes it) both depend on it and not on each other.

use super::lineup::Lineup;
use crate::sim::SimConfig;

/// Everything that defines a match except the seed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MatchSettings {
    pub lineup: Lineup,
    pub ticks: u64,
    pub config: SimConfig,
    /// Record each player's mass every `history_every` ticks (for the chart); 0 records nothing.
    pub history_every: u64,
    /// Write each seed's replay here (`--record`; see [`replay_path`] for several seeds).
    #[serde(skip)]
    pub record: Option<std::path::PathBuf>,
}

/// Where a seed's replay goes: `path` itself for a single seed, else `path` with `-<seed>`
/// before its extension (`m.petri-replay` -> `m-7.petri-replay`).
pub fn replay_path(path: &std::path::Path, seed: u64, several: bool) -> std::path::PathBuf {
    if !several {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{seed}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{seed}"),
    };
    path.with_file_name(name)
}

impl MatchSettings {
    /// `lineup` for `ticks` on the classic rules with the map sized for the lineup
    /// (`SimConfig::scaled_for_players`), recording no history: what tests and benches play.
    pub fn classic_scaled(lineup: Lineup, ticks: u64) -> Self {
        Self {
            config: SimConfig::classic().scaled_for_players(lineup.total() as usize),
            lineup,
            ticks,
            history_every: 0,
            record: None,
        }
    }
}
