//! Petri's server: the arena simulation, headless matches, and (in later modules) the realtime
//! layer and game-room hosting.

pub mod cli;
pub mod headless;
pub mod http;
pub mod realtime;
pub mod sim;
