//! The game's messages: names of the Socket.IO events, the JSON shapes of the rare ones, and the
//! binary (bincode, see `codec`) shapes of the frequent ones. docs/PROTOCOL.md describes the same
//! thing for people writing clients in other languages.

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// Bumped whenever a message below changes shape. Sent in the join answer.
pub const PROTOCOL_VERSION: u32 = 1;

/// Socket.IO namespaces.
pub mod namespaces {
    /// Listing, creating and finding rooms.
    pub const LOBBY: &str = "/lobby";
    /// Playing or watching in a room.
    pub const PLAY: &str = "/play";
}

/// Event names.
pub mod events {
    // lobby, client -> server, all answered through the ack
    pub const ROOMS: &str = "rooms";
    pub const CREATE: &str = "create";
    pub const QUICKPLAY: &str = "quickplay";
    // play, client -> server
    pub const JOIN: &str = "join";
    pub const INPUT: &str = "input";
    pub const SPLIT: &str = "split";
    pub const EJECT: &str = "eject";
    pub const RESPAWN: &str = "respawn";
    pub const SPECTATE: &str = "spectate";
    pub const LEAVE: &str = "leave";
    // play, server -> client
    pub const FRAME: &str = "frame";
    pub const BOARD: &str = "board";
    pub const DIED: &str = "died";
    pub const ROOM_CLOSED: &str = "room-closed";
    pub const SERVER_SHUTDOWN: &str = "server-shutdown";
    pub const REJECTED: &str = "rejected";
}

/// What kind of thing a cell is, on the wire.
pub mod kind {
    pub const PLAYER: u8 = 0;
    pub const FOOD: u8 = 1;
    pub const EJECTED: u8 = 2;
    pub const VIRUS: u8 = 3;
}

/// Positions and sizes travel as whole map units: a cell is drawn within half a unit of where
/// the server has it, far below a pixel at any zoom.
pub fn quantize(value: f32) -> i32 {
    if value.is_finite() {
        value.round().clamp(i32::MIN as f32, i32::MAX as f32) as i32
    } else {
        0
    }
}

/// Sizes are never negative.
pub fn quantize_size(size: f32) -> u32 {
    if size.is_finite() && size > 0.0 {
        size.round().min(u32::MAX as f32) as u32
    } else {
        0
    }
}

/// The rectangle a client is shown, centred on its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Encode, Decode, Serialize, Deserialize)]
pub struct View {
    pub x: i32,
    pub y: i32,
    pub half_width: u32,
    pub half_height: u32,
}

/// A cell the client did not have: everything about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct CellEntered {
    pub id: u32,
    pub kind: u8,
    pub x: i32,
    pub y: i32,
    pub size: u32,
    /// The owning player's id, 0 for cells with no owner.
    pub owner: u32,
}

/// A cell the client has that moved or changed size: the differences from what it was last sent
/// (zigzag varints: a cell that moved a few units costs a byte per field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct CellChanged {
    pub id: u32,
    pub dx: i32,
    pub dy: i32,
    pub dsize: i32,
}

/// A player the client is seeing for the first time.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct PlayerInfo {
    pub id: u32,
    pub name: String,
    /// 0xRRGGBB.
    pub color: u32,
}

/// One cell eating another, for the client to animate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct EatenPair {
    pub eater: u32,
    pub eaten: u32,
}

/// Sent to one client every tick (binary event `frame`): what changed in its view since the last
/// frame it was really sent. Apply in field order: players, left, entered, changed.
#[derive(Debug, Clone, PartialEq, Default, Encode, Decode)]
pub struct Frame {
    pub tick: u32,
    pub view: View,
    /// The client's place on the leaderboard (1 = first), 0 when not playing.
    pub rank: u32,
    /// The client's own cells' ids, when playing.
    pub own: Vec<u32>,
    pub players: Vec<PlayerInfo>,
    pub left: Vec<u32>,
    pub entered: Vec<CellEntered>,
    pub changed: Vec<CellChanged>,
    pub eaten: Vec<EatenPair>,
}

impl Frame {
    /// Empties every list, keeping capacity, for reuse next tick.
    pub fn clear(&mut self) {
        self.own.clear();
        self.players.clear();
        self.left.clear();
        self.entered.clear();
        self.changed.clear();
        self.eaten.clear();
    }
}

/// One line of the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct BoardEntry {
    pub id: u32,
    pub name: String,
    pub mass: u32,
}

/// The room's top players (binary event `board`), sent to the whole room a few times a second.
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode, Serialize, Deserialize)]
pub struct Board {
    pub tick: u32,
    pub entries: Vec<BoardEntry>,
    /// How many players are alive in the room.
    pub alive: u32,
}

/// `died` (JSON): who ended the client's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Died {
    pub killer: Option<String>,
    pub killer_id: Option<u32>,
    pub final_mass: f32,
}
