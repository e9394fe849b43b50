//! Emitting to many sockets: rooms, except (the sender, or whole rooms), volatile, local.
//!
//! The packet is encoded exactly once, into WebSocket frames every receiver's socket is handed as
//! they are (no copy, no per-receiver framing). Fan-out never waits: each receiver gets a
//! non-blocking write (see [`super::outbox`]), and a receiver that cannot keep up is handled by
//! the slow-consumer policy without affecting the others.
//!
//! When the server has a remote hook ([`super::SocketIo::set_remote`]), a broadcast that is not
//! `.local()` is handed to it after local delivery, so it reaches the other servers' sockets
//! too. The single-socket path (`socket.volatile().emit(..)`, the game's frames) never looks at
//! the hook, and without a hook no broadcast copies or allocates anything extra.
//!
//! The methods that start an operator from a namespace (`io.of(..).to(..)`) or a socket
//! (`socket.to(..)`, `socket.broadcast()`, `socket.volatile()`) are written here, beside the
//! operator they build: broadcasting depends on namespaces and sockets, never the reverse.

use super::namespace::Namespace;
use super::packet::encode_event;
use super::remote::{RemoteAdapter, RemoteFlags, Selector};
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
    /// Rooms whose sockets are left out (JS `.except(room)`).
    except_rooms: Vec<RoomName>,
    only: Option<SocketRef>,
    volatile: bool,
    /// This server only, never the remote hook (JS `.local`).
    local: bool,
}

impl BroadcastOperator {
    pub(crate) fn new(ns: Arc<Namespace>) -> Self {
        Self {
            ns,
            rooms: Vec::new(),
            all: true,
            except: None,
            except_rooms: Vec::new(),
            only: None,
            volatile: false,
            local: false,
        }
    }

    pub(crate) fn to_socket(s: SocketRef) -> Self {
        Self {
            ns: s.namespace().clone(),
            rooms: Vec::new(),
            all: false,
            except: None,
            except_rooms: Vec::new(),
            only: Some(s),
            volatile: false,
            local: false,
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

    /// Leaves out the sockets in `room` (JS `.except(room)`; a socket id leaves out that socket).
    pub fn except(mut self, room: impl Into<RoomName>) -> Self {
        self.except_rooms.push(room.into());
        self
    }

    /// This server's sockets only: the remote hook is not used (JS `io.local`).
    pub fn local(mut self) -> Self {
        self.local = true;
        self
    }

    pub(crate) fn except_socket(mut self, sid: Arc<str>) -> Self {
        self.except = Some(sid);
        self
    }

    pub(crate) fn namespace(&self) -> &Arc<Namespace> {
        &self.ns
    }

    /// The targets as a [`Selector`]; `None` when the operator targets nobody (an empty room
    /// list). A single-socket operator selects that socket's id.
    pub(crate) fn selector(&self) -> Option<Selector> {
        if let Some(s) = &self.only {
            return Some(Selector {
                rooms: vec![s.id().to_owned()],
                except: Vec::new(),
            });
        }
        if !self.all && self.rooms.is_empty() {
            return None;
        }
        let mut except: Vec<String> = self.except_rooms.iter().map(|r| r.to_string()).collect();
        except.extend(self.except.as_deref().map(str::to_owned));
        Some(Selector {
            rooms: self.rooms.iter().map(|r| r.to_string()).collect(),
            except,
        })
    }

    /// The remote hook, unless this operator is `.local()`, targets one (local) socket, or no
    /// hook is set.
    pub(crate) fn remote(&self) -> Option<&Arc<dyn RemoteAdapter>> {
        if self.local || self.only.is_some() {
            return None;
        }
        self.ns.remote()
    }

    /// Encodes once and sends to every target, then (unless `.local()`) hands the broadcast to
    /// the remote hook. Per-receiver failures (disconnected, slow) are handled per receiver;
    /// only an invalid event name is an error.
    pub fn emit(self, event: &str, payload: impl Into<Payload>) -> Result<(), EmitError> {
        let payload = payload.into();
        if let Some(s) = &self.only {
            let pkt = encode_event(self.ns.path(), event, payload, None)?;
            return s.send_encoded(&pkt, self.volatile);
        }
        // A copy for the other servers only when there are other servers to send it to.
        let remote = self
            .remote()
            .and_then(|r| Some((r, self.selector()?, payload.clone())));
        let pkt = encode_event(self.ns.path(), event, payload, None)?;
        with_scratch(|targets| {
            if self.all {
                self.ns.collect_sockets(targets);
            } else {
                self.ns.adapter().collect_members(&self.rooms, targets);
            }
            for s in targets.iter() {
                if self.except.as_deref() == Some(s.id())
                    || (!self.except_rooms.is_empty() && s.in_any(&self.except_rooms))
                {
                    continue;
                }
                let _ = s.send_shared(&pkt, self.volatile);
            }
        });
        if let Some((remote, selector, payload)) = remote {
            let flags = RemoteFlags {
                volatile: self.volatile,
            };
            remote.broadcast(self.ns.path(), selector, flags, event, payload);
        }
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

    /// Every socket of the namespace except those in `room` (JS `io.except(room)`).
    pub fn except(self: &Arc<Self>, room: impl Into<RoomName>) -> BroadcastOperator {
        BroadcastOperator::new(self.clone()).except(room)
    }

    /// This server's sockets of the namespace only (JS `io.local`; chain `.to()` to narrow).
    pub fn local(self: &Arc<Self>) -> BroadcastOperator {
        BroadcastOperator::new(self.clone()).local()
    }

    /// Every socket of the namespace, as an operator (JS `io.in(..)` without rooms): for
    /// `fetch_sockets`, `sockets_join` and the like on all sockets.
    pub fn all(self: &Arc<Self>) -> BroadcastOperator {
        BroadcastOperator::new(self.clone())
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
