//! Rooms: the in-memory index from room name to the sockets in it, per namespace.
//!
//! Named after the JS server's "adapter" (the piece a Redis/cluster adapter would replace).
//! Petri runs one process, so a `RwLock<HashMap>` is all it needs: joins/leaves take the write
//! lock briefly; broadcasts take the read lock only long enough to copy the member ids, and never
//! hold it while sending.

use parking_lot::RwLock;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A room name.
pub type Room = Arc<str>;

/// Room membership of one namespace.
#[derive(Default)]
pub(crate) struct Adapter {
    rooms: RwLock<HashMap<Room, HashSet<Arc<str>>>>,
}

impl Adapter {
    pub(crate) fn add(&self, sid: &Arc<str>, room: &Room) {
        self.rooms
            .write()
            .entry(room.clone())
            .or_default()
            .insert(sid.clone());
    }

    pub(crate) fn remove(&self, sid: &str, room: &str) {
        let mut rooms = self.rooms.write();
        if let Some(members) = rooms.get_mut(room) {
            members.remove(sid);
            if members.is_empty() {
                rooms.remove(room);
            }
        }
    }

    /// The union of the members of `rooms` (each socket once).
    pub(crate) fn members(&self, rooms: &[Room]) -> HashSet<Arc<str>> {
        let map = self.rooms.read();
        let mut out = HashSet::new();
        for r in rooms {
            if let Some(m) = map.get(r) {
                out.extend(m.iter().cloned());
            }
        }
        out
    }

    /// Number of sockets in `room`.
    pub(crate) fn len(&self, room: &str) -> usize {
        self.rooms.read().get(room).map_or(0, HashSet::len)
    }
}
