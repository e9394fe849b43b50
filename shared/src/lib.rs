//! Petri's wire contract: what every client compiles or mirrors.
//!
//! - `engineio`, `socketio`: the Engine.IO v4 and Socket.IO v5 packet codecs; `polling`: the
//!   Engine.IO long-polling payload;
//! - `codec`: the binary format of game messages (bincode 2, behind one module);
//! - `game`: event names and message shapes; `refusal`: the refusal codes (re-exported by `game`);
//! - `client_world`: applying frames to a client's picture of the arena.

pub mod client_world;
pub mod codec;
pub mod engineio;
pub mod game;
pub mod polling;
pub mod refusal;
pub mod socketio;

pub use client_world::{ApplyError, ClientWorld, FORGET_PLAYERS_EVERY, IdMap, KnownCell};
