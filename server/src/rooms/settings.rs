//! What a room is set up with, and the limits a host puts on every room. Each limit is a named
//! setting with a documented default (README's configuration table lists them too).

use crate::sim::SimConfig;

/// One room's own settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomSettings {
    pub name: String,
    /// People who may play at once (spectators are counted separately).
    pub capacity: u32,
    /// Bots keep the room at this many players; each person who joins takes a bot's place.
    pub bot_fill: u32,
    /// The arena's rules, including the map size, the tick rate and the game mode (`sim.mode`).
    pub sim: SimConfig,
    /// A private room is unlisted and needs this code to join.
    pub private_code: Option<String>,
    /// A persistent room never closes for being empty (the default public room).
    pub persistent: bool,
}

impl RoomSettings {
    /// The classic public room: the embedded preset, kept lively by bots.
    pub fn default_public(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            capacity: 50,
            bot_fill: 30,
            sim: SimConfig::classic(),
            private_code: None,
            persistent: true,
        }
    }
}

/// Limits that apply to every room of a server.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostLimits {
    /// Rooms open at once, the persistent one included.
    pub max_rooms: usize,
    /// The most people a room may be created for.
    pub max_capacity: u32,
    /// Spectators per room.
    pub max_spectators: u32,
    /// Bots a created room may ask for.
    pub max_bots: u32,
    /// Map width/height a created room may ask for, in map units.
    pub min_map_size: f32,
    pub max_map_size: f32,
    /// Tick rates a created room may ask for.
    pub min_tick_rate: u32,
    pub max_tick_rate: u32,
    /// Steering inputs a client may send per second (more are dropped and counted), and the burst
    /// allowed above that rate.
    pub input_rate: f32,
    pub input_burst: f32,
    /// Split / eject / respawn actions per second, and their burst.
    pub action_rate: f32,
    pub action_burst: f32,
    /// How long a dropped player's cells wait for it to come back with its token.
    pub reconnect_window_secs: f32,
    /// How long an empty, non-persistent room stays open.
    pub empty_room_timeout_secs: f32,
    /// Commands (joins, inputs) queued for a room between two ticks; beyond it they are refused.
    pub command_queue_depth: usize,
    /// The leaderboard goes out every this many ticks (5 at 25 Hz: five times a second).
    pub board_interval_ticks: u32,
    /// Characters kept of a player's name.
    pub max_name_chars: usize,
    /// Characters kept of a chat line (longer ones are cut and counted as sanitised).
    pub chat_max_chars: usize,
    /// Chat lines a client may send per second, and the burst allowed above that rate; more are
    /// refused as a flood and counted.
    pub chat_rate: f32,
    pub chat_burst: f32,
    /// The same line again from the same client within this many seconds is refused as spam.
    pub chat_repeat_secs: f32,
}

impl Default for HostLimits {
    fn default() -> Self {
        Self {
            max_rooms: 64,
            max_capacity: 200,
            max_spectators: 100,
            max_bots: 500,
            min_map_size: 2_000.0,
            max_map_size: 60_000.0,
            min_tick_rate: 10,
            max_tick_rate: 60,
            input_rate: 60.0,
            input_burst: 30.0,
            action_rate: 20.0,
            action_burst: 10.0,
            reconnect_window_secs: 10.0,
            empty_room_timeout_secs: 60.0,
            command_queue_depth: 4096,
            board_interval_ticks: 5,
            max_name_chars: 16,
            chat_max_chars: 200,
            chat_rate: 1.0,
            chat_burst: 5.0,
            chat_repeat_secs: 10.0,
        }
    }
}
