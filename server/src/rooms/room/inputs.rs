//! What a seated client's inputs do to the room: steering, the actions, whom a spectator
//! watches, the view's shape and chat. Each checks its values (finite, in range, within the
//! client's rate) before anything reaches the arena, and counts what it refuses.

use glam::Vec2;
use petri_shared::game::ChatLine;

use super::super::chat::{ChatRelay, SPECTATOR_COLOR};
use super::super::command::ClientId;
use super::super::status::Reject;
use super::super::view::Watching;
use super::{ABSURD_COORDINATE, Room};
use crate::sim::rules::view_aspect;
use crate::sim::{Arena, PlayerId};

impl Room {
    /// The player a client controls, counting a refusal when it has none.
    pub(super) fn player_of(&self, client: ClientId) -> Option<PlayerId> {
        let player = self.roster.client(client).and_then(|c| c.player);
        if player.is_none() {
            self.status.rejected.bump(Reject::NotPlaying);
        }
        player
    }

    pub(super) fn target(&mut self, client: ClientId, x: f64, y: f64) {
        let Some(player) = self.player_of(client) else {
            return;
        };
        let sane = |v: f64| v.is_finite() && v.abs() <= ABSURD_COORDINATE;
        if !sane(x) || !sane(y) {
            return self.status.rejected.bump(Reject::BadNumber);
        }
        let Some(c) = self.roster.client_mut(client) else {
            return;
        };
        if !c.inputs.take() {
            return self.status.rejected.bump(Reject::RateLimited);
        }
        self.arena.set_target(player, Vec2::new(x as f32, y as f32));
    }

    pub(super) fn action(
        &mut self,
        client: ClientId,
        act: impl FnOnce(&mut Arena, PlayerId) -> bool,
    ) {
        let Some(player) = self.player_of(client) else {
            return;
        };
        let Some(c) = self.roster.client_mut(client) else {
            return;
        };
        if !c.actions.take() {
            return self.status.rejected.bump(Reject::RateLimited);
        }
        act(&mut self.arena, player);
    }

    pub(super) fn respawn(&mut self, client: ClientId) {
        self.action(client, |arena, id| arena.respawn(id));
        if let Some(c) = self.roster.client_mut(client)
            && let Some(player) = c.player
        {
            c.watching = Watching::Player(player);
        }
    }

    /// A dead player or a spectator picks whom to watch.
    pub(super) fn spectate(&mut self, client: ClientId, follow: Option<u32>) {
        let Some(c) = self.roster.client_mut(client) else {
            return;
        };
        if c.player.is_none_or(|p| self.arena.is_dead(p)) {
            c.watching = Watching::Spectator(follow.map(PlayerId));
        }
    }

    /// Shapes the client's view like its screen. The sim never reads it (a view is what a client
    /// is shown, not a rule), so it cannot change the game; it travels as a command in order with
    /// the inputs, so a recorded command stream shows each client what it saw. A value that is no
    /// shape (NaN, infinite, not above 0) is refused and counted; others are held in bounds.
    pub(super) fn view_shape(&mut self, client: ClientId, requested: Option<f64>) {
        let Some(requested) = requested else {
            return;
        };
        let Some(aspect) = view_aspect(requested, self.arena.config()) else {
            return self.status.rejected.bump(Reject::BadNumber);
        };
        if let Some(c) = self.roster.client_mut(client) {
            c.view.set_aspect(Some(aspect));
        }
    }

    /// A line for the chat: through the client's gate, then to everyone in the room.
    pub(super) fn chat(&mut self, client: ClientId, text: &str, relay: ChatRelay) {
        let tick = self.arena.tick();
        let repeat_ticks = self.ticks_for(self.limits.chat_repeat_secs);
        let Some(c) = self.roster.client_mut(client) else {
            return;
        };
        let accepted = match c.chat.admit(text, tick, repeat_ticks, &self.limits) {
            Ok(accepted) => accepted,
            Err(reason) => return self.status.chat.reject(reason),
        };
        let identity = c.player.and_then(|p| self.arena.player_identity(p));
        let (name, color) = identity.unwrap_or((c.chat.spectator_name(), SPECTATOR_COLOR));
        relay(&ChatLine {
            player: c.player.map(|p| p.0),
            name: name.to_owned(),
            color,
            text: accepted.text,
        });
        self.status.chat.relay(accepted.sanitised);
    }
}
