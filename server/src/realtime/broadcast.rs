//! Emitting to many sockets: rooms, except-sender, volatile.
//!
//! The packet is encoded exactly once, into WebSocket frames every receiver's socket is handed as
//! they are (no copy, no per-receiver framing). Fan-out never waits: each receiver gets a
//! non-blocking write (see [`super::outbox`]), and a receiver that cannot keep up is handled by
//! the slow-consumer policy without affecting the others.
//!
//! The methods that start an operator from a namespace (`io.of(..).to(..)`) or a socket
//! (`socket.to(..)`, `socket.broadcast()`, `socket.volatile()`) are written here, beside the
//! operator they build: broadcasting depends on namespaces and sockets, never the reverse.

use super::namespace::Namespace;
use super::packet::encode_event;
use super::room_name::RoomName;
use super::socket::{Socket, SocketRef};
use super::{EmitError, Payload};
use std::cell::RefCell;
use std::sync::Arc;

/// A set of target sockets plus emit options. Build with `ns.to(..)`, `socket.broadcast()`,
/// `socket.to(..)`, `.volatile()`; finish with [`BroadcastOperator::emit`].
#[must_use = "call .emit() to send"]
#[derive(Debug, Clone)]
pub struct BroadcastOperator {
    ns: Arc<Namespace>,
    rooms: Vec<RoomName>,
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
    pub fn to(mut self, room: impl Into<RoomName>) -> Self {
        self.rooms.push(room.into());
        self.all = false;
        self
    }

    /// Adds several rooms.
    pub fn to_rooms<R: Into<RoomName>>(mut self, rooms: impl IntoIterator<Item = R>) -> Self {
        self.rooms.extend(rooms.into_iter().map(Into::into));
        self.all = false;
        self
    }

    /// Drop the packet for receivers that are behind (backlog three quarters full) instead of
    /// closing them.
    pub fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }

    pub(crate) fn except_socket(mut self, sid: Arc<str>) -> Self {
        self.except = Some(sid);
        self
    }

    /// Encodes once and sends to every target. Per-receiver failures (disconnected, slow) are
    /// handled per receiver; only an invalid event name is an error.
    pub fn emit(self, event: &str, payload: impl Into<Payload>) -> Result<(), EmitError> {
        let pkt = encode_event(self.ns.path(), event, payload.into(), None)?;
        if let Some(s) = &self.only {
            return s.send_encoded(&pkt, self.volatile);
        }
        with_scratch(|targets| {
            if self.all {
                self.ns.collect_sockets(targets);
            } else {
                self.ns.adapter().collect_members(&self.rooms, targets);
            }
            for s in targets.iter() {
                if self.except.as_deref() == Some(s.id()) {
                    continue;
                }
                let _ = s.send_encoded(&pkt, self.volatile);
            }
        });
        Ok(())
    }
}

impl Namespace {
    /// Targets the sockets in `room` (chain `.to()` for several rooms).
    pub fn to(self: &Arc<Self>, room: impl Into<RoomName>) -> BroadcastOperator {
        BroadcastOperator::new(self.clone()).to(room)
    }

    /// Targets the sockets in any of `rooms` (each socket once; an empty list targets nobody).
    pub fn to_rooms<R: Into<RoomName>>(
        self: &Arc<Self>,
        rooms: impl IntoIterator<Item = R>,
    ) -> BroadcastOperator {
        BroadcastOperator::new(self.clone()).to_rooms(rooms)
    }

    /// A volatile broadcast to the whole namespace (chain `.to()` to narrow).
    pub fn volatile(self: &Arc<Self>) -> BroadcastOperator {
        BroadcastOperator::new(self.clone()).volatile()
    }

    /// Emits to every socket of the namespace.
    pub fn emit(
        self: &Arc<Self>,
        event: &str,
        payload: impl Into<Payload>,
    ) -> Result<(), EmitError> {
        BroadcastOperator::new(self.clone()).emit(event, payload)
    }
}

impl Socket {
    /// A volatile emitter for this socket: the packet is dropped instead of queued when the
    /// client is behind (game state snapshots: the next one supersedes it anyway).
    pub fn volatile(self: &Arc<Self>) -> BroadcastOperator {
        BroadcastOperator::to_socket(self.clone()).volatile()
    }

    /// Every socket in `room` except this one.
    pub fn to(self: &Arc<Self>, room: impl Into<RoomName>) -> BroadcastOperator {
        BroadcastOperator::new(self.ns.clone())
            .to(room)
            .except_socket(self.id.clone())
    }

    /// Every socket of the namespace except this one.
    pub fn broadcast(self: &Arc<Self>) -> BroadcastOperator {
        BroadcastOperator::new(self.ns.clone()).except_socket(self.id.clone())
    }
}

/// Runs `f` with an empty list for a broadcast's targets, kept per thread so a room's tick thread
/// does not allocate one per broadcast. The handles are released before returning.
fn with_scratch(f: impl FnOnce(&mut Vec<SocketRef>)) {
    thread_local! {
        static TARGETS: RefCell<Vec<SocketRef>> = const { RefCell::new(Vec::new()) };
    }
    TARGETS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut targets) => {
            f(&mut targets);
            targets.clear();
        }
        // re-entered from inside a send (not expected): use a list of its own
        Err(_) => f(&mut Vec::new()),
    });
}
