//! The lobby: every room of this server, creating rooms from requests, and quick play.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use petri_shared::game::{CreateRoom, Refusal, RefusalCode, RoomCreated, RoomSummary};
use tracing::{info, warn};

use super::identity::clean_name;
use super::room::Room;
use super::runner::{self, RoomHandle};
use super::settings::{HostLimits, RoomSettings};
use super::tokens::new_code;
use crate::realtime::Shutdown;
use crate::replay::ReplayDir;

/// The id of the persistent public room every server starts with.
pub const MAIN_ROOM: &str = "main";

/// Characters kept of a created room's name (a player's name is `HostLimits::max_name_chars`).
const MAX_ROOM_NAME_CHARS: usize = 32;

pub struct Lobby {
    rooms: RwLock<HashMap<String, Arc<RoomHandle>>>,
    limits: HostLimits,
    /// What a created room starts from before the request's settings apply.
    template: RoomSettings,
    shutdown: Shutdown,
    /// Where rooms record their sessions, if the server records them.
    replays: Option<Arc<ReplayDir>>,
}

impl Lobby {
    pub fn new(limits: HostLimits, template: RoomSettings) -> Arc<Self> {
        Self::recording(limits, template, None)
    }

    /// A lobby whose rooms record their sessions into `replays` (if given).
    pub fn recording(
        limits: HostLimits,
        template: RoomSettings,
        replays: Option<Arc<ReplayDir>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            rooms: RwLock::new(HashMap::new()),
            limits,
            template,
            shutdown: Shutdown::new(),
            replays,
        })
    }

    pub fn limits(&self) -> &HostLimits {
        &self.limits
    }

    /// Opens a room under `id` with exactly these settings.
    pub fn open(&self, id: String, settings: RoomSettings) -> Result<Arc<RoomHandle>, Refusal> {
        self.prune_closed();
        let mut rooms = self.rooms.write();
        if rooms.len() >= self.limits.max_rooms {
            return Err(Refusal::new(
                RefusalCode::TooManyRooms,
                format!(
                    "this server hosts at most {} rooms; try quick play",
                    self.limits.max_rooms
                ),
            ));
        }
        if rooms.contains_key(&id) {
            return Err(Refusal::new(
                RefusalCode::BadRequest,
                format!("a room called {id} already exists"),
            ));
        }
        let seed = getrandom::u64().unwrap_or(0x5eed);
        let replays = self.replays.clone();
        let room = Room::recorded(id.clone(), settings, self.limits.clone(), seed, replays);
        let room = room.map_err(|e| {
            Refusal::new(
                RefusalCode::BadRequest,
                format!("those room settings do not work: {e}"),
            )
        })?;
        let handle = runner::start(room, self.limits.command_queue_depth, self.shutdown.clone())
            .map_err(|e| {
                warn!(error = %e, "could not start a room thread");
                Refusal::new(RefusalCode::Internal, "the server could not start the room")
            })?;
        info!(room = %id, "room created");
        rooms.insert(id, Arc::clone(&handle));
        Ok(handle)
    }

    /// Creates a room from a player's request, within the host's limits.
    pub fn create(&self, request: &CreateRoom) -> Result<RoomCreated, Refusal> {
        let limits = &self.limits;
        let mut settings = self.template.clone();
        settings.persistent = false;
        if let Some(name) = &request.name {
            settings.name = clean_name(name, MAX_ROOM_NAME_CHARS);
        }
        if let Some(size) = request.map_size {
            if !(size.is_finite() && (limits.min_map_size..=limits.max_map_size).contains(&size)) {
                return Err(Refusal::new(
                    RefusalCode::BadRequest,
                    format!(
                        "map_size must be between {} and {}",
                        limits.min_map_size, limits.max_map_size
                    ),
                ));
            }
            settings.sim.border_width = size;
            settings.sim.border_height = size;
        }
        if let Some(capacity) = request.capacity {
            if capacity == 0 || capacity > limits.max_capacity {
                return Err(Refusal::new(
                    RefusalCode::BadRequest,
                    format!("capacity must be between 1 and {}", limits.max_capacity),
                ));
            }
            settings.capacity = capacity;
        }
        if let Some(bots) = request.bots {
            if bots > limits.max_bots {
                return Err(Refusal::new(
                    RefusalCode::BadRequest,
                    format!("at most {} bots", limits.max_bots),
                ));
            }
            settings.bot_fill = bots;
        }
        if let Some(rate) = request.tick_rate {
            if !(limits.min_tick_rate..=limits.max_tick_rate).contains(&rate) {
                return Err(Refusal::new(
                    RefusalCode::BadRequest,
                    format!(
                        "tick_rate must be between {} and {}",
                        limits.min_tick_rate, limits.max_tick_rate
                    ),
                ));
            }
            settings.sim.tick_rate = rate;
        }
        if let Some(mode) = &request.mode {
            settings.sim.mode = mode.parse().map_err(|e: crate::sim::modes::UnknownMode| {
                Refusal::new(RefusalCode::BadRequest, e.to_string())
            })?;
        }
        let fresh = || {
            new_code().map_err(|_| {
                Refusal::new(RefusalCode::Internal, "the server could not make a room id")
            })
        };
        let code = if request.private {
            Some(fresh()?)
        } else {
            None
        };
        settings.private_code = code.clone();
        if request.name.is_none() {
            settings.name = if request.private {
                "private room".into()
            } else {
                "public room".into()
            };
        }
        let handle = self.open(fresh()?, settings)?;
        Ok(RoomCreated {
            ok: true,
            room: handle.summary(),
            code,
        })
    }

    /// The best public room with space (the fullest, so people meet people), or a new one.
    pub fn quickplay(&self) -> Result<RoomCreated, Refusal> {
        self.prune_closed();
        let best = self
            .rooms
            .read()
            .values()
            .filter(|r| r.private_code().is_none() && !r.is_closed())
            .map(|r| r.summary())
            .filter(|s| s.players < s.capacity)
            .max_by(|a, b| a.players.cmp(&b.players).then(b.id.cmp(&a.id)));
        match best {
            Some(room) => Ok(RoomCreated {
                ok: true,
                room,
                code: None,
            }),
            None => self.create(&CreateRoom::default()),
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<RoomHandle>> {
        self.rooms
            .read()
            .get(id)
            .filter(|r| !r.is_closed())
            .cloned()
    }

    /// Public rooms, fullest first.
    pub fn list_public(&self) -> Vec<RoomSummary> {
        let mut list: Vec<RoomSummary> = self
            .rooms
            .read()
            .values()
            .filter(|r| r.private_code().is_none() && !r.is_closed())
            .map(|r| r.summary())
            .collect();
        list.sort_by(|a, b| b.players.cmp(&a.players).then(a.id.cmp(&b.id)));
        list
    }

    /// Every open room (for metrics): a room that has closed is left out even before it is
    /// pruned, so `/metrics` and `/api/rooms` agree.
    pub fn all(&self) -> Vec<Arc<RoomHandle>> {
        self.rooms
            .read()
            .values()
            .filter(|r| !r.is_closed())
            .cloned()
            .collect()
    }

    /// Forgets rooms whose thread has finished.
    pub fn prune_closed(&self) {
        let closed: Vec<Arc<RoomHandle>> = {
            let mut rooms = self.rooms.write();
            let ids: Vec<String> = rooms
                .iter()
                .filter(|(_, r)| r.is_closed())
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| rooms.remove(id)).collect()
        };
        for room in closed {
            room.join_thread();
        }
    }

    /// Stops every room: each finishes its tick, tells its clients, and its thread ends.
    pub fn shutdown(&self) {
        self.shutdown.begin();
        let rooms: Vec<Arc<RoomHandle>> = self.rooms.write().drain().map(|(_, r)| r).collect();
        for room in rooms {
            room.join_thread();
        }
    }
}
