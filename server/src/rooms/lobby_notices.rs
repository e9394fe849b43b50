//! `rooms-changed`: lobby sockets hear when a public room opens, changes its player count, or
//! closes, on this node or (in a cluster) any node, so a room list stays live without polling.
//!
//! Rooms run on their own threads and publish their counts as atomics; rather than have every
//! room thread call out, one task compares the public rooms every [`NOTICE_POLL`] with what it saw
//! last. Opening and closing are told at once; a changed player count at most every
//! [`UPDATE_EVERY`] per room, because every notice makes every lobby socket re-read the list.
//!
//! On a single node the notices go straight to the local `/lobby` sockets. In a cluster they are
//! published to Redis and come back to every node, this one included, through the subscription
//! (docs/CLUSTER.md §5): one path, so a node never tells its own sockets twice. A notice from
//! another node also refreshes the placement's cached view before the sockets are told, so the
//! list they then ask for already has the change.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use petri_shared::game::{RoomChange, RoomSummary, RoomsChangedNotice, events, namespaces};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::debug;

use super::placement::Placement;
use crate::cluster::RoomsChanged;
use crate::realtime::{Shutdown, SocketIo};

/// How often the local public rooms are compared for changes.
pub const NOTICE_POLL: Duration = Duration::from_millis(500);
/// The least time between two `updated` notices of one room.
pub const UPDATE_EVERY: Duration = Duration::from_secs(2);
/// The least time between two directory re-reads caused by other nodes' notices. Every node
/// re-reads the whole directory on a foreign notice, so without a floor the directory traffic
/// grows with the cube of the node count (BENCHMARKS.md, "Cluster"); notices heard meanwhile are
/// held and told together after the one re-read.
pub const NOTICE_REFRESH_MIN: Duration = Duration::from_millis(250);
/// Foreign notices held for the next re-read; beyond it the oldest are told without waiting.
const HELD_NOTICES: usize = 256;
/// The longest room id a notice from Redis may name (ids are 10 characters, `main` is 4); a
/// longer one is dropped, not relayed to every lobby socket.
const MAX_NOTICE_ROOM_ID: usize = 64;

/// What a lobby list shows of a room; a change of any of it is a notice.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Shown {
    players: u32,
    capacity: u32,
}

/// The last state told of each local public room.
#[derive(Default)]
struct Watched {
    rooms: HashMap<String, (Shown, Instant)>,
}

impl Watched {
    /// The notices due for `now`'s public rooms; remembers what it told.
    fn changes(&mut self, rooms: &[RoomSummary], now: Instant) -> Vec<(String, RoomChange)> {
        let mut due = Vec::new();
        for room in rooms {
            let shown = Shown {
                players: room.players,
                capacity: room.capacity,
            };
            match self.rooms.get_mut(&room.id) {
                None => {
                    self.rooms.insert(room.id.clone(), (shown, now));
                    due.push((room.id.clone(), RoomChange::Opened));
                }
                Some((told, at)) if *told != shown && now - *at >= UPDATE_EVERY => {
                    (*told, *at) = (shown, now);
                    due.push((room.id.clone(), RoomChange::Updated));
                }
                Some(_) => {}
            }
        }
        self.rooms.retain(|id, _| {
            let open = rooms.iter().any(|r| &r.id == id);
            if !open {
                due.push((id.clone(), RoomChange::Closed));
            }
            open
        });
        due
    }
}

/// Starts the notice task; it ends when `stop` begins.
pub fn spawn(placement: Arc<Placement>, io: SocketIo, stop: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut watched = Watched::default();
        // the rooms open at start are not news
        watched.changes(&placement.lobby().list_public(), Instant::now());
        let mut poll = tokio::time::interval(NOTICE_POLL);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // (a single node has no view to refresh: the long period is never acted on)
        let every = placement
            .view_refresh()
            .unwrap_or(Duration::from_secs(3600));
        let mut refresh = tokio::time::interval(every);
        refresh.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut notices = placement.node().map(|node| node.subscribe_rooms_changed());
        let mut held = Held::default();
        loop {
            tokio::select! {
                () = stop.begun() => break,
                _ = poll.tick() => {
                    let due = watched.changes(&placement.lobby().list_public(), Instant::now());
                    tell(&placement, &io, due).await;
                }
                _ = refresh.tick() => placement.refresh_view().await,
                () = held.due() => {
                    placement.refresh_view().await;
                    held.tell(&io);
                }
                notice = next_notice(&mut notices) => match notice {
                    Ok(notice) => heard(&placement, &io, &mut held, notice),
                    // too far behind: some notices are lost; re-read and tell once
                    Err(RecvError::Lagged(_)) => placement.refresh_view().await,
                    Err(RecvError::Closed) => notices = None,
                },
            }
        }
    })
}

/// Other nodes' notices waiting for the next coalesced re-read of the directory.
struct Held {
    notices: Vec<RoomsChanged>,
    /// When the held notices are told (after the re-read); `None` while none is held.
    at: Option<Instant>,
    last_read: Instant,
}

impl Default for Held {
    fn default() -> Self {
        Self {
            notices: Vec::new(),
            at: None,
            last_read: Instant::now()
                .checked_sub(NOTICE_REFRESH_MIN)
                .unwrap_or_else(Instant::now),
        }
    }
}

impl Held {
    fn hold(&mut self, io: &SocketIo, notice: RoomsChanged) {
        if self.notices.len() >= HELD_NOTICES {
            let oldest = self.notices.remove(0);
            emit(io, oldest.room_id, oldest.change);
        }
        self.notices.push(notice);
        if self.at.is_none() {
            self.at = Some((self.last_read + NOTICE_REFRESH_MIN).max(Instant::now()));
        }
    }

    /// Completes when the held notices are due (never while none is held).
    async fn due(&self) {
        match self.at {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }

    fn tell(&mut self, io: &SocketIo) {
        self.at = None;
        self.last_read = Instant::now();
        for notice in self.notices.drain(..) {
            emit(io, notice.room_id, notice.change);
        }
    }
}

async fn next_notice(
    notices: &mut Option<tokio::sync::broadcast::Receiver<RoomsChanged>>,
) -> Result<RoomsChanged, RecvError> {
    match notices {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// Tells the local changes: to the cluster, or straight to this node's lobby sockets.
async fn tell(placement: &Placement, io: &SocketIo, due: Vec<(String, RoomChange)>) {
    let Some(node) = placement.node() else {
        for (room, change) in due {
            emit(io, room, change);
        }
        return;
    };
    if !due.is_empty() {
        node.refresh_now();
    }
    for (room, change) in due {
        if let Err(error) = node.publish_rooms_changed(&room, change).await {
            debug!(%error, "a rooms-changed notice was not published");
        }
    }
}

/// A notice from the cluster (this node's own come back too): this node's own changes are told
/// at once (its own rooms are read live); another node's wait for the next coalesced re-read, so
/// the list the sockets then ask for already has the change.
fn heard(placement: &Placement, io: &SocketIo, held: &mut Held, notice: RoomsChanged) {
    if notice.room_id.len() > MAX_NOTICE_ROOM_ID {
        debug!(
            len = notice.room_id.len(),
            "a rooms-changed notice with an oversized room id was dropped"
        );
        return;
    }
    let own = placement
        .node()
        .is_some_and(|n| *n.node_id() == notice.node);
    if own {
        emit(io, notice.room_id, notice.change);
    } else {
        held.hold(io, notice);
    }
}

fn emit(io: &SocketIo, room: String, change: RoomChange) {
    let Some(lobby) = io.of(namespaces::LOBBY) else {
        return;
    };
    let notice = RoomsChangedNotice { room, change };
    match serde_json::to_value(&notice) {
        Ok(value) => {
            // local: every node tells its own lobby sockets (the notice itself crossed Redis)
            let _ = lobby.all().local().emit(events::ROOMS_CHANGED, value);
        }
        Err(error) => debug!(%error, "could not serialise a rooms-changed notice"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str, players: u32) -> RoomSummary {
        RoomSummary {
            id: id.into(),
            name: id.into(),
            mode: "ffa".into(),
            players,
            bots: 0,
            spectators: 0,
            capacity: 10,
            private: false,
            url: None,
        }
    }

    #[test]
    fn opened_closed_at_once_and_updates_at_most_every_interval() {
        let mut watched = Watched::default();
        let t0 = Instant::now();
        assert_eq!(
            watched.changes(&[room("a", 0)], t0),
            vec![("a".into(), RoomChange::Opened)]
        );
        assert!(watched.changes(&[room("a", 0)], t0).is_empty());
        // a count change inside the interval waits; after it, it is told once
        assert!(
            watched
                .changes(&[room("a", 1)], t0 + NOTICE_POLL)
                .is_empty()
        );
        let later = t0 + UPDATE_EVERY;
        assert_eq!(
            watched.changes(&[room("a", 1)], later),
            vec![("a".into(), RoomChange::Updated)]
        );
        assert!(
            watched
                .changes(&[room("a", 1)], later + UPDATE_EVERY)
                .is_empty()
        );
        assert_eq!(
            watched.changes(&[], later),
            vec![("a".into(), RoomChange::Closed)]
        );
    }
}
