//! Petri's wire contract: what every client compiles or mirrors.
//!
//! - `codec`: the binary format of game messages (bincode 2, behind one module);
//! - `game`: event names and message shapes;
//! - `client_world`: applying frames to a client's picture of the arena.

pub mod client_world;
pub mod codec;
pub mod game;

pub use client_world::{ApplyError, ClientWorld, KnownCell};
