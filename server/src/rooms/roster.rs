//! Who is in a room: the connections watching it (`Client`), the people playing in it (`Person`)
//! and their reconnect tokens, and the rule for letting someone in.
//!
//! A person outlives its connection: when a connection drops, the person (and its cells) waits
//! `reconnect_window_secs` for a join with its token. Every entry has an owner that removes it:
//! a client goes when its connection leaves, drops or is found closed; a person and its token go
//! together when the player leaves or its window runs out. Nothing here grows with time, only with
//! who is in the room now.

use std::collections::HashMap;
use std::sync::Arc;

use petri_shared::game::{JoinRequest, Refusal, RefusalCode};

use super::chat::ChatGate;
use super::command::ClientId;
use super::frame_buffer::FrameBuffer;
use super::link::ClientLink;
use super::rate_limit::TokenBucket;
use super::settings::{HostLimits, RoomSettings};
use super::tokens::new_token;
use super::view::{ClientView, Watching};
use crate::sim::PlayerId;

/// One connection watching the room, as a player or a spectator.
pub struct Client {
    pub link: Arc<dyn ClientLink>,
    pub watching: Watching,
    /// The player this client controls, if it plays (it may be dead and spectating).
    pub player: Option<PlayerId>,
    pub view: ClientView,
    /// This client's frames are encoded here.
    pub frames: FrameBuffer,
    pub inputs: TokenBucket,
    pub actions: TokenBucket,
    pub chat: ChatGate,
}

impl Client {
    pub fn new(
        link: Arc<dyn ClientLink>,
        watching: Watching,
        player: Option<PlayerId>,
        limits: &HostLimits,
        tick_rate: u32,
        name: String,
    ) -> Self {
        Self {
            link,
            watching,
            player,
            view: ClientView::new(),
            frames: FrameBuffer::new(),
            inputs: TokenBucket::per_tick(limits.input_rate, limits.input_burst, tick_rate),
            actions: TokenBucket::per_tick(limits.action_rate, limits.action_burst, tick_rate),
            chat: ChatGate::new(limits, tick_rate, name),
        }
    }
}

/// Someone playing, connected or within its reconnect window.
struct Person {
    client: Option<ClientId>,
    token: String,
    disconnected_tick: Option<u64>,
}

/// What a join may do, decided before the room touches its arena.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// A dropped player back with its token: the same player, cells and all.
    Resume { player: PlayerId, token: String },
    /// Watch without playing.
    Spectate,
    /// A new player, who keeps this token to come back after a dropped connection.
    Play { token: String },
}

#[derive(Default)]
pub struct Roster {
    clients: HashMap<ClientId, Client>,
    people: HashMap<PlayerId, Person>,
    tokens: HashMap<String, PlayerId>,
}

impl Roster {
    pub fn people(&self) -> u32 {
        self.people.len() as u32
    }

    pub fn spectators(&self) -> u32 {
        self.clients.values().filter(|c| c.player.is_none()).count() as u32
    }

    /// Nobody is connected and nobody is waiting to come back.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty() && self.people.is_empty()
    }

    pub fn client(&self, client: ClientId) -> Option<&Client> {
        self.clients.get(&client)
    }

    pub fn client_mut(&mut self, client: ClientId) -> Option<&mut Client> {
        self.clients.get_mut(&client)
    }

    pub fn clients(&self) -> impl Iterator<Item = &Client> {
        self.clients.values()
    }

    pub fn clients_mut(&mut self) -> impl Iterator<Item = (ClientId, &mut Client)> {
        self.clients.iter_mut().map(|(&id, c)| (id, c))
    }

    /// The connected client of a player, if it has one.
    pub fn client_of(&self, player: PlayerId) -> Option<&Client> {
        let client = self.people.get(&player)?.client?;
        self.clients.get(&client)
    }

    /// Decides whether `client` may join and how; changes nothing.
    pub fn admit(
        &self,
        client: ClientId,
        request: &JoinRequest,
        settings: &RoomSettings,
        limits: &HostLimits,
    ) -> Result<Admission, Refusal> {
        if self.clients.contains_key(&client) {
            return Err(Refusal::new(
                RefusalCode::AlreadyJoined,
                "this connection is already in the room",
            ));
        }
        if let Some(code) = &settings.private_code
            && request.code.as_deref() != Some(code.as_str())
        {
            return Err(Refusal::new(
                RefusalCode::WrongCode,
                "this private room needs its invitation code",
            ));
        }
        if let Some(token) = &request.token
            && let Some(&player) = self.tokens.get(token)
            && self.people.contains_key(&player)
        {
            let token = token.clone();
            return Ok(Admission::Resume { player, token });
        }
        if request.spectate {
            if self.spectators() >= limits.max_spectators {
                let max = limits.max_spectators;
                let message = format!("the room has its maximum of {max} spectators");
                return Err(Refusal::new(RefusalCode::Full, message));
            }
            return Ok(Admission::Spectate);
        }
        if self.people() >= settings.capacity {
            let message = format!("the room is full ({} players)", settings.capacity);
            return Err(Refusal::new(RefusalCode::Full, message));
        }
        match new_token() {
            Ok(token) => Ok(Admission::Play { token }),
            Err(error) => {
                tracing::warn!(%error, "no randomness for a reconnect token");
                Err(Refusal::new(
                    RefusalCode::Internal,
                    "the server could not make a reconnect token",
                ))
            }
        }
    }

    /// Seats a spectator (admitted with `Admission::Spectate`).
    pub fn seat_spectator(&mut self, id: ClientId, client: Client) {
        self.clients.insert(id, client);
    }

    /// Takes a spectator out with its view (a replay's viewer moving to another playback).
    pub fn take(&mut self, id: ClientId) -> Option<Client> {
        self.clients.remove(&id)
    }

    /// Takes every client out (a replay's playback handing its viewers to another).
    pub fn drain(&mut self) -> impl Iterator<Item = (ClientId, Client)> + '_ {
        self.clients.drain()
    }

    /// Seats a new player (admitted with `Admission::Play`).
    pub fn seat_player(&mut self, id: ClientId, player: PlayerId, token: String, client: Client) {
        self.tokens.insert(token.clone(), player);
        let person = Person {
            client: Some(id),
            token,
            disconnected_tick: None,
        };
        self.people.insert(player, person);
        self.clients.insert(id, client);
    }

    /// Gives a player back to a new connection (admitted with `Admission::Resume`). A player still
    /// controlled from an older connection moves to the new one, and the old one is forgotten.
    pub fn resume(&mut self, id: ClientId, player: PlayerId, client: Client) {
        if let Some(person) = self.people.get_mut(&player) {
            if let Some(old) = person.client.replace(id) {
                self.clients.remove(&old);
            }
            person.disconnected_tick = None;
        }
        self.clients.insert(id, client);
    }

    /// The client leaves for good; returns the player whose cells must go with it.
    pub fn leave(&mut self, client: ClientId) -> Option<PlayerId> {
        let player = self.clients.remove(&client)?.player?;
        self.remove_person(player);
        Some(player)
    }

    /// The client's connection dropped at `tick`: its player waits for a reconnect.
    pub fn disconnected(&mut self, client: ClientId, tick: u64) {
        let Some(c) = self.clients.remove(&client) else {
            return;
        };
        if let Some(player) = c.player
            && let Some(person) = self.people.get_mut(&player)
            && person.client == Some(client)
        {
            person.client = None;
            person.disconnected_tick = Some(tick);
        }
    }

    /// Clients whose connection is gone count as disconnected, whether or not the notice came.
    pub fn forget_closed_links(&mut self, tick: u64, scratch: &mut Vec<ClientId>) {
        scratch.clear();
        scratch.extend(
            self.clients
                .iter()
                .filter(|(_, c)| !c.link.is_open())
                .map(|(&id, _)| id),
        );
        for &client in scratch.iter() {
            self.disconnected(client, tick);
        }
    }

    /// Removes the people whose reconnect window of `window` ticks is over, into `expired`.
    pub fn expire(&mut self, tick: u64, window: u64, expired: &mut Vec<PlayerId>) {
        expired.clear();
        expired.extend(
            self.people
                .iter()
                .filter(|(_, p)| {
                    p.disconnected_tick
                        .is_some_and(|t| tick.saturating_sub(t) >= window)
                })
                .map(|(&id, _)| id),
        );
        for &player in expired.iter() {
            self.remove_person(player);
        }
    }

    /// Forgets every client (the room is closing); people stay until the room goes.
    pub fn clear_clients(&mut self) {
        self.clients.clear();
    }

    fn remove_person(&mut self, player: PlayerId) {
        if let Some(person) = self.people.remove(&player) {
            self.tokens.remove(&person.token);
        }
    }

    /// How many entries each collection holds (tests: nothing is left behind).
    pub fn sizes(&self) -> RosterSizes {
        RosterSizes {
            clients: self.clients.len(),
            people: self.people.len(),
            tokens: self.tokens.len(),
            max_known_players: (self.clients.values())
                .map(|c| c.view.sent().players.len())
                .max()
                .unwrap_or(0),
        }
    }
}

/// The sizes of a roster's collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RosterSizes {
    pub clients: usize,
    pub people: usize,
    pub tokens: usize,
    /// The most players any client's view still knows by name.
    pub max_known_players: usize,
}
