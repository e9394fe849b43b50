//! The `/lobby` namespace: listing rooms, creating one, quick play (docs/PROTOCOL.md), for this
//! node or the whole cluster (`placement.rs`). Lobby sockets also hear `rooms-changed`
//! (`lobby_notices.rs`).

use std::sync::Arc;

use petri_shared::game::{CreateRoom, RefusalCode, events, namespaces};

use super::api::{answer, answer_result, first_arg, refuse, slow_down};
use super::net_limiter::NetLimiter;
use super::placement::Placement;
use crate::realtime::{Ack, Payload, SocketIo, SocketRef};

/// Lobby requests a socket may make per second (and burst): creating rooms costs threads.
const REQUESTS_PER_SECOND: f64 = 5.0;
const REQUEST_BURST: f64 = 10.0;

/// A lobby request's handler.
type Request = fn(&Arc<Placement>, &Payload, Option<Ack>);

pub fn register(io: &SocketIo, lobby: Arc<Placement>) {
    io.ns(namespaces::LOBBY, move |socket: SocketRef| {
        let limiter = Arc::new(NetLimiter::new(REQUESTS_PER_SECOND, REQUEST_BURST));
        let requests: [(&str, Request); 3] = [
            (events::ROOMS, on_rooms),
            (events::CREATE, on_create),
            (events::QUICKPLAY, on_quickplay),
        ];
        for (event, handler) in requests {
            let (limiter, lobby) = (Arc::clone(&limiter), Arc::clone(&lobby));
            socket.on(event, move |_, payload, ack| {
                if limiter.allow() {
                    handler(&lobby, &payload, ack);
                } else {
                    answer(ack, &slow_down());
                }
            });
        }
        socket.on_unknown(|_, event, ack| {
            let message = format!("`{event}` is not an event of {}", namespaces::LOBBY);
            refuse(ack, RefusalCode::UnknownEvent, message);
        });
    });
}

/// `rooms`: the public rooms, fullest first (in a cluster, each with its node's `url`).
fn on_rooms(lobby: &Arc<Placement>, _: &Payload, ack: Option<Ack>) {
    answer(ack, &lobby.list_public());
}

/// `create CreateRoom?`: a new room within the host's limits, on the least-loaded node. The
/// answer may wait for another node, so it is given from a task of its own.
fn on_create(lobby: &Arc<Placement>, payload: &Payload, ack: Option<Ack>) {
    match first_arg::<CreateRoom>(payload, events::CREATE, "CreateRoom", true) {
        Ok(request) => {
            let lobby = Arc::clone(lobby);
            tokio::spawn(async move { answer_result(ack, lobby.create(request).await) });
        }
        Err(refusal) => answer(ack, &refusal),
    }
}

/// `quickplay`: the best public room with space, or a new one.
fn on_quickplay(lobby: &Arc<Placement>, _: &Payload, ack: Option<Ack>) {
    let lobby = Arc::clone(lobby);
    tokio::spawn(async move { answer_result(ack, lobby.quickplay().await) });
}
