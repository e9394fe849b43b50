//! Entry points for requests from other servers: what a [`super::RemoteAdapter`]
//! implementation calls to act on *local* sockets — deliver a remote broadcast, list sockets and
//! rooms, join/leave/disconnect selected sockets, emit with acks and count the clients. Also the
//! local half of the server-side API ([`super::server_api`]) is built on them, so the local and
//! remote halves select sockets by the same rule ([`Selector`]: any of `rooms`, all when empty,
//! none of `except`; a socket id selects that socket).

use super::namespace::Namespace;
use super::packet::{check_event, encode_event};
use super::remote::{BoxFuture, RemoteFlags, Selector, SocketInfo, SocketsOp};
use super::socket::SocketRef;
use super::{AckError, EmitError, Payload};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The local half of a broadcast with acks: how many local clients were sent the packet, and
/// their answers as they arrive (each bounded by the emit's timeout, so the stream ends by
/// itself).
pub struct LocalAcks {
    pub clients: usize,
    pending: FuturesUnordered<BoxFuture<Result<Payload, AckError>>>,
}

impl std::fmt::Debug for LocalAcks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAcks")
            .field("clients", &self.clients)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl LocalAcks {
    /// The next client's answer; `None` once every client answered or timed out.
    pub async fn next(&mut self) -> Option<Result<Payload, AckError>> {
        self.pending.next().await
    }

    /// Every answer; `complete` is false when some client did not answer in time.
    pub async fn collect(mut self) -> (Vec<Payload>, bool) {
        let mut acks = Vec::with_capacity(self.clients);
        let mut complete = true;
        while let Some(answer) = self.next().await {
            match answer {
                Ok(payload) => acks.push(payload),
                Err(_) => complete = false,
            }
        }
        (acks, complete)
    }
}

impl Namespace {
    /// Whether `room` exists locally: a room with members, or a connected socket's id. Two
    /// hash lookups under read locks; for filtering other servers' single-room broadcasts.
    pub fn has_room(&self, room: &str) -> bool {
        self.adapter().contains(room) || self.get_socket(room).is_some()
    }

    /// The local sockets `selector` picks, each once.
    pub fn select_local(&self, selector: &Selector) -> Vec<SocketRef> {
        let mut out = Vec::new();
        if selector.rooms.is_empty() {
            self.collect_sockets(&mut out);
        } else {
            self.adapter().collect_members(&selector.rooms, &mut out);
            let by_id = selector.rooms.iter().filter_map(|r| self.get_socket(r));
            out.extend(by_id);
            out.sort_unstable_by_key(|s| Arc::as_ptr(s) as usize);
            out.dedup_by(|a, b| Arc::ptr_eq(a, b));
        }
        if !selector.except.is_empty() {
            out.retain(|s| !s.in_any(&selector.except));
        }
        out
    }

    /// Delivers another server's broadcast to the local sockets `selector` picks; returns how
    /// many. `payload` is only built (and the packet only encoded, once) when some local socket
    /// is picked: a broadcast for sockets this server lacks costs no conversion at all.
    pub fn deliver_remote(
        &self,
        selector: &Selector,
        flags: RemoteFlags,
        event: &str,
        payload: impl FnOnce() -> Payload,
    ) -> Result<usize, EmitError> {
        let targets = self.select_local(selector);
        if targets.is_empty() {
            return Ok(0);
        }
        let packet = encode_event(self.path(), event, payload(), None)?;
        for socket in &targets {
            let _ = socket.send_shared(&packet, flags.volatile);
        }
        Ok(targets.len())
    }

    /// Emits to the local sockets `selector` picks, each asked for an ack within `timeout`.
    pub fn emit_with_ack_local(
        &self,
        selector: &Selector,
        event: &str,
        payload: Payload,
        timeout: Duration,
    ) -> Result<LocalAcks, EmitError> {
        check_event(event)?;
        let targets = self.select_local(selector);
        let pending = FuturesUnordered::new();
        for socket in &targets {
            let answer = socket.emit_with_ack(event, payload.clone(), Some(timeout));
            pending.push(Box::pin(answer) as BoxFuture<_>);
        }
        Ok(LocalAcks {
            clients: targets.len(),
            pending,
        })
    }

    /// The local sockets `selector` picks, as `fetch_sockets` reports them.
    pub fn local_sockets(&self, selector: &Selector) -> Vec<SocketInfo> {
        self.select_local(selector)
            .iter()
            .map(socket_info)
            .collect()
    }

    /// Every local room name, socket-id rooms included (as JS `adapter.rooms` has them).
    pub fn local_rooms(&self) -> Vec<String> {
        let mut rooms = self.adapter().room_names();
        rooms.extend(self.sockets().iter().map(|s| s.id().to_owned()));
        rooms
    }

    /// Applies a join, leave or disconnect to the local sockets `selector` picks.
    pub fn apply_local(&self, selector: &Selector, op: &SocketsOp) {
        for socket in self.select_local(selector) {
            match op {
                SocketsOp::Join(rooms) => rooms.iter().for_each(|r| socket.join(r.as_str())),
                SocketsOp::Leave(rooms) => rooms.iter().for_each(|r| socket.leave(r)),
                SocketsOp::Disconnect { close: true } => socket.close_connection(),
                SocketsOp::Disconnect { close: false } => socket.disconnect(),
            }
        }
    }
}

/// A socket as JS `fetchSockets` shows it: `handshake` carries what Petri knows (auth, address,
/// creation time; `time` is that time in ms as text, where JS writes a date string).
fn socket_info(socket: &SocketRef) -> SocketInfo {
    let mut rooms = vec![socket.id().to_owned()];
    rooms.extend(socket.rooms().iter().map(|r| r.to_string()));
    let address = socket
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let issued = socket.issued_ms();
    SocketInfo {
        id: socket.id().to_owned(),
        rooms,
        handshake: json!({
            "headers": {},
            "time": issued.to_string(),
            "address": address,
            "xdomain": false,
            "secure": false,
            "issued": issued,
            "url": "/socket.io/?EIO=4&transport=websocket",
            "query": { "EIO": "4", "transport": "websocket" },
            "auth": socket.auth(),
        }),
        data: socket.data::<Value>().unwrap_or(Value::Null),
    }
}
