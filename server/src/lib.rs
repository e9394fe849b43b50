//! Petri's server: the arena simulation, headless matches, the realtime layer and game-room
//! hosting.

pub mod cli;
pub mod cluster;
pub mod config;
pub mod headless;
pub mod heap;
pub mod metrics;
pub mod realtime;
pub mod relay;
pub mod replay;
pub mod rooms;
pub mod routes;
pub mod serve;
pub mod sim;
pub mod stats;
pub mod swarm;
#[cfg(feature = "test-support")]
pub mod testkit;
pub mod watch;
pub mod web;
