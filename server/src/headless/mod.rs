//! Headless bot matches: the arena with bots only, no network, as fast as the CPU allows.
//!
//! This is where wall-clock time is allowed to appear (to report how fast the sim ran); the
//! sim itself never sees it.

pub mod chart;
pub mod lineup;
pub mod modes;
pub mod pool;
pub mod progress;
pub mod report;
pub mod runner;
pub mod settings;
pub mod timing;

pub use lineup::{Lineup, LineupError, parse_seeds};
pub use pool::{MatchError, run_matches};
pub use report::{MatchReport, SeedResult, StrategySummary};
pub use runner::run_seed;
pub use settings::MatchSettings;
