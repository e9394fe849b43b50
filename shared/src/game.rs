//! The game's messages: names of the Socket.IO events, the JSON shapes of the rare ones, and the
//! binary (bincode, see `codec`) shapes of the frequent ones. docs/PROTOCOL.md describes the same
//! thing for people writing clients in other languages.

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// Bumped whenever a message below changes shape. Sent in the join answer.
pub const PROTOCOL_VERSION: u32 = 2;

/// Socket.IO namespaces.
pub mod namespaces {
    /// Listing, creating and finding rooms.
    pub const LOBBY: &str = "/lobby";
    /// Playing or watching in a room.
    pub const PLAY: &str = "/play";
    /// Watching a replay (docs/REPLAYS.md, "Watching"): frames and boards as a spectator's.
    pub const REPLAY: &str = "/replay";
}

/// Event names.
pub mod events {
    // lobby, client -> server, all answered through the ack
    pub const ROOMS: &str = "rooms";
    pub const CREATE: &str = "create";
    pub const QUICKPLAY: &str = "quickplay";
    /// Server to lobby sockets: a public room opened, changed, or closed (`RoomsChangedNotice`).
    pub const ROOMS_CHANGED: &str = "rooms-changed";
    // play, client -> server
    pub const JOIN: &str = "join";
    pub const INPUT: &str = "input";
    pub const SPLIT: &str = "split";
    pub const EJECT: &str = "eject";
    pub const RESPAWN: &str = "respawn";
    pub const SPECTATE: &str = "spectate";
    pub const LEAVE: &str = "leave";
    /// Client to server: the screen's shape changed (`{ "aspect": width / height }`).
    pub const VIEW: &str = "view";
    /// Both ways: a player's line of text (client to server: one string), and the room's chat
    /// (server to everyone in the room: `ChatLine`).
    pub const CHAT: &str = "chat";
    // play, server -> client
    pub const FRAME: &str = "frame";
    pub const BOARD: &str = "board";
    pub const DIED: &str = "died";
    pub const ROOM_CLOSED: &str = "room-closed";
    pub const SERVER_SHUTDOWN: &str = "server-shutdown";
    // replay, client -> server, answered through the ack
    /// Open a replay (`{ "id", "tick"?, "speed"?, "paused"? }`).
    pub const WATCH: &str = "watch";
    /// Play, pause, speed, seek or follow (`{ "action", "value"? }`).
    pub const REPLAY_CONTROL: &str = "replay_control";
    // replay, server -> client
    /// Where the playback is: `{ "tick", "total_ticks", "speed", "playing" }`.
    pub const REPLAY_STATE: &str = "replay_state";
}

/// What kind of thing a cell is, on the wire.
pub mod kind {
    pub const PLAYER: u8 = 0;
    pub const FOOD: u8 = 1;
    pub const EJECTED: u8 = 2;
    pub const VIRUS: u8 = 3;
}

/// The `kind` byte as a type: both directions of the mapping live here, so a host and a client
/// cannot disagree about a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CellKindCode {
    Player = kind::PLAYER,
    Food = kind::FOOD,
    Ejected = kind::EJECTED,
    Virus = kind::VIRUS,
}

impl CellKindCode {
    /// The byte sent in `CellEntered::kind`.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The kind a received byte names; `None` for a code this build does not know.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            kind::PLAYER => Some(Self::Player),
            kind::FOOD => Some(Self::Food),
            kind::EJECTED => Some(Self::Ejected),
            kind::VIRUS => Some(Self::Virus),
            _ => None,
        }
    }
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

/// How the view moved since the last frame the client received (the first frame's is from an
/// all-zero view): a camera that drifts a few units costs a byte per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Encode, Decode)]
pub struct ViewDelta {
    pub dx: i32,
    pub dy: i32,
    pub dhalf_width: i32,
    pub dhalf_height: i32,
}

impl ViewDelta {
    /// The change that takes `from` to `to`.
    pub fn between(from: View, to: View) -> Self {
        Self {
            dx: to.x.wrapping_sub(from.x),
            dy: to.y.wrapping_sub(from.y),
            dhalf_width: to.half_width.wrapping_sub(from.half_width) as i32,
            dhalf_height: to.half_height.wrapping_sub(from.half_height) as i32,
        }
    }

    /// `view` moved by this delta.
    pub fn applied_to(self, view: View) -> View {
        View {
            x: view.x.wrapping_add(self.dx),
            y: view.y.wrapping_add(self.dy),
            half_width: view.half_width.wrapping_add_signed(self.dhalf_width),
            half_height: view.half_height.wrapping_add_signed(self.dhalf_height),
        }
    }
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
///
/// Cell ids in a frame are the client's own handles: small numbers the server gives a cell when
/// it enters this client's view and takes back when it leaves (and may reuse for another cell
/// after that), so most ids cost one byte.
#[derive(Debug, Clone, PartialEq, Default, Encode, Decode)]
pub struct Frame {
    pub tick: u32,
    pub view: ViewDelta,
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

/// One team on the board (teams mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct TeamShare {
    /// Numbered from 1.
    pub team: u32,
    /// 0xRRGGBB: the colour every cell of the team wears.
    pub color: u32,
    /// The team's players' mass, summed; its share is this over all teams' mass.
    pub mass: u32,
    pub players: u32,
}

/// `RoundState::phase` on the wire.
pub mod round_phase {
    /// Not a last-man-standing room.
    pub const NONE: u8 = 0;
    /// A round is on: the dead spectate until the next one.
    pub const PLAYING: u8 = 1;
    /// Between rounds: the winner is shown.
    pub const BREAK: u8 = 2;
}

/// The last-man-standing round (all zeros and empty in other modes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode, Serialize, Deserialize)]
pub struct RoundState {
    pub phase: u8,
    /// The round's number (1 = the first), or the one just over during a break.
    pub number: u32,
    /// Seconds until the round's time limit, or until the next round during a break.
    pub seconds_left: u32,
    /// The last round's winner, 0 for none yet.
    pub winner: u32,
    pub winner_name: String,
}

/// The room's top players (binary event `board`), sent to the whole room a few times a second.
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode, Serialize, Deserialize)]
pub struct Board {
    pub tick: u32,
    pub entries: Vec<BoardEntry>,
    /// How many players are alive in the room.
    pub alive: u32,
    /// Teams mode: every team in team order; empty in other modes.
    pub teams: Vec<TeamShare>,
    /// Last man standing: the round.
    pub round: RoundState,
}

/// `died` (JSON): who ended the client's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Died {
    pub killer: Option<String>,
    pub killer_id: Option<u32>,
    pub final_mass: f32,
}

/// `chat` (JSON, server to everyone in a room, players and spectators): one line of the room's
/// chat, already cleaned by the server (plain text: show it as text, never as markup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLine {
    /// The sender's player id; absent for a spectator.
    pub player: Option<u32>,
    pub name: String,
    /// 0xRRGGBB: the sender's cell colour (a spectator's is grey).
    pub color: u32,
    pub text: String,
}

/// `join` (JSON, play namespace): enter a room as a player or a spectator, or take back a
/// player after a dropped connection.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct JoinRequest {
    pub room: String,
    pub name: String,
    /// `#rrggbb`; a colour is picked when absent or malformed.
    pub color: Option<String>,
    /// The private room's code.
    pub code: Option<String>,
    /// Join as a spectator.
    pub spectate: bool,
    /// As a spectator: the player id to follow (the top player when absent).
    pub follow: Option<u32>,
    /// A reconnect token from an earlier join: within the reconnect window it gives the same
    /// player, cells and all, back.
    pub token: Option<String>,
    /// The screen's shape, width / height: the view is given this shape at the same area as
    /// everyone's (within the server's bounds). Absent: the classic 16:9-ish shape.
    pub aspect: Option<f64>,
}

/// The map a room plays on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorldInfo {
    pub width: f32,
    pub height: f32,
    pub tick_rate: u32,
}

/// One room in the lobby's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomSummary {
    pub id: String,
    pub name: String,
    pub mode: String,
    /// People playing (not bots, not spectators).
    pub players: u32,
    pub bots: u32,
    pub spectators: u32,
    pub capacity: u32,
    pub private: bool,
    /// In a cluster: the base URL of the node that hosts the room (a browser goes there to join
    /// it). Absent from a single server, where every room is on the server that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The join's ack when it worked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    pub ok: bool,
    pub protocol: u32,
    /// The player id (absent for spectators).
    pub player: Option<u32>,
    /// Keep it: rejoin with it after a dropped connection to get the same player back.
    pub token: Option<String>,
    /// Whether this join took back an existing player.
    pub resumed: bool,
    pub room: RoomSummary,
    pub world: WorldInfo,
}

pub use crate::refusal::{Refusal, RefusalCode};

/// `create` (JSON, lobby namespace): a new room with these settings; absent fields take the
/// server's defaults.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateRoom {
    pub name: Option<String>,
    /// Map width and height, in map units.
    pub map_size: Option<f32>,
    /// People who may play at once.
    pub capacity: Option<u32>,
    /// Bots keep the room at this many players until people take their places.
    pub bots: Option<u32>,
    pub tick_rate: Option<u32>,
    /// Unlisted, joined with the code in the answer.
    pub private: bool,
    /// `ffa` (the default), `teams` or `lms`.
    pub mode: Option<String>,
}

/// Why a public room appears in a `rooms-changed` notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomChange {
    Opened,
    /// Its player count or fullness changed.
    Updated,
    Closed,
}

/// `rooms-changed` (JSON, lobby namespace, server to client): a public room somewhere in the
/// cluster (or on this server) changed. A hint, not a state: ask for `rooms` again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomsChangedNotice {
    pub room: String,
    pub change: RoomChange,
}

/// The answer to `create` and `quickplay`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomCreated {
    pub ok: bool,
    pub room: RoomSummary,
    /// The private room's code, only for the one who created it.
    pub code: Option<String>,
}
