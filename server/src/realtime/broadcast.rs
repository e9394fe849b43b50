//! Emitting to many sockets: rooms, except-sender, volatile.
//!
//! The packet is encoded exactly once; every receiver's queue gets an `Arc` of the same encoded
//! frames (and the attachments are `Bytes`, so shared too). Fan-out never waits: each receiver
//! gets a `try_send`, and a receiver that cannot keep up is handled by the slow-consumer policy
//! without affecting the others.

use super::adapter::Room;
use super::namespace::Namespace;
use super::socket::{SocketRef, encode_event};
use super::{EmitError, Payload};
use std::sync::Arc;

/// A set of target sockets plus emit options. Build with `ns.to(..)`, `socket.broadcast()`,
/// `socket.to(..)`, `.volatile()`; finish with [`BroadcastOperator::emit`].
#[must_use = "call .emit() to send"]
#[derive(Debug, Clone)]
pub struct BroadcastOperator {
    ns: Arc<Namespace>,
    rooms: Vec<Room>,
    /// `true` until a room is added: no room filter means the whole namespace (while an empty
    /// room *list* given explicitly means nobody).
    all: bool,
    except: Option<Arc<str>>,
    only: Option<SocketRef>,
    volatile: bool,
}

impl BroadcastOperator {
    pub(crate) fn new(ns: Arc<Namespace>) -> Self {
        Self {
            ns,
            rooms: Vec::new(),
            all: true,
            except: None,
            only: None,
            volatile: false,
        }
    }

    pub(crate) fn to_socket(s: SocketRef) -> Self {
        Self {
            ns: s.namespace().clone(),
            rooms: Vec::new(),
            all: false,
            except: None,
            only: Some(s),
            volatile: false,
        }
    }

    /// Adds a room: the targets become the sockets in *any* of the rooms (each once).
    pub fn to(mut self, room: impl Into<Room>) -> Self {
        self.rooms.push(room.into());
        self.all = false;
        self
    }

    /// Adds several rooms.
    pub fn to_rooms<R: Into<Room>>(mut self, rooms: impl IntoIterator<Item = R>) -> Self {
        self.rooms.extend(rooms.into_iter().map(Into::into));
        self.all = false;
        self
    }

    /// Drop the packet for receivers whose send queue is full instead of closing them.
    pub fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }

    pub(crate) fn except_socket(mut self, sid: Arc<str>) -> Self {
        self.except = Some(sid);
        self
    }

    /// Encodes once and queues to every target. Per-receiver failures (disconnected, slow) are
    /// handled per receiver; only an invalid event name is an error.
    pub fn emit(self, event: &str, payload: impl Into<Payload>) -> Result<(), EmitError> {
        let pkt = Arc::new(encode_event(self.ns.path(), event, payload.into(), None)?);
        if let Some(s) = &self.only {
            return s.send_encoded(pkt, self.volatile);
        }
        let targets: Vec<SocketRef> = if self.all {
            self.ns.sockets()
        } else {
            let members = self.ns.adapter().members(&self.rooms);
            members
                .iter()
                .filter_map(|sid| self.ns.get_socket(sid))
                .collect()
        };
        for s in targets {
            if self.except.as_deref() == Some(s.id()) {
                continue;
            }
            let _ = s.send_encoded(pkt.clone(), self.volatile);
        }
        Ok(())
    }
}
