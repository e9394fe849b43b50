//! What one client sees, and the delta that brings it up to date.
//!
//! The server keeps, per client, the picture that client really holds (`ClientWorld`: the code
//! the swarm's clients run, and the browser a JS port of, `web-client/js/world.js`) and diffs the
//! current view against it. The picture only advances when a frame is actually handed to the
//! connection (`commit`): a client that falls behind skips frames, and its next delta is computed
//! against what it really received, never against a frame it missed.
//!
//! Cells are named to a client by small per-client handles rather than their global ids: a handle
//! is given when a cell enters the view and returned when it leaves, so ids in frames stay below
//! 251 (one byte) for any normal view. Handles given or returned by a frame only take effect when
//! that frame is committed, so a dropped frame changes nothing.

use glam::Vec2;
use petri_shared::client_world::ApplyError;
use petri_shared::game::{
    self, CellChanged, CellEntered, CellKindCode, EatenPair, Frame, PlayerInfo, View, ViewDelta,
};
use petri_shared::{ClientWorld, IdMap, KnownCell};

use super::trim::{TRIM_FLOOR, is_trim_tick, oversized, trim_map, trim_vec};
use crate::sim::rules::shape_view;
use crate::sim::{Arena, Camera, PlayerId};

/// Whose eyes a client looks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watching {
    /// Its own player (when dead, the view stays where it died).
    Player(PlayerId),
    /// A spectator: follows the named player, or the top player when `None` or gone.
    Spectator(Option<PlayerId>),
}

/// Per-client handles for global cell ids.
#[derive(Debug, Default)]
struct Handles {
    by_cell: IdMap<u32, u32>,
    /// `cell_of[handle]`: the global id a handle stands for (0 when free).
    cell_of: Vec<u32>,
    free: Vec<u32>,
    /// Handles 1..=issued have been given out at some point (0 is never used).
    issued: u32,
}

impl Handles {
    /// Once far more handles were issued than are in use, forgets those above the highest one in
    /// use and orders the free ones so the lowest are reused first. A view that was big once then
    /// does not keep its handle table for good (issue 17), and small handles are shorter varints
    /// on the wire. Call it only between a commit and the next build.
    fn trim(&mut self) {
        if !oversized(self.issued as usize, self.by_cell.len(), TRIM_FLOOR) {
            return;
        }
        while self.issued > 0
            && self
                .cell_of
                .get(self.issued as usize)
                .is_none_or(|&cell| cell == 0)
        {
            self.issued -= 1;
        }
        let issued = self.issued;
        self.cell_of.truncate(issued as usize + 1);
        self.free.retain(|&handle| handle <= issued);
        // reuse pops from the end: the smallest last
        self.free.sort_unstable_by(|a, b| b.cmp(a));
        trim_vec(&mut self.cell_of, issued as usize + 1);
        let free = self.free.len();
        trim_vec(&mut self.free, free);
    }
}

/// Handle changes a built frame would make, applied only if it is committed.
#[derive(Debug, Default)]
struct PendingHandles {
    /// How many of `free` (from the end) the frame used.
    reused: usize,
    issued: u32,
    entered: Vec<(u32, u32)>,
    left: Vec<u32>,
}

/// One client's view state: what it has, and the scratch space to build its next frame.
#[derive(Debug, Default)]
pub struct ClientView {
    sent: ClientWorld,
    handles: Handles,
    pending: PendingHandles,
    frame: Frame,
    visible: Vec<(u32, CellEntered)>,
    /// `seen[handle] == build`: that known cell is in this build's view. A stamp per handle
    /// instead of a set cleared every tick: the diff marks and tests each visible cell once.
    seen: Vec<u32>,
    build: u32,
    last_center: Vec2,
    /// The shape (width / height) this client's screen asked for; `None`: the classic one.
    aspect: Option<f32>,
}

impl ClientView {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the client's picture but keeps its screen's shape: the next frame is a whole
    /// picture (a replay's viewer that moved to another position starts over).
    pub fn restart(&mut self) {
        let aspect = self.aspect;
        *self = Self::default();
        self.aspect = aspect;
    }

    /// What the client holds, as far as the server knows (keyed by handle).
    pub fn sent(&self) -> &ClientWorld {
        &self.sent
    }

    /// The handle the client knows a cell by, if it has it.
    pub fn handle_of(&self, cell: u32) -> Option<u32> {
        self.handles.by_cell.get(&cell).copied()
    }

    /// Gives back buffer capacity far beyond the current view's needs (see [`super::trim`]).
    fn trim(&mut self) {
        let need = self.visible.len();
        let frame = &mut self.frame;
        trim_vec(&mut frame.entered, need);
        trim_vec(&mut frame.changed, need);
        trim_vec(&mut frame.left, need);
        trim_vec(&mut frame.eaten, need);
        trim_vec(&mut frame.players, need);
        trim_vec(&mut self.visible, need);
        trim_vec(&mut self.pending.entered, need);
        trim_vec(&mut self.pending.left, need);
        let known = self.sent.cells.len();
        trim_map(&mut self.sent.cells, known);
        let players = self.sent.players.len();
        trim_map(&mut self.sent.players, players);
        let handles = self.handles.by_cell.len();
        trim_map(&mut self.handles.by_cell, handles);
        self.handles.trim();
        let handles = self.handles.cell_of.len();
        self.seen.truncate(handles);
        trim_vec(&mut self.seen, handles);
    }

    /// Gives this client's views the shape of its screen (`rules::view_aspect` checked it).
    pub fn set_aspect(&mut self, aspect: Option<f32>) {
        self.aspect = aspect;
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
        let mut camera = followed
            .and_then(|id| arena.camera(id))
            .unwrap_or_else(|| arena.default_camera(self.last_center));
        if let Some(aspect) = self.aspect {
            camera.half_extents = shape_view(camera.half_extents, aspect);
        }
        camera
    }

    /// Builds this tick's frame for the client. Call `commit` once it has been handed to the
    /// connection; if it was dropped instead, just build again next tick.
    pub fn build(&mut self, arena: &Arena, watching: Watching, rank: u32) -> &Frame {
        let camera = self.camera(arena, watching);
        self.last_center = camera.center;
        if is_trim_tick(arena.tick()) {
            self.trim();
        }
        self.frame.clear();
        self.frame.tick = arena.tick() as u32;
        let view = View {
            x: game::quantize(camera.center.x),
            y: game::quantize(camera.center.y),
            half_width: game::quantize_size(camera.half_extents.x),
            half_height: game::quantize_size(camera.half_extents.y),
        };
        self.frame.view = ViewDelta::between(self.sent.view, view);
        self.frame.rank = rank;
        self.collect_visible(arena, &camera);
        self.diff_visible(arena);
        self.list_left();
        if let Watching::Player(id) = watching {
            self.map_own_cells(arena, id);
        }
        self.list_eaten(arena);
        &self.frame
    }

    /// Every cell in the camera's rectangle, quantised as the client will hold it.
    fn collect_visible(&mut self, arena: &Arena, camera: &Camera) {
        self.visible.clear();
        let (min, max) = (
            camera.center - camera.half_extents,
            camera.center + camera.half_extents,
        );
        let visible = &mut self.visible;
        arena.for_each_visible(min, max, |e| {
            visible.push((
                e.id.0,
                CellEntered {
                    id: 0,
                    kind: CellKindCode::from(e.kind).code(),
                    x: game::quantize(e.position.x),
                    y: game::quantize(e.position.y),
                    size: game::quantize_size(e.size),
                    owner: e.owner.map_or(0, |o| o.0),
                },
            ));
        });
    }

    /// Known cells that moved or grew go in `changed`; new ones get a handle (pending until the
    /// commit) and go in `entered`, with their owner's name if the client lacks it.
    fn diff_visible(&mut self, arena: &Arena) {
        let frame = &mut self.frame;
        let pending = &mut self.pending;
        pending.reused = 0;
        pending.issued = self.handles.issued;
        pending.entered.clear();
        pending.left.clear();
        self.build = self.build.wrapping_add(1);
        if self.build == 0 {
            // a stamp from a build 2^32 ago must not pass for this one
            self.seen.fill(0);
            self.build = 1;
        }
        let seen = &mut self.seen;
        if seen.len() <= self.handles.issued as usize {
            seen.resize(self.handles.issued as usize + 1, 0);
        }
        for (cell_id, cell) in &mut self.visible {
            if let Some(&handle) = self.handles.by_cell.get(cell_id) {
                seen[handle as usize] = self.build;
                cell.id = handle;
                if let Some(known) = self.sent.cells.get(&handle)
                    && *known != KnownCell::from(&*cell)
                {
                    frame.changed.push(CellChanged {
                        id: handle,
                        dx: cell.x.wrapping_sub(known.x),
                        dy: cell.y.wrapping_sub(known.y),
                        dsize: cell.size.wrapping_sub(known.size) as i32,
                    });
                }
                continue;
            }
            // a new cell for this client: the most recently returned handle, or a fresh one
            let free = &self.handles.free;
            cell.id = if pending.reused < free.len() {
                pending.reused += 1;
                free[free.len() - pending.reused]
            } else {
                pending.issued += 1;
                pending.issued
            };
            pending.entered.push((*cell_id, cell.id));
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

    /// Cells the client holds that are out of view now.
    fn list_left(&mut self) {
        for &handle in self.sent.cells.keys() {
            if self.seen.get(handle as usize) != Some(&self.build) {
                self.frame.left.push(handle);
                self.pending.left.push(handle);
            }
        }
    }

    /// The player's own cells, by handle: always in view, so known or entering this frame.
    fn map_own_cells(&mut self, arena: &Arena, player: PlayerId) {
        let frame = &mut self.frame;
        arena.own_cell_ids(player, &mut frame.own);
        for own in &mut frame.own {
            *own = self
                .handles
                .by_cell
                .get(own)
                .copied()
                .or_else(|| {
                    self.pending
                        .entered
                        .iter()
                        .find(|(c, _)| c == own)
                        .map(|&(_, h)| h)
                })
                .unwrap_or(0);
        }
        frame.own.retain(|&h| h != 0);
    }

    /// Cells the client holds that were eaten this tick, with their eater's handle (0 if the
    /// client does not know the eater).
    fn list_eaten(&mut self, arena: &Arena) {
        for eaten in &arena.events().eaten {
            if let Some(&prey) = self.handles.by_cell.get(&eaten.eaten.0)
                && self.sent.cells.contains_key(&prey)
            {
                let eater = self
                    .handles
                    .by_cell
                    .get(&eaten.eater.0)
                    .copied()
                    .unwrap_or(0);
                self.frame.eaten.push(EatenPair { eater, eaten: prey });
            }
        }
    }

    /// The frame built last.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Records that the last built frame reached the connection.
    pub fn commit(&mut self) -> Result<(), ApplyError> {
        let handles = &mut self.handles;
        let pending = &mut self.pending;
        handles.free.truncate(handles.free.len() - pending.reused);
        handles.issued = pending.issued;
        if handles.cell_of.len() <= handles.issued as usize {
            handles.cell_of.resize(handles.issued as usize + 1, 0);
        }
        for &handle in &pending.left {
            let cell = std::mem::take(&mut handles.cell_of[handle as usize]);
            handles.by_cell.remove(&cell);
            handles.free.push(handle);
        }
        for &(cell, handle) in &pending.entered {
            handles.by_cell.insert(cell, handle);
            handles.cell_of[handle as usize] = cell;
        }
        pending.reused = 0;
        pending.entered.clear();
        pending.left.clear();
        self.sent.apply(&self.frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn food(id: u32) -> CellEntered {
        CellEntered {
            id,
            kind: 1,
            x: 0,
            y: 0,
            size: 5,
            owner: 0,
        }
    }

    #[test]
    fn buffers_of_a_view_that_shrank_are_trimmed_and_small_ones_left_alone() {
        let mut view = ClientView::new();
        // once a huge view: thousands of cells everywhere
        for id in 0..5_000u32 {
            view.visible.push((id, food(id)));
            view.sent.cells.insert(id, KnownCell::from(&food(id)));
            view.handles.by_cell.insert(id, id + 1);
            view.frame.entered.push(food(id));
        }
        // now a small one: 10 cells
        view.visible.truncate(10);
        view.sent.cells.retain(|&id, _| id < 10);
        view.handles.by_cell.retain(|&id, _| id < 10);
        view.frame.entered.clear();
        view.trim();
        assert!(
            view.visible.capacity() <= 2 * TRIM_FLOOR,
            "{}",
            view.visible.capacity()
        );
        assert!(view.frame.entered.capacity() <= 2 * TRIM_FLOOR);
        assert!(view.sent.cells.capacity() <= 4 * TRIM_FLOOR);
        assert!(view.handles.by_cell.capacity() <= 4 * TRIM_FLOOR);
        // a buffer near its need keeps its capacity (no churn in steady state)
        let before = view.visible.capacity();
        view.trim();
        assert_eq!(view.visible.capacity(), before);
    }

    #[test]
    fn a_handle_table_that_was_big_once_forgets_its_high_free_handles() {
        // once 1,000 cells in view: handles 1..=1000 issued
        let mut handles = Handles {
            cell_of: (0..=1000u32).collect(),
            issued: 1000,
            ..Handles::default()
        };
        for cell in 1..=1000u32 {
            handles.by_cell.insert(cell, cell);
        }
        // now only handles 3 and 40 are in use; the rest went back, most recent last
        for handle in (1..=1000u32).filter(|h| ![3, 40].contains(h)) {
            handles.by_cell.remove(&handle);
            handles.cell_of[handle as usize] = 0;
            handles.free.push(handle);
        }
        handles.trim();
        assert_eq!(handles.issued, 40);
        assert_eq!(handles.cell_of.len(), 41);
        assert!(handles.cell_of.capacity() <= 2 * TRIM_FLOOR);
        // the free ones are below the highest in use, the smallest reused first
        assert_eq!(handles.free.len(), 38);
        assert_eq!(handles.free.last(), Some(&1));
        assert!(handles.free.iter().all(|&h| h < 40 && h != 3));
        // a table near its need is left alone
        let before = handles.free.clone();
        handles.trim();
        assert_eq!(handles.free, before);
    }
}
