//! Petri's server: the arena simulation, headless matches, the realtime layer and game-room
//! hosting.

pub mod cli;
pub mod config;
pub mod headless;
pub mod metrics;
pub mod realtime;
pub mod rooms;
pub mod routes;
pub mod serve;
pub mod sim;
pub mod swarm;
pub mod web;

/// The HTTP entry point lives in the realtime layer ([`realtime::http`]); this path is kept so
/// code written against `petri_server::http` still compiles.
pub use realtime::http;
