//! The arena: the game itself and nothing else.
//!
//! A deterministic fixed-step simulation in `bevy_ecs`: no I/O, no clocks, no async. The same
//! seed, settings and input sequence always give the same world, so a match can be replayed and
//! hosts can run it as fast or as slow as they like. See docs/ARCHITECTURE.md for the rules and
//! the order of a step.

pub mod arena;
pub mod bots;
pub mod camera;
pub mod command;
pub mod components;
pub mod config;
pub mod grid;
pub mod mode_view;
pub mod modes;
pub mod resources;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod schedule;
pub mod spawn;
pub mod systems;

pub use arena::{Arena, CellView, PlayerView};
pub use bots::Strategy;
pub use camera::Camera;
pub use command::Command;
pub use components::{Boost, CellId, CellKind, PlayerId};
pub use config::{ConfigError, SimConfig};
pub use modes::{Mode, RoundPhase, RoundView, Team, TeamStanding};
pub use resources::{Death, Eaten, Leaderboard, Standing};
