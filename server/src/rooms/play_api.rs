//! The `/play` namespace: joining a room and playing in it (docs/PROTOCOL.md).
//!
//! Handlers run on network tasks and never wait: each checks and converts its arguments, then
//! queues a command for the room's thread. Anything malformed is refused here with a counted
//! reason and never reaches the room as garbage.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use petri_shared::game::{JoinRequest, Refusal, events, namespaces};
use serde_json::Value;
use tracing::debug;

use super::command::{ClientId, RoomCommand};
use super::lobby::Lobby;
use super::net_limiter::NetLimiter;
use super::runner::{RoomHandle, SendError};
use super::socket_link::{LinkEnder, SocketLink};
use super::status::RejectCounts;
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
}

/// Leaves the socket's current room, if any: its frames stop at once, the room hears of it
/// at its next command.
fn vacate(socket: &SocketRef) {
    if let Some(seat) = socket.extensions.remove::<Seat>() {
        seat.link.end();
        let _ = seat.room.send(RoomCommand::Leave {
            client: seat.client,
        });
    }
}

fn refusal(code: &str, message: impl Into<String>) -> Value {
    serde_json::to_value(Refusal::new(code, message)).unwrap_or(Value::Null)
}

fn answer(ack: Option<Ack>, value: Value) {
    if let Some(ack) = ack {
        let _ = ack.send(value);
    }
}

/// Queues a command for the socket's room, counting it when the room is too busy to take it.
fn send(seat: &Seat, command: RoomCommand) {
    if let Err(SendError::Busy(_)) = seat.room.send(command) {
        RejectCounts::count(&seat.room.status().rejected.rate_limited);
    }
}

pub fn register(io: &SocketIo, lobby: Arc<Lobby>) {
    let next_client = Arc::new(AtomicU64::new(1));
    io.ns(namespaces::PLAY, move |socket: SocketRef| {
        let client = next_client.fetch_add(1, Ordering::Relaxed);
        let limiter = Arc::new(NetLimiter::new(EVENTS_PER_SECOND, EVENT_BURST));
        socket.set_data(limiter.clone());

        let lobby_for_join = Arc::clone(&lobby);
        let join_limiter = limiter.clone();
        socket.on(events::JOIN, move |socket, payload, ack| {
            if !join_limiter.allow() {
                return answer(ack, refusal("rate-limited", "too many requests; slow down"));
            }
            join(&lobby_for_join, socket, client, payload, ack);
        });

        let input_limiter = limiter.clone();
        socket.on(events::INPUT, move |socket, payload, _| {
            let Some(seat) = socket.data::<Seat>() else {
                return;
            };
            if !input_limiter.allow() {
                return RejectCounts::count(&seat.room.status().rejected.rate_limited);
            }
            let coordinate = |i: usize| payload.args.get(i).and_then(Value::as_f64);
            match (coordinate(0), coordinate(1)) {
                (Some(x), Some(y)) => send(
                    &seat,
                    RoomCommand::Target {
                        client: seat.client,
                        x,
                        y,
                    },
                ),
                _ => RejectCounts::count(&seat.room.status().rejected.bad_number),
            }
        });

        for (event, make) in [
            (
                events::SPLIT,
                (|client| RoomCommand::Split { client }) as fn(ClientId) -> RoomCommand,
            ),
            (events::EJECT, |client| RoomCommand::Eject { client }),
            (events::RESPAWN, |client| RoomCommand::Respawn { client }),
        ] {
            let limiter = limiter.clone();
            socket.on(event, move |socket, _, _| {
                let Some(seat) = socket.data::<Seat>() else {
                    return;
                };
                if limiter.allow() {
                    send(&seat, make(seat.client));
                } else {
                    RejectCounts::count(&seat.room.status().rejected.rate_limited);
                }
            });
        }

        let spectate_limiter = limiter.clone();
        socket.on(events::SPECTATE, move |socket, payload, _| {
            let Some(seat) = socket.data::<Seat>() else {
                return;
            };
            if !spectate_limiter.allow() {
                return RejectCounts::count(&seat.room.status().rejected.rate_limited);
            }
            let follow = payload
                .args
                .first()
                .and_then(|v| v.get("follow"))
                .and_then(Value::as_u64)
                .and_then(|id| u32::try_from(id).ok());
            send(
                &seat,
                RoomCommand::Spectate {
                    client: seat.client,
                    follow,
                },
            );
        });

        socket.on(events::LEAVE, move |socket, _, ack| {
            vacate(socket);
            answer(ack, serde_json::json!({ "ok": true }));
        });

        socket.on_unknown(move |socket, event, ack| {
            if let Some(seat) = socket.data::<Seat>() {
                RejectCounts::count(&seat.room.status().rejected.unknown_event);
            }
            debug!(socket = %socket.id(), event, "unknown event");
            answer(
                ack,
                refusal(
                    "unknown-event",
                    format!("`{event}` is not an event of {}", namespaces::PLAY),
                ),
            );
        });

        socket.on_disconnect(|socket, _reason| {
            if let Some(seat) = socket.data::<Seat>() {
                // the room also notices a closed link on its own, should this notice not fit
                let _ = seat.room.send(RoomCommand::Disconnected {
                    client: seat.client,
                });
            }
        });
    });
}

fn join(lobby: &Lobby, socket: &SocketRef, client: ClientId, payload: Payload, ack: Option<Ack>) {
    let request: JoinRequest = match payload.args.first().cloned().map(serde_json::from_value) {
        Some(Ok(request)) => request,
        Some(Err(error)) => {
            return answer(
                ack,
                refusal(
                    "bad-request",
                    format!("join takes a JoinRequest object: {error}"),
                ),
            );
        }
        None => {
            return answer(
                ack,
                refusal(
                    "bad-request",
                    "join takes a JoinRequest object: { room, name, ... }",
                ),
            );
        }
    };
    let Some(room) = lobby.get(&request.room) else {
        let shown: String = request.room.chars().take(40).collect();
        return answer(
            ack,
            refusal(
                "unknown-room",
                format!("there is no room `{shown}` (it may have closed)"),
            ),
        );
    };
    // joining again (here or elsewhere) leaves the room it was in first
    vacate(socket);
    let link = SocketLink::new(socket.clone());
    let seat = Seat {
        client,
        room: Arc::clone(&room),
        link: link.ender(),
    };
    let reply_socket = socket.clone();
    let command = RoomCommand::Join {
        client,
        link: Arc::new(link),
        request,
        reply: Box::new(move |result| {
            let value = match result {
                Ok(joined) => {
                    reply_socket.set_data(seat);
                    serde_json::to_value(joined).unwrap_or(Value::Null)
                }
                Err(refused) => serde_json::to_value(refused).unwrap_or(Value::Null),
            };
            answer(ack, value);
        }),
    };
    if let Err(error) = room.send(command) {
        let (command, code, message) = match error {
            SendError::Busy(c) => (c, "busy", "the room is too busy right now; try again"),
            SendError::Closed(c) => (c, "unknown-room", "that room has just closed"),
        };
        if let RoomCommand::Join { reply, .. } = *command {
            reply(Err(Refusal::new(code, message)));
        }
    }
}
