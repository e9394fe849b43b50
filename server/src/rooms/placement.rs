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
//! player there, a room placed on a node counts one more room on it, so a burst of players within
//! one refresh spreads instead of piling onto one stale choice.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;
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
    lookups: Semaphore,
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

    /// One more person sent to the listed room `id` (and its node).
    fn count_player_in(&mut self, id: &str) {
        let node = self
            .rooms
            .iter_mut()
            .find(|(_, r)| r.id == id)
            .map(|(node, room)| {
                room.players += 1;
                node.clone()
            });
        if let Some(node) = node {
            self.count_player_on(&node);
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
        let local = self
            .lobby
            .list_public()
            .into_iter()
            .filter(|r| r.players < r.capacity)
            .max_by(|a, b| a.players.cmp(&b.players).then(b.id.cmp(&a.id)));
        let remote = {
            let mut view = cluster.view.write();
            let best = view
                .rooms
                .iter_mut()
                .filter(|(_, r)| r.players < r.capacity)
                .max_by(|(_, a), (_, b)| a.players.cmp(&b.players).then(b.id.cmp(&a.id)));
            let chosen = match best {
                Some((node, room)) if local.as_ref().is_none_or(|l| room.players > l.players) => {
                    // counted now, so the next quick play within this refresh sees it fuller
                    room.players += 1;
                    Some((node.clone(), room.clone()))
                }
                _ => None,
            };
            chosen.map(|(node, room)| {
                view.count_player_on(&node);
                room
            })
        };
        let room = match (remote, local) {
            (Some(room), _) => room,
            (None, Some(mut room)) => {
                room.url = Some(cluster.url.clone());
                room
            }
            (None, None) => {
                let created = self.create(CreateRoom::default()).await?;
                cluster.view.write().count_player_in(&created.room.id);
                return Ok(created);
            }
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
