//! Headless bot matches: the arena with bots only, no network, as fast as the CPU allows.
//!
//! This is where wall-clock time is allowed to appear (to report how fast the sim ran); the
//! sim itself never sees it.

pub mod chart;
pub mod lineup;
pub mod progress;
pub mod report;
pub mod runner;
pub mod timing;

pub use lineup::{Lineup, LineupError, parse_seeds};
pub use report::{MatchReport, SeedResult, StrategySummary};
pub use runner::{MatchSettings, run_seed};
