//! What a room tells its clients each tick: every client's frame, the leaderboard when it is due,
//! death notices, and the numbers it publishes in its `RoomStatus`.
//!
//! The buffers here live as long as the room and keep their capacity, so a steady tick allocates
//! nothing for ranks or the board; a client's frame is encoded into that client's own buffer.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use bytes::{BufMut, Bytes, BytesMut};
use petri_shared::codec;
use petri_shared::game::{self, Board, BoardEntry, Died};
use tracing::warn;

use super::command::ClientId;
use super::link::Delivery;
use super::roster::{Client, Roster};
use super::status::RoomStatus;
use super::trim::is_trim_tick;
use super::view::ClientView;
use crate::sim::{Arena, PlayerId};

/// What a tick did, for the runner and its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickOutcome {
    pub frames_sent: u32,
    pub frames_skipped: u32,
    /// The room has been empty past its timeout and should close.
    pub should_close: bool,
}

#[derive(Default)]
pub struct Publisher {
    /// Each ranked player's place on the leaderboard (1 = top), refreshed when the board is.
    ranks: HashMap<PlayerId, u32>,
    board: Board,
    board_buffer: BytesMut,
    /// Clients found gone while sending; the room forgets them after the loop.
    closed: Vec<ClientId>,
}

impl Publisher {
    /// Re-reads the ranks when the arena's leaderboard changed this tick.
    pub fn update_ranks(&mut self, arena: &Arena) {
        let board = arena.leaderboard();
        if board.updated_tick != arena.tick() {
            return;
        }
        self.ranks.clear();
        for (i, standing) in board.ranking.iter().enumerate() {
            self.ranks.insert(standing.player, i as u32 + 1);
        }
    }

    /// Players with a rank (the living, at the leaderboard's last refresh).
    pub fn ranked(&self) -> usize {
        self.ranks.len()
    }

    /// The clients whose link turned out closed during the last `send_frames`.
    pub fn closed(&mut self) -> std::vec::Drain<'_, ClientId> {
        self.closed.drain(..)
    }

    /// Sends every client its frame; a frame is committed to the client's view only once sent.
    pub fn send_frames(
        &mut self,
        roster: &mut Roster,
        arena: &Arena,
        status: &RoomStatus,
        room: &str,
    ) -> TickOutcome {
        let mut outcome = TickOutcome::default();
        let mut bytes_sent = 0u64;
        let mut view_cells = 0u64;
        for (id, client) in roster.clients_mut() {
            let rank = client
                .player
                .and_then(|p| self.ranks.get(&p).copied())
                .unwrap_or(0);
            let Some(bytes) = encode_frame(client, arena, rank, room) else {
                continue;
            };
            let len = bytes.len() as u64;
            match client.link.send_frame(bytes) {
                Delivery::Sent => {
                    if let Err(error) = client.view.commit() {
                        warn!(room, %error, "a frame did not apply to its own client state");
                        client.view = ClientView::new();
                    }
                    outcome.frames_sent += 1;
                    bytes_sent += len;
                }
                Delivery::Dropped => outcome.frames_skipped += 1,
                Delivery::Closed => self.closed.push(id),
            }
            view_cells += client.view.sent().cells.len() as u64;
        }
        publish_frames(status, outcome, bytes_sent);
        status.view_cells.store(view_cells, Ordering::Relaxed);
        outcome
    }

    /// Sends the leaderboard, encoded once: the same bytes go to every client.
    pub fn send_board(&mut self, roster: &Roster, arena: &Arena, room: &str) {
        if roster.clients().next().is_none() {
            return;
        }
        let ranking = &arena.leaderboard().ranking;
        self.board.tick = arena.tick() as u32;
        self.board.alive = ranking.len() as u32;
        self.board.entries.clear();
        for standing in ranking
            .iter()
            .take(arena.config().leaderboard_size as usize)
        {
            let name = arena
                .player_identity(standing.player)
                .map_or("", |(n, _)| n);
            self.board.entries.push(BoardEntry {
                id: standing.player.0,
                name: name.to_owned(),
                mass: standing.mass.round() as u32,
            });
        }
        super::mode_board::fill(&mut self.board, arena);
        if let Err(error) = codec::encode_into(&self.board, &mut (&mut self.board_buffer).writer())
        {
            warn!(room, %error, "could not encode the leaderboard");
            self.board_buffer.clear();
            return;
        }
        let board = self.board_buffer.split().freeze();
        for client in roster.clients() {
            client.link.send_board(board.clone());
        }
    }
}

/// Builds and encodes a client's frame into its own buffer (see [`super::frame_buffer`]).
fn encode_frame(client: &mut Client, arena: &Arena, rank: u32, room: &str) -> Option<Bytes> {
    let frame = client.view.build(arena, client.watching, rank);
    if is_trim_tick(arena.tick()) {
        client.frames.trim();
    }
    client
        .frames
        .encode(frame)
        .inspect_err(|error| warn!(room, %error, "could not encode a frame"))
        .ok()
}

/// Tells each player who died this tick how (`died`), if it is connected.
pub fn notify_deaths(roster: &Roster, arena: &Arena) {
    for death in &arena.events().deaths {
        let Some(client) = roster.client_of(death.player) else {
            continue;
        };
        let killer = death.killer.and_then(|k| arena.player_identity(k));
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

/// Publishes who is in the room.
pub fn publish_counts(status: &RoomStatus, roster: &Roster, bots: u32) {
    status.players.store(roster.people(), Ordering::Relaxed);
    status.bots.store(bots, Ordering::Relaxed);
    status
        .spectators
        .store(roster.spectators(), Ordering::Relaxed);
}

/// Adds a tick's frames to the room's totals.
fn publish_frames(status: &RoomStatus, outcome: TickOutcome, bytes_sent: u64) {
    let add = |counter: &std::sync::atomic::AtomicU64, n: u64| {
        counter.fetch_add(n, Ordering::Relaxed);
    };
    add(&status.frames_sent, u64::from(outcome.frames_sent));
    add(&status.frames_skipped, u64::from(outcome.frames_skipped));
    add(&status.bytes_sent, bytes_sent);
}
