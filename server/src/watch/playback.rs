//! One playback: a replay's arena at some tick, moving at some speed, and the viewers watching
//! it as spectators watch a room.
//!
//! The viewers are a room's spectators in all but name: a `Roster` of spectator `Client`s, each
//! with its own `ClientView` (it follows its own player, or the leader), and the room's
//! `Publisher`, so a viewer receives the very frames and boards a spectator of a live room gets
//! and the web client's spectator code plays a replay unchanged. What a viewer sends never
//! reaches a live room: the arena here is the playback's own, fed only from the script.

use std::sync::Arc;

use serde::Serialize;

use super::script::{Position, Script};
use crate::rooms::ClientId;
use crate::rooms::publish::Publisher;
use crate::rooms::roster::{Client, Roster};
use crate::rooms::status::RoomStatus;
use crate::rooms::view::Watching;

/// The slowest and fastest speeds a viewer may ask for.
pub const MIN_SPEED: f64 = 0.25;
pub const MAX_SPEED: f64 = 16.0;
/// Steps one frame may take at most, so a stalled thread catches up by skipping, not racing.
const MAX_STEPS_PER_FRAME: f64 = 64.0;

/// What a viewer is told of its playback (`replay_state`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ReplayState {
    pub tick: u64,
    pub total_ticks: u64,
    pub speed: f64,
    pub playing: bool,
}

pub struct Playback {
    pub replay: String,
    script: Arc<Script>,
    position: Position,
    speed: f64,
    playing: bool,
    /// Ticks owed to the clock and not yet stepped (below one).
    owed: f64,
    viewers: Roster,
    publisher: Publisher,
    /// The publisher's counters (a playback publishes them nowhere).
    status: RoomStatus,
}

impl Playback {
    pub fn new(
        replay: String,
        script: Arc<Script>,
        position: Position,
        speed: f64,
        playing: bool,
    ) -> Self {
        Self {
            replay,
            script,
            position,
            speed,
            playing,
            owed: 0.0,
            viewers: Roster::default(),
            publisher: Publisher::default(),
            status: RoomStatus::default(),
        }
    }

    pub fn script(&self) -> &Arc<Script> {
        &self.script
    }

    pub fn state(&self) -> ReplayState {
        ReplayState {
            tick: self.position.arena.tick(),
            total_ticks: self.script.total_ticks(),
            speed: self.speed,
            playing: self.playing,
        }
    }

    /// Whether a viewer wanting `state` of `replay` can watch this playback.
    pub fn is_at(&self, replay: &str, state: ReplayState) -> bool {
        self.replay == replay && self.state() == state
    }

    pub fn viewers(&self) -> u32 {
        self.viewers.spectators()
    }

    pub fn has(&self, viewer: ClientId) -> bool {
        self.viewers.client(viewer).is_some()
    }

    pub fn seat(&mut self, viewer: ClientId, client: Client) {
        self.viewers.seat_spectator(viewer, client);
    }

    pub fn unseat(&mut self, viewer: ClientId) -> Option<Client> {
        self.viewers.take(viewer)
    }

    /// Moves every viewer of `other` here (the two stand at the same state).
    pub fn absorb(&mut self, other: &mut Playback) {
        for (viewer, client) in other.viewers.drain() {
            self.viewers.seat_spectator(viewer, client);
        }
    }

    /// Changes speed and play/pause in place (a playback with one viewer).
    pub fn set(&mut self, speed: f64, playing: bool) {
        self.speed = speed;
        self.playing = playing;
        self.owed = 0.0;
    }

    pub fn follow(&mut self, viewer: ClientId, player: Option<u32>) {
        if let Some(client) = self.viewers.client_mut(viewer) {
            client.watching = Watching::Spectator(player.map(crate::sim::PlayerId));
        }
    }

    /// Moves the arena on by `seconds` of the clock at this playback's speed. At the end it
    /// pauses there. Returns whether the arena moved.
    pub fn advance(&mut self, seconds: f64) -> bool {
        if !self.playing {
            return false;
        }
        self.owed += seconds * self.speed * f64::from(self.script.tick_rate());
        self.owed = self.owed.min(MAX_STEPS_PER_FRAME);
        let mut moved = false;
        while self.owed >= 1.0 {
            self.owed -= 1.0;
            if !self.script.step(&mut self.position) {
                self.playing = false;
                self.owed = 0.0;
                break;
            }
            moved = true;
        }
        moved
    }

    /// Sends every viewer its frame, and the leaderboard as it stood when `board` is set.
    pub fn send(&mut self, board: bool) {
        let arena = &self.position.arena;
        self.publisher.update_ranks(arena);
        self.publisher
            .send_frames(&mut self.viewers, arena, &self.status, &self.replay);
        let closed: Vec<ClientId> = self.publisher.closed().collect();
        for viewer in closed {
            self.viewers.take(viewer);
        }
        if board {
            self.publisher
                .send_board(&self.viewers, arena, &self.replay);
        }
    }

    /// Tells every viewer where the playback is.
    pub fn send_state(&self) {
        let Ok(state) = serde_json::to_value(self.state()) else {
            return;
        };
        for client in self.viewers.clients() {
            client
                .link
                .send_event(petri_shared::game::events::REPLAY_STATE, state.clone());
        }
    }
}
