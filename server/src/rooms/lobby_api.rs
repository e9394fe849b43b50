//! The `/lobby` namespace: listing rooms, creating one, quick play (docs/PROTOCOL.md).

use std::sync::Arc;

use petri_shared::game::{CreateRoom, Refusal, events, namespaces};
use serde_json::Value;

use super::lobby::Lobby;
use super::net_limiter::NetLimiter;
use crate::realtime::{Ack, SocketIo, SocketRef};

/// Lobby requests a socket may make per second (and burst): creating rooms costs threads.
const REQUESTS_PER_SECOND: f64 = 5.0;
const REQUEST_BURST: f64 = 10.0;

fn answer(ack: Option<Ack>, value: Value) {
    if let Some(ack) = ack {
        let _ = ack.send(value);
    }
}

fn to_json<T: serde::Serialize>(value: Result<T, Refusal>) -> Value {
    match value {
        Ok(v) => serde_json::to_value(v).unwrap_or(Value::Null),
        Err(r) => serde_json::to_value(r).unwrap_or(Value::Null),
    }
}

pub fn register(io: &SocketIo, lobby: Arc<Lobby>) {
    io.ns(namespaces::LOBBY, move |socket: SocketRef| {
        let limiter = Arc::new(NetLimiter::new(REQUESTS_PER_SECOND, REQUEST_BURST));
        let busy = || {
            to_json::<()>(Err(Refusal::new(
                "rate-limited",
                "too many requests; slow down",
            )))
        };

        let (l, rooms_lobby) = (limiter.clone(), Arc::clone(&lobby));
        socket.on(events::ROOMS, move |_, _, ack| {
            let value = if l.allow() {
                serde_json::to_value(rooms_lobby.list_public()).unwrap_or(Value::Null)
            } else {
                busy()
            };
            answer(ack, value);
        });

        let (l, create_lobby) = (limiter.clone(), Arc::clone(&lobby));
        socket.on(events::CREATE, move |_, payload, ack| {
            if !l.allow() {
                return answer(ack, busy());
            }
            let request = match payload
                .args
                .first()
                .cloned()
                .map(serde_json::from_value::<CreateRoom>)
            {
                None => CreateRoom::default(),
                Some(Ok(request)) => request,
                Some(Err(error)) => {
                    return answer(
                        ack,
                        to_json::<()>(Err(Refusal::new(
                            "bad-request",
                            format!("create takes a CreateRoom object: {error}"),
                        ))),
                    );
                }
            };
            answer(ack, to_json(create_lobby.create(&request)));
        });

        let (l, quick_lobby) = (limiter, Arc::clone(&lobby));
        socket.on(events::QUICKPLAY, move |_, _, ack| {
            let value = if l.allow() {
                to_json(quick_lobby.quickplay())
            } else {
                busy()
            };
            answer(ack, value);
        });

        socket.on_unknown(|_, event, ack| {
            answer(
                ack,
                to_json::<()>(Err(Refusal::new(
                    "unknown-event",
                    format!("`{event}` is not an event of {}", namespaces::LOBBY),
                ))),
            );
        });
    });
}
