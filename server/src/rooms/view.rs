//! What one client sees, and the delta that brings it up to date.
//!
//! The server keeps, per client, the picture that client really holds (`ClientWorld`, the same
//! code the client runs) and diffs the current view against it. The picture only advances when a
//! frame is actually handed to the connection (`commit`): a client that falls behind skips frames,
//! and its next delta is computed against what it really received, never against a frame it missed.

use std::collections::HashSet;

use glam::Vec2;
use petri_shared::client_world::ApplyError;
use petri_shared::game::{self, CellChanged, CellEntered, EatenPair, Frame, PlayerInfo, View};
use petri_shared::{ClientWorld, KnownCell};

use crate::sim::{Arena, Camera, CellKind, PlayerId};

/// Whose eyes a client looks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watching {
    /// Its own player (when dead, the view stays where it died).
    Player(PlayerId),
    /// A spectator: follows the named player, or the top player when `None` or gone.
    Spectator(Option<PlayerId>),
}

/// The wire code of a cell kind.
pub fn kind_code(kind: CellKind) -> u8 {
    match kind {
        CellKind::Player => game::kind::PLAYER,
        CellKind::Food => game::kind::FOOD,
        CellKind::Ejected => game::kind::EJECTED,
        CellKind::Virus => game::kind::VIRUS,
    }
}

/// One client's view state: what it has, and the scratch space to build its next frame.
#[derive(Debug, Default)]
pub struct ClientView {
    sent: ClientWorld,
    frame: Frame,
    visible: Vec<CellEntered>,
    visible_ids: HashSet<u32>,
    last_center: Vec2,
}

impl ClientView {
    pub fn new() -> Self {
        Self::default()
    }

    /// What the client holds, as far as the server knows.
    pub fn sent(&self) -> &ClientWorld {
        &self.sent
    }

    /// The camera this client gets now.
    pub fn camera(&self, arena: &Arena, watching: Watching) -> Camera {
        let followed = match watching {
            Watching::Player(id) => Some(id),
            Watching::Spectator(Some(id)) => Some(id)
                .filter(|&id| !arena.is_dead(id))
                .or_else(|| arena.top_player()),
            Watching::Spectator(None) => arena.top_player(),
        };
        followed
            .and_then(|id| arena.camera(id))
            .unwrap_or_else(|| arena.default_camera(self.last_center))
    }

    /// Builds this tick's frame for the client. Call `commit` once it has been handed to the
    /// connection; if it was dropped instead, just build again next tick.
    pub fn build(&mut self, arena: &Arena, watching: Watching, rank: u32) -> &Frame {
        let camera = self.camera(arena, watching);
        self.last_center = camera.center;
        let frame = &mut self.frame;
        frame.clear();
        frame.tick = arena.tick() as u32;
        frame.view = View {
            x: game::quantize(camera.center.x),
            y: game::quantize(camera.center.y),
            half_width: game::quantize_size(camera.half_extents.x),
            half_height: game::quantize_size(camera.half_extents.y),
        };
        frame.rank = rank;
        if let Watching::Player(id) = watching {
            arena.own_cell_ids(id, &mut frame.own);
        }

        self.visible.clear();
        self.visible_ids.clear();
        let (min, max) = (
            camera.center - camera.half_extents,
            camera.center + camera.half_extents,
        );
        let visible = &mut self.visible;
        arena.for_each_visible(min, max, |e| {
            visible.push(CellEntered {
                id: e.id.0,
                kind: kind_code(e.kind),
                x: game::quantize(e.position.x),
                y: game::quantize(e.position.y),
                size: game::quantize_size(e.size),
                owner: e.owner.map_or(0, |o| o.0),
            });
        });

        for cell in &self.visible {
            self.visible_ids.insert(cell.id);
            match self.sent.cells.get(&cell.id) {
                Some(known) => {
                    if *known != KnownCell::from(cell) {
                        frame.changed.push(CellChanged {
                            id: cell.id,
                            dx: cell.x.wrapping_sub(known.x),
                            dy: cell.y.wrapping_sub(known.y),
                            dsize: cell.size.wrapping_sub(known.size) as i32,
                        });
                    }
                }
                None => {
                    frame.entered.push(*cell);
                    if cell.owner != 0
                        && !self.sent.players.contains_key(&cell.owner)
                        && !frame.players.iter().any(|p| p.id == cell.owner)
                        && let Some((name, color)) = arena.player_identity(PlayerId(cell.owner))
                    {
                        frame.players.push(PlayerInfo {
                            id: cell.owner,
                            name: name.to_owned(),
                            color,
                        });
                    }
                }
            }
        }
        frame.left.extend(
            self.sent
                .cells
                .keys()
                .filter(|id| !self.visible_ids.contains(id)),
        );
        frame.eaten.extend(
            arena
                .events()
                .eaten
                .iter()
                .filter(|e| self.sent.cells.contains_key(&e.eaten.0))
                .map(|e| EatenPair {
                    eater: e.eater.0,
                    eaten: e.eaten.0,
                }),
        );
        frame
    }

    /// The frame built last.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Records that the last built frame reached the connection.
    pub fn commit(&mut self) -> Result<(), ApplyError> {
        self.sent.apply(&self.frame)
    }
}
