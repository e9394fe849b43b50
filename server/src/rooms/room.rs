//! One game room: an arena, the people and bots in it, and the clients watching it.
//!
//! `Room` is a plain state machine: `handle` applies a command, `tick` advances the arena one
//! step and sends every client its frame. It owns no thread and reads no clock (its timeouts are
//! counted in ticks), so tests drive it directly; `runner` gives it a thread and a fixed rate.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::{BufMut, Bytes, BytesMut};
use glam::Vec2;
use petri_shared::codec;
use petri_shared::game::{
    self, Board, BoardEntry, Died, JoinRequest, Joined, Refusal, RoomSummary, WorldInfo,
};
use tracing::{debug, warn};

use super::command::{ClientId, JoinReply, RoomCommand};
use super::identity::{clean_name, parse_color, pick_color};
use super::link::{ClientLink, Delivery};
use super::rate_limit::TokenBucket;
use super::settings::{HostLimits, RoomSettings};
use super::status::{RejectCounts, RoomStatus};
use super::tokens::new_token;
use super::view::{ClientView, Watching};
use crate::sim::{Arena, ConfigError, PlayerId, Strategy};

/// Coordinates beyond this are not a mistake but an attack or a bug: refused, not clamped.
const ABSURD_COORDINATE: f64 = 1.0e7;

struct Client {
    link: Arc<dyn ClientLink>,
    watching: Watching,
    /// The player this client controls, if it plays (it may be dead and spectating).
    player: Option<PlayerId>,
    view: ClientView,
    buffer: BytesMut,
    inputs: TokenBucket,
    actions: TokenBucket,
}

struct Person {
    client: Option<ClientId>,
    token: String,
    disconnected_tick: Option<u64>,
}

/// The size of every collection a room keeps per player or per client. Each is bounded by the
/// players and clients present now: `leave`, `disconnected` + the reconnect window, and
/// `balance_bots` shrink them (issue 17); tests compare them before and after churn.
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

/// What a tick did, for the runner and its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickOutcome {
    pub frames_sent: u32,
    pub frames_skipped: u32,
    /// The room has been empty past its timeout and should close.
    pub should_close: bool,
}

pub struct Room {
    id: String,
    settings: RoomSettings,
    limits: HostLimits,
    arena: Arena,
    clients: HashMap<ClientId, Client>,
    people: HashMap<PlayerId, Person>,
    tokens: HashMap<String, PlayerId>,
    bots: Vec<PlayerId>,
    bots_made: u32,
    ranks: HashMap<PlayerId, u32>,
    board: Board,
    board_buffer: BytesMut,
    empty_ticks: u64,
    /// Clients found gone while sending, forgotten after the loop.
    closed_links: Vec<ClientId>,
    status: Arc<RoomStatus>,
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
        let arena = Arena::new(settings.sim.clone(), seed)?;
        let mut room = Self {
            id,
            settings,
            limits,
            arena,
            clients: HashMap::new(),
            people: HashMap::new(),
            tokens: HashMap::new(),
            bots: Vec::new(),
            bots_made: 0,
            ranks: HashMap::new(),
            board: Board::default(),
            board_buffer: BytesMut::new(),
            empty_ticks: 0,
            closed_links: Vec::new(),
            status: Arc::new(RoomStatus::default()),
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

    pub fn collection_sizes(&mut self) -> CollectionSizes {
        CollectionSizes {
            clients: self.clients.len(),
            people: self.people.len(),
            tokens: self.tokens.len(),
            bots: self.bots.len(),
            ranks: self.ranks.len(),
            arena_players: self.arena.players().len(),
            max_known_players: (self.clients.values())
                .map(|c| c.view.sent().players.len())
                .max()
                .unwrap_or(0),
        }
    }

    /// The arena, for tests and tools.
    pub fn arena(&self) -> &Arena {
        &self.arena
    }

    pub fn arena_mut(&mut self) -> &mut Arena {
        &mut self.arena
    }

    pub fn summary(&self) -> RoomSummary {
        RoomSummary {
            id: self.id.clone(),
            name: self.settings.name.clone(),
            mode: self.settings.mode.clone(),
            players: self.people.len() as u32,
            bots: self.bots.len() as u32,
            spectators: self.spectator_count(),
            capacity: self.settings.capacity,
            private: self.settings.private_code.is_some(),
        }
    }

    fn world_info(&self) -> WorldInfo {
        let c = self.arena.config();
        WorldInfo {
            width: c.border_width,
            height: c.border_height,
            tick_rate: c.tick_rate,
        }
    }

    fn spectator_count(&self) -> u32 {
        self.clients.values().filter(|c| c.player.is_none()).count() as u32
    }

    fn ticks_for(&self, seconds: f32) -> u64 {
        (seconds * self.arena.config().tick_rate as f32).round() as u64
    }

    /// The player a client controls, counting a refusal when it has none.
    fn player_of(&self, client: ClientId) -> Option<PlayerId> {
        let player = self.clients.get(&client).and_then(|c| c.player);
        if player.is_none() {
            RejectCounts::count(&self.status.rejected.not_playing);
        }
        player
    }

    pub fn handle(&mut self, command: RoomCommand) {
        match command {
            RoomCommand::Join {
                client,
                link,
                request,
                reply,
            } => self.join(client, link, request, reply),
            RoomCommand::Target { client, x, y } => self.target(client, x, y),
            RoomCommand::Split { client } => self.action(client, |arena, id| arena.split(id)),
            RoomCommand::Eject { client } => self.action(client, |arena, id| arena.eject(id)),
            RoomCommand::Respawn { client } => {
                self.action(client, |arena, id| arena.respawn(id));
                if let Some(c) = self.clients.get_mut(&client)
                    && let Some(player) = c.player
                {
                    c.watching = Watching::Player(player);
                }
            }
            RoomCommand::Spectate { client, follow } => {
                if let Some(c) = self.clients.get_mut(&client) {
                    let dead = c.player.is_none_or(|p| self.arena.is_dead(p));
                    if dead {
                        c.watching = Watching::Spectator(follow.map(PlayerId));
                    }
                }
            }
            RoomCommand::Leave { client } => self.leave(client),
            RoomCommand::Disconnected { client } => self.disconnected(client),
            #[cfg(feature = "fault-injection")]
            RoomCommand::InjectPanic => self.panic_next_tick = true,
        }
        self.publish_counts();
    }

    fn refuse(&self, reply: JoinReply, code: &str, message: String) {
        RejectCounts::count(&self.status.rejected.join_refused);
        debug!(room = %self.id, code, %message, "join refused");
        reply(Err(Refusal::new(code, message)));
    }

    fn join(
        &mut self,
        client: ClientId,
        link: Arc<dyn ClientLink>,
        request: JoinRequest,
        reply: JoinReply,
    ) {
        if self.clients.contains_key(&client) {
            return self.refuse(
                reply,
                "already-joined",
                "this connection is already in the room".into(),
            );
        }
        if let Some(code) = &self.settings.private_code
            && request.code.as_deref() != Some(code.as_str())
        {
            return self.refuse(
                reply,
                "wrong-code",
                "this private room needs its invitation code".into(),
            );
        }
        let tick_rate = self.arena.config().tick_rate;
        let new_client = |watching, player| Client {
            link,
            watching,
            player,
            view: ClientView::new(),
            buffer: BytesMut::new(),
            inputs: TokenBucket::new(self.limits.input_rate, self.limits.input_burst, tick_rate),
            actions: TokenBucket::new(self.limits.action_rate, self.limits.action_burst, tick_rate),
        };

        // a dropped player coming back with its token
        if let Some(token) = &request.token
            && let Some(&player) = self.tokens.get(token)
            && let Some(person) = self.people.get_mut(&player)
        {
            if let Some(old) = person.client.replace(client) {
                // the same player from a newer connection: the old one stops controlling it
                self.clients.remove(&old);
            }
            person.disconnected_tick = None;
            let client_state = new_client(Watching::Player(player), Some(player));
            self.clients.insert(client, client_state);
            return reply(Ok(self.joined(Some(player), Some(token.clone()), true)));
        }

        if request.spectate {
            if self.spectator_count() >= self.limits.max_spectators {
                let max = self.limits.max_spectators;
                return self.refuse(
                    reply,
                    "full",
                    format!("the room has its maximum of {max} spectators"),
                );
            }
            let watching = Watching::Spectator(request.follow.map(PlayerId));
            self.clients.insert(client, new_client(watching, None));
            return reply(Ok(self.joined(None, None, false)));
        }

        if self.people.len() as u32 >= self.settings.capacity {
            let capacity = self.settings.capacity;
            return self.refuse(
                reply,
                "full",
                format!("the room is full ({capacity} players)"),
            );
        }
        let token = match new_token() {
            Ok(token) => token,
            Err(error) => {
                warn!(room = %self.id, %error, "no randomness for a reconnect token");
                return self.refuse(
                    reply,
                    "internal",
                    "the server could not make a reconnect token".into(),
                );
            }
        };
        let name = clean_name(&request.name, self.limits.max_name_chars);
        let color = request
            .color
            .as_deref()
            .and_then(parse_color)
            .unwrap_or_else(|| pick_color(self.people.len() as u32 + self.bots_made));
        let player = self.arena.add_player(&name, color, None);
        self.arena.respawn(player);
        self.people.insert(
            player,
            Person {
                client: Some(client),
                token: token.clone(),
                disconnected_tick: None,
            },
        );
        self.tokens.insert(token.clone(), player);
        self.clients
            .insert(client, new_client(Watching::Player(player), Some(player)));
        self.balance_bots();
        reply(Ok(self.joined(Some(player), Some(token), false)));
    }

    fn joined(&self, player: Option<PlayerId>, token: Option<String>, resumed: bool) -> Joined {
        Joined {
            ok: true,
            protocol: game::PROTOCOL_VERSION,
            player: player.map(|p| p.0),
            token,
            resumed,
            room: self.summary(),
            world: self.world_info(),
        }
    }

    fn target(&mut self, client: ClientId, x: f64, y: f64) {
        let Some(player) = self.player_of(client) else {
            return;
        };
        if !x.is_finite()
            || !y.is_finite()
            || x.abs() > ABSURD_COORDINATE
            || y.abs() > ABSURD_COORDINATE
        {
            RejectCounts::count(&self.status.rejected.bad_number);
            return;
        }
        let Some(c) = self.clients.get_mut(&client) else {
            return;
        };
        if !c.inputs.take() {
            RejectCounts::count(&self.status.rejected.rate_limited);
            return;
        }
        self.arena.set_target(player, Vec2::new(x as f32, y as f32));
    }

    fn action(&mut self, client: ClientId, act: impl FnOnce(&mut Arena, PlayerId) -> bool) {
        let Some(player) = self.player_of(client) else {
            return;
        };
        let Some(c) = self.clients.get_mut(&client) else {
            return;
        };
        if !c.actions.take() {
            RejectCounts::count(&self.status.rejected.rate_limited);
            return;
        }
        act(&mut self.arena, player);
    }

    fn leave(&mut self, client: ClientId) {
        if let Some(c) = self.clients.remove(&client)
            && let Some(player) = c.player
        {
            self.remove_person(player);
        }
    }

    fn disconnected(&mut self, client: ClientId) {
        let Some(c) = self.clients.remove(&client) else {
            return;
        };
        if let Some(player) = c.player
            && let Some(person) = self.people.get_mut(&player)
            && person.client == Some(client)
        {
            person.client = None;
            person.disconnected_tick = Some(self.arena.tick());
        }
    }

    /// Clients whose connection is gone count as disconnected, whether or not the notice came.
    fn forget_closed_links(&mut self) {
        let closed: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, c)| !c.link.is_open())
            .map(|(&id, _)| id)
            .collect();
        for client in closed {
            self.disconnected(client);
        }
    }

    fn remove_person(&mut self, player: PlayerId) {
        if let Some(person) = self.people.remove(&player) {
            self.tokens.remove(&person.token);
        }
        self.arena.remove_player(player);
        self.balance_bots();
    }

    /// Keeps people + bots at `bot_fill`: each person takes a bot's place, each leaver gives it back.
    fn balance_bots(&mut self) {
        let wanted = self
            .settings
            .bot_fill
            .saturating_sub(self.people.len() as u32) as usize;
        while self.bots.len() < wanted {
            let strategy = Strategy::ALL[self.bots_made as usize % Strategy::ALL.len()];
            self.bots_made += 1;
            let name = format!("{strategy}-{}", self.bots_made);
            let bot = self
                .arena
                .add_player(&name, pick_color(self.bots_made), Some(strategy));
            self.bots.push(bot);
        }
        while self.bots.len() > wanted {
            // the bot that loses least by stepping aside: a dead one, else the lightest
            let Some(index) = (0..self.bots.len()).min_by(|&a, &b| {
                let mass = |i: usize| self.arena.player(self.bots[i]).map_or(0.0, |p| p.mass);
                mass(a).total_cmp(&mass(b))
            }) else {
                break;
            };
            let bot = self.bots.swap_remove(index);
            self.arena.remove_player(bot);
        }
    }

    fn publish_counts(&self) {
        self.status
            .players
            .store(self.people.len() as u32, Ordering::Relaxed);
        self.status
            .bots
            .store(self.bots.len() as u32, Ordering::Relaxed);
        self.status
            .spectators
            .store(self.spectator_count(), Ordering::Relaxed);
    }

    /// Advances the arena one step and sends every client its frame (and the leaderboard when due).
    pub fn tick(&mut self) -> TickOutcome {
        self.forget_closed_links();
        #[cfg(feature = "fault-injection")]
        if self.panic_next_tick {
            panic!("injected fault: room {} panics in its tick", self.id);
        }
        for client in self.clients.values_mut() {
            client.inputs.refill();
            client.actions.refill();
        }
        self.arena.step();
        let tick = self.arena.tick();
        self.notify_deaths();
        self.expire_dropped_players(tick);
        if self.arena.leaderboard().updated_tick == tick {
            self.ranks.clear();
            for (i, standing) in self.arena.leaderboard().ranking.iter().enumerate() {
                self.ranks.insert(standing.player, i as u32 + 1);
            }
        }
        let mut outcome = self.send_frames();
        if tick.is_multiple_of(u64::from(self.limits.board_interval_ticks.max(1))) {
            self.send_board(tick);
        }

        if self.clients.is_empty() && self.people.is_empty() {
            self.empty_ticks += 1;
        } else {
            self.empty_ticks = 0;
        }
        outcome.should_close = !self.settings.persistent
            && self.empty_ticks >= self.ticks_for(self.limits.empty_room_timeout_secs);
        self.status.ticks.store(tick, Ordering::Relaxed);
        self.publish_counts();
        outcome
    }

    fn notify_deaths(&mut self) {
        for death in &self.arena.events().deaths {
            let Some(client) = self
                .people
                .get(&death.player)
                .and_then(|p| p.client)
                .and_then(|c| self.clients.get(&c))
            else {
                continue;
            };
            let killer = death.killer.and_then(|k| self.arena.player_identity(k));
            let died = Died {
                killer: killer.map(|(name, _)| name.to_owned()),
                killer_id: death.killer.map(|k| k.0),
                final_mass: death.final_mass,
            };
            match serde_json::to_value(&died) {
                Ok(payload) => {
                    client.link.send_event(game::events::DIED, payload);
                }
                Err(error) => warn!(%error, "could not encode a death notice"),
            }
        }
    }

    fn expire_dropped_players(&mut self, tick: u64) {
        let window = self.ticks_for(self.limits.reconnect_window_secs);
        let expired: Vec<PlayerId> = self
            .people
            .iter()
            .filter(|(_, p)| {
                p.disconnected_tick
                    .is_some_and(|t| tick.saturating_sub(t) >= window)
            })
            .map(|(&id, _)| id)
            .collect();
        for player in expired {
            debug!(room = %self.id, player = player.0, "reconnect window over");
            self.remove_person(player);
        }
    }

    fn send_frames(&mut self) -> TickOutcome {
        let mut outcome = TickOutcome::default();
        let mut bytes_sent = 0u64;
        for (&id, client) in self.clients.iter_mut() {
            let rank = client
                .player
                .and_then(|p| self.ranks.get(&p).copied())
                .unwrap_or(0);
            let frame = client.view.build(&self.arena, client.watching, rank);
            if let Err(error) = codec::encode_into(frame, &mut (&mut client.buffer).writer()) {
                warn!(room = %self.id, %error, "could not encode a frame");
                client.buffer.clear();
                continue;
            }
            let bytes: Bytes = client.buffer.split().freeze();
            let len = bytes.len() as u64;
            match client.link.send_frame(bytes) {
                Delivery::Sent => {
                    if let Err(error) = client.view.commit() {
                        warn!(room = %self.id, %error, "a frame did not apply to its own client state");
                        client.view = ClientView::new();
                    }
                    outcome.frames_sent += 1;
                    bytes_sent += len;
                }
                Delivery::Dropped => outcome.frames_skipped += 1,
                Delivery::Closed => self.closed_links.push(id),
            }
        }
        for client in std::mem::take(&mut self.closed_links) {
            self.disconnected(client);
        }
        self.status
            .frames_sent
            .fetch_add(u64::from(outcome.frames_sent), Ordering::Relaxed);
        self.status
            .frames_skipped
            .fetch_add(u64::from(outcome.frames_skipped), Ordering::Relaxed);
        self.status
            .bytes_sent
            .fetch_add(bytes_sent, Ordering::Relaxed);
        outcome
    }

    fn send_board(&mut self, tick: u64) {
        if self.clients.is_empty() {
            return;
        }
        let ranking = &self.arena.leaderboard().ranking;
        self.board.tick = tick as u32;
        self.board.alive = ranking.len() as u32;
        self.board.entries.clear();
        for standing in ranking
            .iter()
            .take(self.arena.config().leaderboard_size as usize)
        {
            let name = self
                .arena
                .player_identity(standing.player)
                .map_or("", |(n, _)| n);
            self.board.entries.push(BoardEntry {
                id: standing.player.0,
                name: name.to_owned(),
                mass: standing.mass.round() as u32,
            });
        }
        if let Err(error) = codec::encode_into(&self.board, &mut (&mut self.board_buffer).writer())
        {
            warn!(room = %self.id, %error, "could not encode the leaderboard");
            self.board_buffer.clear();
            return;
        }
        // encoded once, the same bytes shared by every client
        let board = self.board_buffer.split().freeze();
        for client in self.clients.values() {
            client.link.send_board(board.clone());
        }
    }

    /// Tells every client the room is closing (`reason` says why) and forgets them.
    pub fn close(&mut self, event: &'static str, reason: &str) {
        for client in self.clients.values() {
            client
                .link
                .send_event(event, serde_json::json!({ "reason": reason }));
        }
        self.clients.clear();
        self.status.closed.store(true, Ordering::Relaxed);
    }

    /// The reconnect token of a player (tests).
    pub fn token_of(&self, player: PlayerId) -> Option<&str> {
        self.people.get(&player).map(|p| p.token.as_str())
    }

    /// The client's view state (tests: what the server believes the client has).
    pub fn client_view(&self, client: ClientId) -> Option<&ClientView> {
        self.clients.get(&client).map(|c| &c.view)
    }
}
