//! A client's picture of the arena, rebuilt from frames. The server keeps one per client too (it
//! is what "the client really received"), so both sides apply frames with this same code.

use std::collections::HashMap;

use crate::game::{CellEntered, Frame, PlayerInfo, View};

/// A map keyed by small integers the server hands out (handles, player and cell ids), with a fast
/// hash of a fixed seed. std's default SipHash resists keys an attacker chooses, which these are
/// not, at about five times the cost: the server looks up several of these per visible cell per
/// client per tick (issue 14), and a bot of the swarm as many per frame it decodes. The fixed
/// seed also makes iteration order, and so the order of a frame's lists, the same every run.
pub type IdMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

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

/// Every time a frame's tick crosses a multiple of this, the players table forgets the players
/// that own no known cell (docs/PROTOCOL.md). Server and client apply the same frames, so they
/// forget the same players at the same frame, and the server names a player again when one of
/// its cells comes back into view. Without it a client's table (and the server's copy of it)
/// grew to every player of the room it had ever seen, and kept the names of those who left
/// (issue 17).
pub const FORGET_PLAYERS_EVERY: u32 = 64;

#[derive(Debug, Clone, Default)]
pub struct ClientWorld {
    pub tick: u32,
    pub view: View,
    pub rank: u32,
    pub own: Vec<u32>,
    pub cells: IdMap<u32, KnownCell>,
    pub players: IdMap<u32, PlayerInfo>,
    /// Reused when forgetting players, so applying a frame allocates nothing in steady state.
    owners: Vec<u32>,
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
        let forget = frame.tick / FORGET_PLAYERS_EVERY != self.tick / FORGET_PLAYERS_EVERY;
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
        if forget {
            self.forget_unseen_players();
        }
        Ok(())
    }

    /// Drops the players that own none of the known cells.
    fn forget_unseen_players(&mut self) {
        self.owners.clear();
        self.owners.extend(self.cells.values().map(|c| c.owner));
        self.owners.sort_unstable();
        self.owners.dedup();
        let owners = &self.owners;
        self.players
            .retain(|id, _| owners.binary_search(id).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::CellEntered;

    fn entering(tick: u32, cell: u32, owner: u32) -> Frame {
        Frame {
            tick,
            players: vec![PlayerInfo {
                id: owner,
                name: format!("p{owner}"),
                color: 0,
            }],
            entered: vec![CellEntered {
                id: cell,
                kind: 0,
                x: 0,
                y: 0,
                size: 10,
                owner,
            }],
            ..Frame::default()
        }
    }

    #[test]
    fn players_with_no_known_cell_are_forgotten_when_a_frame_crosses_the_interval() {
        let mut world = ClientWorld::default();
        world.apply(&entering(1, 1, 7)).expect("applies");
        world.apply(&entering(2, 2, 8)).expect("applies");
        // 7's cell leaves; inside the interval 7 is still known
        let leave = Frame {
            tick: 3,
            left: vec![1],
            ..Frame::default()
        };
        world.apply(&leave).expect("applies");
        assert!(world.players.contains_key(&7));
        // the next frame past the boundary forgets 7, keeps 8 (its cell is in view)
        let later = Frame {
            tick: FORGET_PLAYERS_EVERY + 5,
            ..Frame::default()
        };
        world.apply(&later).expect("applies");
        assert!(!world.players.contains_key(&7));
        assert!(world.players.contains_key(&8));
        // and being named again brings it back
        world
            .apply(&entering(FORGET_PLAYERS_EVERY + 6, 3, 7))
            .expect("applies");
        assert_eq!(world.players[&7].name, "p7");
    }
}
