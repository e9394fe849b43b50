//! This node's rooms as the cluster sees them: the `cluster::LocalRooms` seam over the lobby.
//!
//! The heartbeat calls `snapshot` every couple of seconds; it reads the rooms' status atomics
//! (no room thread is asked anything), so it never blocks a tick. A create asked for by another
//! node goes through `Lobby::create`, the very path of a local `create`, so a remote room obeys
//! this node's limits exactly as a local one does.

use std::sync::Arc;

use crate::cluster::{
    BoxFuture, CreateRefused, CreateRoom, LocalRooms, LocalSnapshot, NodeLoad, RoomCreated,
};

use super::lobby::Lobby;

/// The lobby, seen from the cluster.
pub struct LobbyRooms(pub Arc<Lobby>);

impl LocalRooms for LobbyRooms {
    fn snapshot(&self) -> LocalSnapshot {
        let rooms: Vec<_> = self.0.all().iter().map(|room| room.summary()).collect();
        let people: u32 = rooms.iter().map(|r| r.players + r.spectators).sum();
        LocalSnapshot {
            load: NodeLoad {
                players: people,
                rooms: u32::try_from(rooms.len()).unwrap_or(u32::MAX),
            },
            rooms,
        }
    }

    fn create_room(&self, request: CreateRoom) -> BoxFuture<Result<RoomCreated, CreateRefused>> {
        let result = self.0.create(&request).map_err(|refusal| CreateRefused {
            reason: refusal.message,
        });
        Box::pin(async move { result })
    }
}
