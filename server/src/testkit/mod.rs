//! The test kit: the doubles, builders and start-ups the integration tests, benches and examples
//! share, so each exists once. Built only with the `test-support` feature (the crate's own
//! dev-dependency on itself turns it on); never part of a release binary.
//!
//! - `room`: a recording `ClientLink`, join-with-reply helpers, small rooms and bot arenas. It
//!   uses only the public API of `rooms` (`Room`, `RoomCommand`, `ClientLink`, `Delivery`...).
//! - `server`: a real server on 127.0.0.1 (the whole `petri serve`, or a bare Socket.IO `io`),
//!   and a client's view of it. Every wait is bounded by `WAIT`.

pub mod room;
pub mod server;

pub use room::{
    RecordingLink, arena_with_bots, join_command, join_now, join_through, small_room_settings,
};
pub use server::{
    Bystander, TestServer, WAIT, http_get, join, lobby_client, metric, named, next_event,
    next_frame, play_client, quick_config,
};
