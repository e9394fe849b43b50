//! The JS server's server-side API, cluster-aware: `fetchSockets`, `socketsJoin`,
//! `socketsLeave`, `disconnectSockets`, `emitWithAck` on a broadcast operator, and
//! `serverSideEmit`, `serverSideEmitWithAck`, `adapter.allRooms()` on a namespace.
//!
//! Each does the local part with the entry points of [`super::remote_entry`] and, when the
//! server has a remote hook and the operator is not `.local()`, asks the hook for the other
//! servers' part. Without a hook they are local-only (and `server_side_emit` has no one to reach).
//! The futures returned are `Send + 'static` and need the tokio runtime only when awaited.

use super::broadcast::BroadcastOperator;
use super::namespace::Namespace;
use super::packet::check_event;
use super::remote::{RemoteAcks, RemoteError, SocketInfo, SocketsOp};
use super::room_name::RoomName;
use super::{EmitError, Payload};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What a broadcast with acks gathered, on every server.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BroadcastAcks {
    /// How many clients were sent the packet, all servers together.
    pub clients: u64,
    /// The answers (a remote client's answer is its first argument).
    pub acks: Vec<Payload>,
    /// False when some client or server did not answer within the timeout.
    pub complete: bool,
}

impl BroadcastOperator {
    /// JS `fetchSockets()`: the targeted sockets of every server.
    pub fn fetch_sockets(
        &self,
    ) -> impl Future<Output = Result<Vec<SocketInfo>, RemoteError>> + Send + 'static {
        let selector = self.selector();
        let local = selector
            .as_ref()
            .map(|s| self.namespace().local_sockets(s))
            .unwrap_or_default();
        let remote = selector.and_then(|s| {
            self.remote()
                .map(|r| r.fetch_sockets(self.namespace().path(), s))
        });
        async move {
            let mut all = local;
            if let Some(remote) = remote {
                all.extend(remote.await?);
            }
            Ok(all)
        }
    }

    /// JS `socketsJoin(rooms)`: the targeted sockets of every server join `rooms`.
    pub fn sockets_join<R: Into<RoomName>>(&self, rooms: impl IntoIterator<Item = R>) {
        self.apply(SocketsOp::Join(names(rooms)));
    }

    /// JS `socketsLeave(rooms)`.
    pub fn sockets_leave<R: Into<RoomName>>(&self, rooms: impl IntoIterator<Item = R>) {
        self.apply(SocketsOp::Leave(names(rooms)));
    }

    /// JS `disconnectSockets(close)`: `close` closes the whole connection of each socket.
    pub fn disconnect_sockets(&self, close: bool) {
        self.apply(SocketsOp::Disconnect { close });
    }

    fn apply(&self, op: SocketsOp) {
        let Some(selector) = self.selector() else {
            return;
        };
        self.namespace().apply_local(&selector, &op);
        if let Some(remote) = self.remote() {
            remote.apply(self.namespace().path(), selector, op);
        }
    }

    /// JS `timeout(t).emitWithAck(..)`: emits to the targets of every server and gathers one
    /// answer per client within `timeout`, with the total client count. The packets are queued
    /// at once (any thread); the future waits for the answers.
    pub fn emit_with_ack(
        self,
        event: &str,
        payload: impl Into<Payload>,
        timeout: Duration,
    ) -> impl Future<Output = Result<BroadcastAcks, EmitError>> + Send + 'static {
        let payload = payload.into();
        let selector = check_event(event).map(|()| self.selector());
        let remote = match &selector {
            Ok(Some(s)) => self.remote().map(|r| {
                r.broadcast_with_ack(
                    self.namespace().path(),
                    s.clone(),
                    event,
                    payload.clone(),
                    timeout,
                )
            }),
            _ => None,
        };
        let local = selector.and_then(|s| {
            s.map(|s| {
                self.namespace()
                    .emit_with_ack_local(&s, event, payload, timeout)
            })
            .transpose()
        });
        async move {
            let local = local?;
            let local = async move {
                match local {
                    Some(local) => {
                        let clients = local.clients as u64;
                        let (acks, complete) = local.collect().await;
                        (clients, acks, complete)
                    }
                    None => (0, Vec::new(), true),
                }
            };
            let remote = async move {
                match remote {
                    Some(remote) => remote.await.unwrap_or_default(),
                    None => RemoteAcks {
                        complete: true,
                        ..RemoteAcks::default()
                    },
                }
            };
            let ((clients, mut acks, complete), remote) = tokio::join!(local, remote);
            acks.extend(remote.acks);
            Ok(BroadcastAcks {
                clients: clients + remote.clients,
                acks,
                complete: complete && remote.complete,
            })
        }
    }
}

fn names<R: Into<RoomName>>(rooms: impl IntoIterator<Item = R>) -> Vec<String> {
    rooms.into_iter().map(|r| r.into().to_string()).collect()
}

impl Namespace {
    /// JS `serverSideEmit(event, ...args)`: to the server-side handlers
    /// ([`Namespace::on_server_event`]) of every *other* server; nothing without a remote hook.
    pub fn server_side_emit(&self, event: &str, payload: impl Into<Payload>) {
        if let Some(remote) = self.remote() {
            drop(remote.server_side_emit(self.path(), event, payload.into(), None));
        }
    }

    /// JS `serverSideEmitWithAck(event, ...args)`: one answer per other server within
    /// `timeout`; an empty list without a remote hook.
    pub fn server_side_emit_with_ack(
        &self,
        event: &str,
        payload: impl Into<Payload>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Vec<serde_json::Value>, RemoteError>> + Send + 'static {
        let remote = self
            .remote()
            .map(|r| r.server_side_emit(self.path(), event, payload.into(), Some(timeout)));
        async move {
            match remote {
                Some(remote) => remote.await,
                None => Ok(Vec::new()),
            }
        }
    }

    /// JS `adapter.allRooms()`: every room of every server (socket-id rooms included), each once.
    pub fn all_rooms(
        self: &Arc<Self>,
    ) -> impl Future<Output = Result<Vec<String>, RemoteError>> + Send + 'static {
        let local = self.local_rooms();
        let remote = self.remote().map(|r| r.all_rooms(self.path()));
        async move {
            let mut rooms = local;
            if let Some(remote) = remote {
                rooms.extend(remote.await?);
            }
            rooms.sort_unstable();
            rooms.dedup();
            Ok(rooms)
        }
    }
}
