//! Rooms without threads or sockets: a link that records what the room sends, joins that wait for
//! their answer, and the small settings most room tests play on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};

use bytes::Bytes;
use parking_lot::Mutex;
use petri_shared::game::{JoinRequest, Joined, Refusal};

use super::WAIT;
use crate::headless::runner::build_arena;
use crate::headless::{Lineup, MatchSettings};
use crate::rooms::link::Delivery;
use crate::rooms::{ClientId, ClientLink, Room, RoomCommand, RoomHandle, RoomSettings};
use crate::sim::{Arena, SimConfig};

/// A `ClientLink` that keeps everything it is sent.
#[derive(Debug, Default)]
pub struct RecordingLink {
    pub frames: Mutex<Vec<Bytes>>,
    pub boards: Mutex<Vec<Bytes>>,
    /// Every event, by name, with its JSON payload.
    pub events: Mutex<Vec<(String, serde_json::Value)>>,
    /// A client that has fallen behind: while set, its queue refuses frames.
    pub congested: AtomicBool,
}

impl RecordingLink {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn set_congested(&self, congested: bool) {
        self.congested.store(congested, Ordering::Relaxed);
    }

    /// Whether an event of this name has arrived.
    pub fn got_event(&self, name: &str) -> bool {
        self.events.lock().iter().any(|(e, _)| e == name)
    }
}

impl ClientLink for RecordingLink {
    fn send_frame(&self, frame: Bytes) -> Delivery {
        if self.congested.load(Ordering::Relaxed) {
            return Delivery::Dropped;
        }
        self.frames.lock().push(frame);
        Delivery::Sent
    }
    fn send_board(&self, board: Bytes) -> Delivery {
        self.boards.lock().push(board);
        Delivery::Sent
    }
    fn send_event(&self, event: &'static str, payload: serde_json::Value) -> bool {
        self.events.lock().push((event.to_owned(), payload));
        true
    }
}

/// A `Join` command and where its answer will arrive.
pub fn join_command(
    client: ClientId,
    link: Arc<dyn ClientLink>,
    request: JoinRequest,
) -> (RoomCommand, Receiver<Result<Joined, Refusal>>) {
    let (tx, rx) = channel();
    let command = RoomCommand::Join {
        client,
        link,
        request: Box::new(request),
        reply: Box::new(move |answer| {
            let _ = tx.send(answer);
        }),
    };
    (command, rx)
}

/// Joins a room the test drives itself; a room answers a join at once, inside `handle`.
pub fn join_now(
    room: &mut Room,
    client: ClientId,
    link: Arc<dyn ClientLink>,
    request: JoinRequest,
) -> Result<Joined, Refusal> {
    let (command, answer) = join_command(client, link, request);
    room.handle(command);
    answer.try_recv().expect("the join is answered at once")
}

/// Joins a room running on its own thread, waiting (at most `WAIT`) for its answer.
pub fn join_through(
    room: &RoomHandle,
    client: ClientId,
    link: Arc<dyn ClientLink>,
    request: JoinRequest,
) -> Result<Joined, Refusal> {
    let (command, answer) = join_command(client, link, request);
    room.send(command).expect("the room takes the join");
    answer.recv_timeout(WAIT).expect("the join is answered")
}

/// A small, quick room: a 4000 x 4000 map with 200 food and 5 viruses, room for 10 people, no
/// bots, not persistent. Tests change what they are about with struct update syntax.
pub fn small_room_settings() -> RoomSettings {
    RoomSettings {
        name: "test".into(),
        capacity: 10,
        bot_fill: 0,
        sim: SimConfig {
            border_width: 4000.0,
            border_height: 4000.0,
            food_target_count: 200,
            virus_min_count: 5,
            ..SimConfig::classic()
        },
        private_code: None,
        persistent: false,
    }
}

/// A bots-only arena as `petri match` builds it: `lineup` like `"forager:10,hunter:5"`, on the
/// classic rules with the map sized for the bots.
pub fn arena_with_bots(lineup: &str, seed: u64) -> Arena {
    let lineup: Lineup = lineup.parse().expect("a valid lineup");
    build_arena(&MatchSettings::classic_scaled(lineup, 0), seed).expect("a valid arena")
}
