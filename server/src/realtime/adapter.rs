//! Rooms: the in-memory index from room name to the sockets in it, per namespace.
//!
//! Named after the JS server's "adapter" (the piece a Redis/cluster adapter would replace).
//! Petri runs one process, so a `RwLock<HashMap>` is all it needs: joins/leaves take the write
//! lock briefly; broadcasts take the read lock only long enough to copy the member handles, and
//! never hold it while sending.

use super::room_name::RoomName;
use super::socket::SocketRef;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

/// Room membership of one namespace: room name, then socket id, to the socket itself (so a
/// broadcast needs no second lookup per receiver).
#[derive(Default)]
pub(crate) struct Adapter {
    rooms: RwLock<HashMap<RoomName, HashMap<Arc<str>, SocketRef>>>,
}

impl Adapter {
    pub(crate) fn add(&self, socket: &SocketRef, room: &RoomName) {
        self.rooms
            .write()
            .entry(room.clone())
            .or_default()
            .insert(socket.id_arc().clone(), socket.clone());
    }

    pub(crate) fn remove(&self, sid: &str, room: &str) {
        // the removed socket handle is dropped after the lock is released
        let removed = {
            let mut rooms = self.rooms.write();
            let Some(members) = rooms.get_mut(room) else {
                return;
            };
            let removed = members.remove(sid);
            if members.is_empty() {
                rooms.remove(room);
            }
            removed
        };
        drop(removed);
    }

    /// Appends the members of `rooms` to `out`, each socket once.
    pub(crate) fn collect_members<R: AsRef<str>>(&self, rooms: &[R], out: &mut Vec<SocketRef>) {
        {
            let map = self.rooms.read();
            for r in rooms {
                if let Some(m) = map.get(r.as_ref()) {
                    out.extend(m.values().cloned());
                }
            }
        }
        if rooms.len() > 1 {
            out.sort_unstable_by_key(|s| Arc::as_ptr(s) as usize);
            out.dedup_by(|a, b| Arc::ptr_eq(a, b));
        }
    }

    /// Number of sockets in `room`.
    pub(crate) fn len(&self, room: &str) -> usize {
        self.rooms.read().get(room).map_or(0, HashMap::len)
    }

    /// Whether `room` has members.
    pub(crate) fn contains(&self, room: &str) -> bool {
        self.rooms.read().contains_key(room)
    }

    /// The names of the rooms with members (a snapshot).
    pub(crate) fn room_names(&self) -> Vec<String> {
        self.rooms.read().keys().map(|r| r.to_string()).collect()
    }

    /// Number of rooms with members.
    pub(crate) fn room_count(&self) -> usize {
        self.rooms.read().len()
    }
}
