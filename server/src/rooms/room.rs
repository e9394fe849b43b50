//! One game room: an arena, the people and bots in it, and the clients watching it.
//!
//! `Room` is a plain state machine: `handle` applies a command, `tick` advances the arena one
//! step and sends every client its frame. It owns no thread and reads no clock (its timeouts are
//! counted in ticks), so tests drive it directly; `runner` gives it a thread and a fixed rate.
//! It is the conductor of three parts, each in its own file: the `Roster` (who is in the room and
//! who may join), the `BotFill` (bots that keep it lively) and the `Publisher` (frames, the board).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use petri_shared::game::{self, JoinRequest, Joined, Refusal, RoomSummary, WorldInfo};
use tracing::{debug, warn};

use super::bot_fill::BotFill;
use super::command::{ClientId, JoinReply, RoomCommand};
use super::identity::{clean_name, parse_color};
use super::link::ClientLink;
use super::publish::{self, Publisher, TickOutcome};
use super::recording::RoomRecording;
use super::roster::{Admission, Client, Roster};
use super::settings::{HostLimits, RoomSettings};
use super::status::{Reject, RoomStatus};
use super::view::{ClientView, Watching};
use crate::replay::ReplayDir;
use crate::sim::bots::palette_color;
use crate::sim::{Arena, ConfigError, PlayerId};

/// Coordinates beyond this are not a mistake but an attack or a bug: refused, not clamped.
const ABSURD_COORDINATE: f64 = 1.0e7;

mod inputs;

/// The size of every collection a room keeps per player or per client. Each is bounded by the
/// players and clients present now: leaving, dropping (then the reconnect window) and the bot
/// fill shrink them (issue 17); tests compare them before and after churn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionSizes {
    pub clients: usize,
    pub people: usize,
    pub tokens: usize,
    pub bots: usize,
    /// Rebuilt from the leaderboard: the living players at its last refresh.
    pub ranks: usize,
    /// Players in the arena, people and bots.
    pub arena_players: usize,
    /// The most players any client's view still knows by name.
    pub max_known_players: usize,
}

pub struct Room {
    id: String,
    settings: RoomSettings,
    limits: HostLimits,
    arena: Arena,
    roster: Roster,
    bots: BotFill,
    publisher: Publisher,
    empty_ticks: u64,
    /// Scratch lists for the tick's housekeeping, kept so a tick allocates nothing.
    scratch_clients: Vec<ClientId>,
    scratch_players: Vec<PlayerId>,
    status: Arc<RoomStatus>,
    /// The room's replay, when the server records rooms (`[replays] dir`).
    recording: Option<RoomRecording>,
    #[cfg(feature = "fault-injection")]
    panic_next_tick: bool,
}

impl Room {
    pub fn new(
        id: String,
        settings: RoomSettings,
        limits: HostLimits,
        seed: u64,
    ) -> Result<Self, ConfigError> {
        Self::recorded(id, settings, limits, seed, None)
    }

    /// A room that records its session into `replays` (if given) from its first command on.
    pub fn recorded(
        id: String,
        settings: RoomSettings,
        limits: HostLimits,
        seed: u64,
        replays: Option<Arc<ReplayDir>>,
    ) -> Result<Self, ConfigError> {
        let mut arena = Arena::new(settings.sim.clone(), seed)?;
        let recording = replays.and_then(|dir| {
            RoomRecording::start(dir, &id, &settings.name, seed, &mut arena)
                .inspect_err(
                    |error| warn!(room = %id, %error, "could not start recording the room"),
                )
                .ok()
        });
        let mut room = Self {
            id,
            settings,
            limits,
            arena,
            roster: Roster::default(),
            bots: BotFill::default(),
            publisher: Publisher::default(),
            empty_ticks: 0,
            scratch_clients: Vec::new(),
            scratch_players: Vec::new(),
            status: Arc::new(RoomStatus::default()),
            recording,
            #[cfg(feature = "fault-injection")]
            panic_next_tick: false,
        };
        room.balance_bots();
        room.publish_counts();
        Ok(room)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn settings(&self) -> &RoomSettings {
        &self.settings
    }

    pub fn status(&self) -> Arc<RoomStatus> {
        Arc::clone(&self.status)
    }

    /// The arena, for tests and tools.
    pub fn arena(&self) -> &Arena {
        &self.arena
    }

    /// The arena to change by hand (tests: placing cells where a scenario needs them).
    pub fn arena_mut(&mut self) -> &mut Arena {
        &mut self.arena
    }

    pub fn summary(&self) -> RoomSummary {
        self.status.summary(&self.id, &self.settings)
    }

    /// The client's view state (tests: what the server believes the client has).
    pub fn client_view(&self, client: ClientId) -> Option<&ClientView> {
        self.roster.client(client).map(|c| &c.view)
    }

    /// How much the room holds per player and per client (tests: every entry is cleaned up).
    pub fn collection_sizes(&mut self) -> CollectionSizes {
        let roster = self.roster.sizes();
        CollectionSizes {
            clients: roster.clients,
            people: roster.people,
            tokens: roster.tokens,
            bots: self.bots.count() as usize,
            ranks: self.publisher.ranked(),
            arena_players: self.arena.players().len(),
            max_known_players: roster.max_known_players,
        }
    }

    pub fn handle(&mut self, command: RoomCommand) {
        match command {
            RoomCommand::Join {
                client,
                link,
                request,
                reply,
            } => self.join(client, link, *request, reply),
            RoomCommand::Target { client, x, y } => self.target(client, x, y),
            RoomCommand::Split { client } => self.action(client, |arena, id| arena.split(id)),
            RoomCommand::Eject { client } => self.action(client, |arena, id| arena.eject(id)),
            RoomCommand::Respawn { client } => self.respawn(client),
            RoomCommand::Spectate { client, follow } => self.spectate(client, follow),
            RoomCommand::ViewShape { client, aspect } => self.view_shape(client, Some(aspect)),
            RoomCommand::Chat {
                client,
                text,
                relay,
            } => self.chat(client, &text, relay),
            RoomCommand::Leave { client } => self.leave(client),
            RoomCommand::Disconnected { client } => {
                self.roster.disconnected(client, self.arena.tick());
            }
            #[cfg(feature = "fault-injection")]
            RoomCommand::InjectPanic => self.panic_next_tick = true,
        }
        self.publish_counts();
    }

    fn join(
        &mut self,
        client: ClientId,
        link: Arc<dyn ClientLink>,
        request: JoinRequest,
        reply: JoinReply,
    ) {
        let admission = self
            .roster
            .admit(client, &request, &self.settings, &self.limits);
        let tick_rate = self.arena.config().tick_rate;
        let limits = self.limits.clone();
        let name = clean_name(&request.name, limits.max_name_chars);
        let seat = |watching, player| Client::new(link, watching, player, &limits, tick_rate, name);
        let joined = match admission {
            Err(refusal) => return self.refuse(reply, refusal),
            Ok(Admission::Resume { player, token }) => {
                let client_state = seat(Watching::Player(player), Some(player));
                self.roster.resume(client, player, client_state);
                self.joined(Some(player), Some(token), true)
            }
            Ok(Admission::Spectate) => {
                let client_state = seat(Watching::Spectator(request.follow.map(PlayerId)), None);
                self.roster.seat_spectator(client, client_state);
                self.joined(None, None, false)
            }
            Ok(Admission::Play { token }) => {
                let player = self.spawn_person(&request);
                let client_state = seat(Watching::Player(player), Some(player));
                self.roster
                    .seat_player(client, player, token.clone(), client_state);
                self.balance_bots();
                self.joined(Some(player), Some(token), false)
            }
        };
        self.view_shape(client, request.aspect);
        reply(Ok(joined));
    }

    fn refuse(&self, reply: JoinReply, refusal: Refusal) {
        self.status.rejected.bump(Reject::JoinRefused);
        debug!(room = %self.id, code = %refusal.code, message = %refusal.message, "join refused");
        reply(Err(refusal));
    }

    /// A new person's player, named and coloured from its request, alive in the arena.
    fn spawn_person(&mut self, request: &JoinRequest) -> PlayerId {
        let name = clean_name(&request.name, self.limits.max_name_chars);
        let color = request
            .color
            .as_deref()
            .and_then(parse_color)
            .unwrap_or_else(|| palette_color(self.roster.people() + self.bots.made()));
        let player = self.arena.add_player(&name, color, None);
        self.arena.respawn(player);
        player
    }

    fn joined(&self, player: Option<PlayerId>, token: Option<String>, resumed: bool) -> Joined {
        // the answer's summary counts the one who just joined
        self.publish_counts();
        let c = self.arena.config();
        Joined {
            ok: true,
            protocol: game::PROTOCOL_VERSION,
            player: player.map(|p| p.0),
            token,
            resumed,
            room: self.summary(),
            world: WorldInfo {
                width: c.border_width,
                height: c.border_height,
                tick_rate: c.tick_rate,
            },
        }
    }

    fn leave(&mut self, client: ClientId) {
        if let Some(player) = self.roster.leave(client) {
            self.arena.remove_player(player);
            self.balance_bots();
        }
    }

    fn balance_bots(&mut self) {
        let wanted = self.settings.bot_fill.saturating_sub(self.roster.people());
        self.bots.balance(&mut self.arena, wanted as usize);
    }

    fn publish_counts(&self) {
        publish::publish_counts(&self.status, &self.roster, self.bots.count());
    }

    fn ticks_for(&self, seconds: f32) -> u64 {
        (seconds * self.arena.config().tick_rate as f32).round() as u64
    }

    /// Advances the arena one step and sends every client its frame (and the leaderboard when due).
    pub fn tick(&mut self) -> TickOutcome {
        let tick = self.arena.tick();
        self.roster
            .forget_closed_links(tick, &mut self.scratch_clients);
        #[cfg(feature = "fault-injection")]
        if self.panic_next_tick {
            panic!("injected fault: room {} panics in its tick", self.id);
        }
        for (_, client) in self.roster.clients_mut() {
            client.inputs.refill(1.0);
            client.actions.refill(1.0);
            client.chat.refill();
        }
        self.record(RoomRecording::before_step);
        self.arena.step();
        self.record(RoomRecording::after_step);
        let tick = self.arena.tick();
        publish::notify_deaths(&self.roster, &self.arena);
        self.expire_dropped_players(tick);
        self.publisher.update_ranks(&self.arena);
        let mut outcome =
            self.publisher
                .send_frames(&mut self.roster, &self.arena, &self.status, &self.id);
        for client in self.publisher.closed() {
            self.roster.disconnected(client, tick);
        }
        if tick.is_multiple_of(u64::from(self.limits.board_interval_ticks.max(1))) {
            self.publisher
                .send_board(&self.roster, &self.arena, &self.id);
        }
        outcome.should_close = self.empty_for_long();
        self.status.ticks.store(tick, Ordering::Relaxed);
        self.publish_counts();
        outcome
    }

    /// One step of the recording, if any; a recording that fails stops, the room plays on.
    fn record(&mut self, step: fn(&mut RoomRecording, &mut Arena) -> std::io::Result<()>) {
        if let Some(recording) = &mut self.recording
            && let Err(error) = step(recording, &mut self.arena)
        {
            warn!(room = %self.id, %error, "recording failed; the room plays on unrecorded");
            self.recording = None;
            self.arena.keep_journal(false);
        }
    }

    fn expire_dropped_players(&mut self, tick: u64) {
        let window = self.ticks_for(self.limits.reconnect_window_secs);
        self.roster.expire(tick, window, &mut self.scratch_players);
        for i in 0..self.scratch_players.len() {
            let player = self.scratch_players[i];
            debug!(room = %self.id, player = player.0, "reconnect window over");
            self.arena.remove_player(player);
            self.balance_bots();
        }
    }

    /// Counts empty ticks; a room that is not persistent closes once empty past its timeout.
    fn empty_for_long(&mut self) -> bool {
        if self.roster.is_empty() {
            self.empty_ticks += 1;
        } else {
            self.empty_ticks = 0;
        }
        !self.settings.persistent
            && self.empty_ticks >= self.ticks_for(self.limits.empty_room_timeout_secs)
    }

    /// Tells every client the room is closing (`reason` says why) and forgets them.
    pub fn close(&mut self, event: &'static str, reason: &str) {
        for client in self.roster.clients() {
            client
                .link
                .send_event(event, serde_json::json!({ "reason": reason }));
        }
        self.roster.clear_clients();
        self.status.closed.store(true, Ordering::Relaxed);
        if let Some(recording) = self.recording.take() {
            recording.finish(&mut self.arena);
        }
    }
}
