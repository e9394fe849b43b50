//! The name of a Socket.IO room: a label sockets join so they can be emitted to together. It is
//! its own file because sockets, the adapter and broadcasts all speak of it, and none of them
//! should depend on another just for a name. (Unrelated to Petri's game rooms.)

use std::sync::Arc;

/// A Socket.IO room name, cheap to clone and share between the adapter's index and sockets.
pub type RoomName = Arc<str>;
