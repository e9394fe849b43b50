//! A client's picture of the arena, rebuilt from frames. The server keeps one per client too (it
//! is what "the client really received"), so both sides apply frames with this same code.

use std::collections::HashMap;

use crate::game::{CellEntered, Frame, PlayerInfo, View};

/// A cell as the client knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownCell {
    pub kind: u8,
    pub x: i32,
    pub y: i32,
    pub size: u32,
    pub owner: u32,
}

impl From<&CellEntered> for KnownCell {
    fn from(c: &CellEntered) -> Self {
        Self {
            kind: c.kind,
            x: c.x,
            y: c.y,
            size: c.size,
            owner: c.owner,
        }
    }
}

/// A frame that does not fit the picture it is applied to: a bug, or a frame applied out of order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("frame for tick {frame} arrived after tick {known}")]
    OutOfOrder { frame: u32, known: u32 },
    #[error("cell {0} entered twice")]
    DuplicateCell(u32),
    #[error("cell {0} changed or left without having entered")]
    UnknownCell(u32),
}

#[derive(Debug, Clone, Default)]
pub struct ClientWorld {
    pub tick: u32,
    pub view: View,
    pub rank: u32,
    pub own: Vec<u32>,
    pub cells: HashMap<u32, KnownCell>,
    pub players: HashMap<u32, PlayerInfo>,
}

impl ClientWorld {
    /// Applies one frame. On error the world may be partly updated; a client should then rejoin.
    pub fn apply(&mut self, frame: &Frame) -> Result<(), ApplyError> {
        if frame.tick < self.tick {
            return Err(ApplyError::OutOfOrder {
                frame: frame.tick,
                known: self.tick,
            });
        }
        self.tick = frame.tick;
        self.view = frame.view.applied_to(self.view);
        self.rank = frame.rank;
        self.own.clear();
        self.own.extend_from_slice(&frame.own);
        for p in &frame.players {
            self.players.insert(p.id, p.clone());
        }
        for id in &frame.left {
            self.cells.remove(id).ok_or(ApplyError::UnknownCell(*id))?;
        }
        for c in &frame.entered {
            if self.cells.insert(c.id, KnownCell::from(c)).is_some() {
                return Err(ApplyError::DuplicateCell(c.id));
            }
        }
        for c in &frame.changed {
            let cell = self
                .cells
                .get_mut(&c.id)
                .ok_or(ApplyError::UnknownCell(c.id))?;
            cell.x = cell.x.wrapping_add(c.dx);
            cell.y = cell.y.wrapping_add(c.dy);
            cell.size = cell.size.wrapping_add_signed(c.dsize);
        }
        Ok(())
    }
}
