//! Petri's wire contract: what every client compiles or mirrors.

pub mod engineio;
pub mod socketio;
