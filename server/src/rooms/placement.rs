//! Where rooms are and where new ones go: this node alone, or every node of a cluster.
//!
//! The lobby's answers (`rooms`, `quickplay`, `create`, `GET /api/rooms`) and a join for a room
//! this node does not have all come here. On a single node it is the local [`Lobby`] and nothing
//! more. In a cluster it adds the other nodes' public rooms from a *cached* view of the directory,
//! refreshed every heartbeat interval (the directory changes no faster) and on every
//! `rooms-changed` notice (`lobby_notices.rs`), so a
//! thousand lobby sockets asking for the list cost no Redis round trip each, and a Redis outage
//! leaves the lobby serving the local rooms (the view is emptied when a read fails).
//!
//! This node's own rooms are always read live from the lobby, never from the cache. Decisions made
//! on the cache are corrected locally at once: a quick play sent to a remote room counts one more
//! player on its node, a room placed on a node counts one more room on it, so a burst of players
//! within one refresh spreads instead of piling onto one stale choice.
//!
//! A quick-play answer is not a reservation: the player joins a moment later, and a remote room's
//! count reaches this node only after the owner's next heartbeat and this node's next refresh. So
//! every answer is remembered for that long ([`EnRoute`]) and counts as a player of the room, local
//! or remote, until the room's reported count catches up. Without it a burst (bench/cluster.sh:
//! 2,000 bots through one lobby at 200 a second) sends a whole second's worth of players to the one
//! fullest room, most are refused `full`, and their retries pile onto the next stale choice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use petri_shared::game::{CreateRoom, Refusal, RefusalCode, RoomCreated, RoomSummary};
use tokio::sync::Semaphore;
use tracing::debug;

use super::lobby::Lobby;
use super::local_rooms::LobbyRooms;
use crate::cluster::{ClusterError, ClusterNode, LocalRooms, NodeId, NodeLoad, NodeRecord};

/// Directory look-ups (joins of rooms this node lacks) in flight at once. Beyond it a join is
/// answered `unknown-room` at once, so a flood of joins for made-up rooms cannot become a flood
/// of Redis round trips.
pub const MAX_LOOKUPS: usize = 64;

/// Beyond the two heartbeats a remote count lags (the owner's refresh, then this node's), how long
/// a player told to join a room may take to get there (a loaded node answers joins in hundreds of
/// milliseconds).
pub const JOIN_ALLOWANCE: Duration = Duration::from_secs(1);

/// Rooms with players on their way tracked at once; past it a further room is not tracked (its
/// answers count nothing extra, as before this ledger existed). Far above any node's room count.
pub const MAX_EN_ROUTE_ROOMS: usize = 4_096;

/// The rooms of this node, or of the whole cluster.
pub struct Placement {
    lobby: Arc<Lobby>,
    cluster: Option<Clustered>,
}

struct Clustered {
    node: Arc<ClusterNode>,
    /// This node's public URL, given with its own rooms.
    url: String,
    view: RwLock<ClusterView>,
    en_route: Mutex<EnRoute>,
    lookups: Semaphore,
}

/// Players sent to rooms by quick play and not yet seen in the rooms' counts.
#[derive(Default)]
struct EnRoute {
    rooms: HashMap<String, Sent>,
}

/// Players sent to one room since its count read `base`.
struct Sent {
    base: u32,
    count: u32,
    last: Instant,
}

impl EnRoute {
    /// Forgets rooms nobody was sent to for `memory`: by then their counts include those players.
    fn expire(&mut self, now: Instant, memory: Duration) {
        self.rooms
            .retain(|_, sent| now.saturating_duration_since(sent.last) < memory);
    }

    /// The room's players, counting those on their way. The reported count wins once it has
    /// caught up (so nobody is counted twice).
    fn players(&self, room: &RoomSummary) -> u32 {
        match self.rooms.get(&room.id) {
            Some(sent) => room.players.max(sent.base.saturating_add(sent.count)),
            None => room.players,
        }
    }

    /// One more player sent to `room` (as reported now).
    fn send(&mut self, room: &RoomSummary, now: Instant) {
        if !self.rooms.contains_key(&room.id) && self.rooms.len() >= MAX_EN_ROUTE_ROOMS {
            return;
        }
        let sent = self.rooms.entry(room.id.clone()).or_insert(Sent {
            base: room.players,
            count: 0,
            last: now,
        });
        if room.players >= sent.base.saturating_add(sent.count) {
            // the reported count includes everyone sent so far: start again from it
            sent.base = room.players;
            sent.count = 0;
        }
        sent.count += 1;
        sent.last = now;
    }
}

/// The last reading of the directory, without this node's own entries.
#[derive(Default)]
struct ClusterView {
    /// Other nodes' public rooms, each with its node's `url`.
    rooms: Vec<(NodeId, RoomSummary)>,
    /// Other live nodes, for placing new rooms.
    nodes: Vec<NodeRecord>,
}

impl ClusterView {
    /// One more person sent to `node`, until the next refresh says how many it really has.
    fn count_player_on(&mut self, node: &NodeId) {
        if let Some(record) = self.nodes.iter_mut().find(|n| n.id == *node) {
            record.load.players += 1;
        }
    }
}

impl Placement {
    /// A single self-contained node.
    pub fn single(lobby: Arc<Lobby>) -> Arc<Self> {
        Arc::new(Self {
            lobby,
            cluster: None,
        })
    }

    /// One node of a cluster; `url` is this node's public URL.
    pub fn clustered(lobby: Arc<Lobby>, node: Arc<ClusterNode>, url: String) -> Arc<Self> {
        Arc::new(Self {
            lobby,
            cluster: Some(Clustered {
                node,
                url,
                view: RwLock::new(ClusterView::default()),
                en_route: Mutex::new(EnRoute::default()),
                lookups: Semaphore::new(MAX_LOOKUPS),
            }),
        })
    }

    pub fn lobby(&self) -> &Arc<Lobby> {
        &self.lobby
    }

    /// How often the cached view of the other nodes is re-read even without a notice (a notice
    /// can be lost: pub/sub is at most once; and player counts change without one): once per
    /// heartbeat. `None` on a single node.
    pub fn view_refresh(&self) -> Option<Duration> {
        self.node().map(|node| node.heartbeat_interval())
    }

    /// The cluster membership, when clustered.
    pub fn node(&self) -> Option<&Arc<ClusterNode>> {
        self.cluster.as_ref().map(|c| &c.node)
    }

    /// Public rooms with space or not, fullest first: this node's live, the others' cached.
    pub fn list_public(&self) -> Vec<RoomSummary> {
        let mut list = self.lobby.list_public();
        let Some(cluster) = &self.cluster else {
            return list;
        };
        for room in &mut list {
            room.url = Some(cluster.url.clone());
        }
        list.extend(cluster.view.read().rooms.iter().map(|(_, r)| r.clone()));
        list.sort_by(|a, b| b.players.cmp(&a.players).then(a.id.cmp(&b.id)));
        list
    }

    /// The fullest public room with space anywhere (this node's on a tie), or a new one.
    pub async fn quickplay(&self) -> Result<RoomCreated, Refusal> {
        let Some(cluster) = &self.cluster else {
            return self.lobby.quickplay();
        };
        let now = Instant::now();
        let memory = cluster.node.heartbeat_interval() * 2 + JOIN_ALLOWANCE;
        let chosen = {
            let mut en_route = cluster.en_route.lock();
            en_route.expire(now, memory);
            let local = self
                .lobby
                .list_public()
                .into_iter()
                .map(|room| (en_route.players(&room), room))
                .filter(|(players, r)| *players < r.capacity)
                .max_by(|(a, ra), (b, rb)| a.cmp(b).then(rb.id.cmp(&ra.id)));
            let mut view = cluster.view.write();
            let remote = view
                .rooms
                .iter()
                .map(|(node, room)| (en_route.players(room), node, room))
                .filter(|(players, _, r)| *players < r.capacity)
                .max_by(|(a, _, ra), (b, _, rb)| a.cmp(b).then(rb.id.cmp(&ra.id)))
                .filter(|(players, _, _)| local.as_ref().is_none_or(|(l, _)| players > l))
                .map(|(_, node, room)| (node.clone(), room.clone()));
            let chosen = match (remote, local) {
                (Some((node, room)), _) => {
                    view.count_player_on(&node);
                    Some(room)
                }
                (None, Some((_, mut room))) => {
                    room.url = Some(cluster.url.clone());
                    Some(room)
                }
                (None, None) => None,
            };
            // counted now, so the next quick play within this refresh sees the room fuller
            if let Some(room) = &chosen {
                en_route.send(room, now);
            }
            chosen
        };
        let Some(room) = chosen else {
            let created = self.create(CreateRoom::default()).await?;
            if !created.room.private {
                cluster.en_route.lock().send(&created.room, Instant::now());
                let mut view = cluster.view.write();
                let node = view
                    .rooms
                    .iter()
                    .find(|(_, r)| r.id == created.room.id)
                    .map(|(node, _)| node.clone());
                if let Some(node) = node {
                    view.count_player_on(&node);
                }
            }
            return Ok(created);
        };
        Ok(RoomCreated {
            ok: true,
            room,
            code: None,
        })
    }

    /// Opens a room on the least-loaded node (this one on a tie, or whenever the directory is out
    /// of reach). A remote node must answer within the request timeout; there is no fallback to
    /// a local room then, because a stalled node may still open it (docs/CLUSTER.md §5).
    pub async fn create(&self, request: CreateRoom) -> Result<RoomCreated, Refusal> {
        let Some(cluster) = &self.cluster else {
            return self.lobby.create(&request);
        };
        let Some(target) = self.least_loaded_other(cluster) else {
            let mut created = self.lobby.create(&request)?;
            created.room.url = Some(cluster.url.clone());
            return Ok(created);
        };
        match cluster.node.create_room_on(&target, request).await {
            Ok(placed) => {
                let mut created = placed.created;
                created.room.url = Some(placed.url);
                if !created.room.private {
                    // listed here at once, not at the next refresh: quick plays can fill it now
                    let entry = (placed.node, created.room.clone());
                    cluster.view.write().rooms.push(entry);
                }
                Ok(created)
            }
            Err(ClusterError::Refused { reason, .. }) => {
                Err(Refusal::new(RefusalCode::BadRequest, reason))
            }
            Err(error) => Err(Refusal::new(
                RefusalCode::NodeUnavailable,
                format!("the server chosen for the room did not open it: {error}"),
            )),
        }
    }

    /// Another node with less load than this one, counted one room fuller at once.
    fn least_loaded_other(&self, cluster: &Clustered) -> Option<NodeRecord> {
        let own = LobbyRooms(Arc::clone(&self.lobby)).snapshot().load;
        let key = |load: &NodeLoad| (load.players, load.rooms);
        let mut view = cluster.view.write();
        let best = view
            .nodes
            .iter_mut()
            .filter(|n| key(&n.load) < key(&own))
            .min_by(|a, b| key(&a.load).cmp(&key(&b.load)).then(a.id.cmp(&b.id)))?;
        best.load.rooms += 1;
        Some(best.clone())
    }

    /// The refusal for a join of a room this node does not host: `other-node` with the URL of the
    /// node that does, or `unknown-room`.
    pub async fn locate(&self, room: &str) -> Refusal {
        let shown: String = room.chars().take(40).collect();
        let unknown = || {
            Refusal::new(
                RefusalCode::UnknownRoom,
                format!("there is no room `{shown}` (it may have closed)"),
            )
        };
        let Some(cluster) = &self.cluster else {
            return unknown();
        };
        let Ok(_lookup) = cluster.lookups.try_acquire() else {
            return unknown();
        };
        match cluster.node.find_room(room).await {
            Ok(Some(listed)) if listed.node != *cluster.node.node_id() => {
                Refusal::other_node(&shown, &listed.url)
            }
            Ok(_) => unknown(),
            Err(error) => {
                debug!(%error, "could not look a room up in the directory");
                unknown()
            }
        }
    }

    /// Re-reads the other nodes' rooms and load. When the directory cannot be read the view is
    /// emptied: the lobby then lists this node's rooms only, and places new rooms here.
    pub async fn refresh_view(&self) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        let me = cluster.node.node_id().clone();
        let read = async {
            let rooms = cluster.node.list_public_rooms().await?;
            let nodes = cluster.node.nodes().await?;
            Ok::<_, ClusterError>((rooms, nodes))
        };
        let view = match read.await {
            Ok((rooms, nodes)) => ClusterView {
                rooms: rooms
                    .into_iter()
                    .filter(|listed| listed.node != me)
                    .map(|listed| {
                        let mut room = listed.room;
                        room.url = Some(listed.url);
                        (listed.node, room)
                    })
                    .collect(),
                nodes: nodes.into_iter().filter(|n| n.id != me).collect(),
            },
            Err(error) => {
                debug!(%error, "the directory could not be read; listing local rooms only");
                ClusterView::default()
            }
        };
        *cluster.view.write() = view;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str, players: u32) -> RoomSummary {
        RoomSummary {
            id: id.to_owned(),
            name: id.to_owned(),
            mode: "ffa".to_owned(),
            players,
            bots: 0,
            spectators: 0,
            capacity: 50,
            private: false,
            url: None,
        }
    }

    #[test]
    fn players_on_their_way_count_until_the_reported_count_catches_up() {
        let (mut en_route, now) = (EnRoute::default(), Instant::now());
        for _ in 0..3 {
            en_route.send(&room("a", 10), now);
        }
        assert_eq!(en_route.players(&room("a", 10)), 13);
        // two of them have joined: not counted twice
        assert_eq!(en_route.players(&room("a", 12)), 13);
        // a reading past everyone sent wins, and later sends start from it
        assert_eq!(en_route.players(&room("a", 20)), 20);
        en_route.send(&room("a", 20), now);
        assert_eq!(en_route.players(&room("a", 20)), 21);
        assert_eq!(en_route.players(&room("b", 4)), 4);
        en_route.expire(now + Duration::from_secs(10), Duration::from_secs(5));
        assert_eq!(en_route.players(&room("a", 20)), 20);
    }
}
