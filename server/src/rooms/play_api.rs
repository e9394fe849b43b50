//! The `/play` namespace: joining a room and playing in it (docs/PROTOCOL.md).
//!
//! Handlers run on network tasks and never wait: each checks and converts its arguments, then
//! queues a command for the room's thread. Here an event's shape is checked (a `join` that is not
//! a `JoinRequest`, an `input` that is not two numbers) and a flood is cut at the door; the room
//! itself checks the values (finite, in range) and its own per-player rates. Every refusal on
//! either side is counted by reason in the room's `RoomStatus`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use petri_shared::game::{JoinRequest, Refusal, RefusalCode, events, namespaces};
use serde_json::Value;
use tracing::debug;

use super::api::{answer, answer_result, first_arg, refuse, slow_down};
use super::chat::ChatReject;
use super::command::{ClientId, RoomCommand};
use super::net_limiter::NetLimiter;
use super::placement::Placement;
use super::runner::{RoomHandle, SendError};
use super::socket_link::{LinkEnder, RoomChannel, SocketLink};
use super::status::Reject;
use crate::realtime::{Ack, Payload, SocketIo, SocketRef};

/// Events a socket may send per second (and burst) before they are dropped at the door. Above
/// the rooms' own limits on purpose: this only guards the rooms' shared queues from floods.
const EVENTS_PER_SECOND: f64 = 120.0;
const EVENT_BURST: f64 = 60.0;

/// A connection's place in a room.
#[derive(Clone)]
struct Seat {
    client: ClientId,
    room: Arc<RoomHandle>,
    /// Ends this seat's link the moment the socket leaves or moves on.
    link: LinkEnder,
    /// The room's realtime room, which the socket is a member of while seated (chat).
    channel: RoomChannel,
}

impl Seat {
    fn reject(&self, reason: Reject) {
        self.room.status().rejected.bump(reason);
    }

    /// Queues a command for the room, counting it when the room is too busy to take it.
    fn send(&self, command: RoomCommand) {
        if let Err(SendError::Busy(_)) = self.room.send(command) {
            self.reject(Reject::RateLimited);
        }
    }
}

/// What every handler of one `/play` connection shares.
struct Player {
    client: ClientId,
    lobby: Arc<Placement>,
    limiter: NetLimiter,
}

/// A handler for an event that only means something in a room.
type SeatedHandler = fn(&Seat, &Payload);

pub fn register(io: &SocketIo, lobby: Arc<Placement>) {
    let next_client = Arc::new(AtomicU64::new(1));
    io.ns(namespaces::PLAY, move |socket: SocketRef| {
        let player = Arc::new(Player {
            client: next_client.fetch_add(1, Ordering::Relaxed),
            lobby: Arc::clone(&lobby),
            limiter: NetLimiter::new(EVENTS_PER_SECOND, EVENT_BURST),
        });
        let joiner = Arc::clone(&player);
        socket.on(events::JOIN, move |socket, payload, ack| {
            on_join(&joiner, socket, &payload, ack);
        });
        let seated: [(&str, SeatedHandler); 7] = [
            (events::INPUT, on_input),
            (events::SPLIT, |seat, _| {
                seat.send(RoomCommand::Split {
                    client: seat.client,
                });
            }),
            (events::EJECT, |seat, _| {
                seat.send(RoomCommand::Eject {
                    client: seat.client,
                });
            }),
            (events::RESPAWN, |seat, _| {
                seat.send(RoomCommand::Respawn {
                    client: seat.client,
                });
            }),
            (events::SPECTATE, on_spectate),
            (events::CHAT, on_chat),
            (events::VIEW, on_view),
        ];
        for (event, handler) in seated {
            on_seated(&socket, event, &player, handler);
        }
        socket.on(events::LEAVE, |socket, _, ack| {
            vacate(socket);
            answer(ack, &serde_json::json!({ "ok": true }));
        });
        socket.on_unknown(on_unknown);
        socket.on_disconnect(|socket, _reason| on_disconnect(socket));
    });
}

/// Registers `handler` for `event` behind the one guard every in-room event shares: the socket
/// must have a seat, and the connection must be within its event rate (else it is counted).
fn on_seated(socket: &SocketRef, event: &str, player: &Arc<Player>, handler: SeatedHandler) {
    let player = Arc::clone(player);
    socket.on(event, move |socket, payload, _ack| {
        let Some(seat) = socket.data::<Seat>() else {
            return;
        };
        if !player.limiter.allow() {
            return seat.reject(Reject::RateLimited);
        }
        handler(&seat, &payload);
    });
}

/// `input [x, y]`: steer toward a point.
fn on_input(seat: &Seat, payload: &Payload) {
    let coordinate = |i: usize| payload.args.get(i).and_then(Value::as_f64);
    match (coordinate(0), coordinate(1)) {
        (Some(x), Some(y)) => seat.send(RoomCommand::Target {
            client: seat.client,
            x,
            y,
        }),
        _ => seat.reject(Reject::BadNumber),
    }
}

/// `spectate { follow? }`: watch another player, or the top one.
fn on_spectate(seat: &Seat, payload: &Payload) {
    let follow = payload
        .args
        .first()
        .and_then(|v| v.get("follow"))
        .and_then(Value::as_u64)
        .and_then(|id| u32::try_from(id).ok());
    seat.send(RoomCommand::Spectate {
        client: seat.client,
        follow,
    });
}

/// `view { aspect }`: the screen's shape changed; the room checks the number.
fn on_view(seat: &Seat, payload: &Payload) {
    let aspect = payload.args.first().and_then(|v| v.get("aspect"));
    match aspect.and_then(Value::as_f64) {
        Some(aspect) => seat.send(RoomCommand::ViewShape {
            client: seat.client,
            aspect,
        }),
        None => seat.reject(Reject::BadNumber),
    }
}

/// `chat "text"`: a line for everyone in the room; the room cleans, limits and relays it.
fn on_chat(seat: &Seat, payload: &Payload) {
    match payload.args.first().and_then(Value::as_str) {
        Some(text) => seat.send(RoomCommand::Chat {
            client: seat.client,
            text: text.into(),
            relay: seat.channel.relay(),
        }),
        None => seat.room.status().chat.reject(ChatReject::Malformed),
    }
}

fn on_unknown(socket: &SocketRef, event: &str, ack: Option<Ack>) {
    if let Some(seat) = socket.data::<Seat>() {
        seat.reject(Reject::UnknownEvent);
    }
    debug!(socket = %socket.id(), event, "unknown event");
    let message = format!("`{event}` is not an event of {}", namespaces::PLAY);
    refuse(ack, RefusalCode::UnknownEvent, message);
}

fn on_disconnect(socket: &SocketRef) {
    if let Some(seat) = socket.data::<Seat>() {
        // the room also notices a closed link on its own, should this notice not fit
        let _ = seat.room.send(RoomCommand::Disconnected {
            client: seat.client,
        });
    }
}

/// Leaves the socket's current room, if any: its frames stop at once, the room hears of it
/// at its next command.
fn vacate(socket: &SocketRef) {
    if let Some(seat) = socket.extensions.remove::<Seat>() {
        seat.link.end();
        seat.channel.exit(socket);
        let _ = seat.room.send(RoomCommand::Leave {
            client: seat.client,
        });
    }
}

/// `join JoinRequest`: enter a room (leaving the one the socket was in), answered by the room.
fn on_join(player: &Player, socket: &SocketRef, payload: &Payload, ack: Option<Ack>) {
    if !player.limiter.allow() {
        return answer(ack, &slow_down());
    }
    let request: JoinRequest = match first_arg(payload, events::JOIN, "JoinRequest", false) {
        Ok(request) => request,
        Err(refusal) => return answer(ack, &refusal),
    };
    let Some(room) = player.lobby.lobby().get(&request.room) else {
        // not here: in a cluster the directory may know which node has it
        let lobby = Arc::clone(&player.lobby);
        tokio::spawn(async move { answer(ack, &lobby.locate(&request.room).await) });
        return;
    };
    // joining again (here or elsewhere) leaves the room it was in first
    vacate(socket);
    let link = SocketLink::new(socket.clone());
    let seat = Seat {
        client: player.client,
        room: Arc::clone(&room),
        link: link.ender(),
        channel: RoomChannel::new(socket, room.id()),
    };
    let reply_socket = socket.clone();
    let command = RoomCommand::Join {
        client: player.client,
        link: Arc::new(link),
        request: Box::new(request),
        reply: Box::new(move |result| {
            if result.is_ok() {
                seat.channel.enter(&reply_socket);
                reply_socket.set_data(seat);
            }
            answer_result(ack, result);
        }),
    };
    if let Err(error) = room.send(command) {
        let (command, code, message) = match error {
            SendError::Busy(c) => (
                c,
                RefusalCode::Busy,
                "the room is too busy right now; try again",
            ),
            SendError::Closed(c) => (c, RefusalCode::UnknownRoom, "that room has just closed"),
        };
        if let RoomCommand::Join { reply, .. } = *command {
            reply(Err(Refusal::new(code, message)));
        }
    }
}
