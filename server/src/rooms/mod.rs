//! Game-room hosting: where the arena (`sim`) meets the network (`realtime`).

pub mod view;
