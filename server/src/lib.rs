//! Petri's server: the arena simulation, headless matches, and (in later modules) the realtime
//! layer and game-room hosting.

pub mod cli;
pub mod cluster;
pub mod config;
pub mod headless;
pub mod http;
pub mod metrics;
pub mod realtime;
pub mod rooms;
pub mod routes;
pub mod serve;
pub mod sim;
pub mod swarm;
pub mod web;
