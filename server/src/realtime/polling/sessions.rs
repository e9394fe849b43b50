//! The live long-polling sessions of one server, by sid, and what HTTP requests share with a
//! session's task.
//!
//! A session is found by its sid on every GET and POST (and on the WebSocket upgrade); its task
//! owns the Engine.IO session itself, so requests hand it their work through a small inbox. The
//! registry is bounded by `max_connections` (every session holds a place) and an entry leaves it
//! when its session closes or upgrades.

use super::super::address_limit::AddressPermit;
use super::super::deflate::DeflateParams;
use super::super::engine::EngineConn;
use super::buffer::PollBuffer;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

/// Work a request hands to its session's task. At most one POST and one upgrade are in flight
/// per session (the flags on [`PollSession`]), so the inbox never needs more than two places.
pub enum Inbound {
    /// A POST body, answered on `done`: `Ok` is HTTP 200 "ok", `Err` 400 (the session closed).
    Post {
        body: Bytes,
        done: oneshot::Sender<Result<(), ()>>,
    },
    /// A WebSocket opened with this sid, to be probed and upgraded to.
    Upgrade(UpgradeOffer),
}

/// The places in the inbox: one POST and one upgrade.
const INBOX: usize = 2;

/// A WebSocket handed over for the upgrade, as hyper gave it back.
pub struct UpgradeOffer {
    pub socket: TcpStream,
    /// Bytes hyper read past the upgrade request.
    pub prefix: Bytes,
    /// The upgrade's own TCP connection's place under the per-address limit (direct peers): it
    /// replaces the session's, so an upgraded client counts once, like any WebSocket.
    pub place: Option<Arc<AddressPermit>>,
    /// The permessage-deflate parameters its handshake agreed on, if any.
    pub deflate: Option<DeflateParams>,
}

/// What HTTP requests share with one session's task.
pub struct PollSession {
    pub buffer: Arc<PollBuffer>,
    pub conn: EngineConn,
    inbox: mpsc::Sender<Inbound>,
    posting: AtomicBool,
    upgrade_claimed: AtomicBool,
}

impl PollSession {
    /// A session and the receiving end of its inbox (for its task).
    pub fn new(buffer: Arc<PollBuffer>, conn: EngineConn) -> (Arc<Self>, mpsc::Receiver<Inbound>) {
        let (inbox, rx) = mpsc::channel(INBOX);
        let session = Arc::new(Self {
            buffer,
            conn,
            inbox,
            posting: AtomicBool::new(false),
            upgrade_claimed: AtomicBool::new(false),
        });
        (session, rx)
    }

    /// Claims the session's one POST slot; `None` while another POST is in flight.
    pub fn begin_post(&self) -> Option<PostSlot<'_>> {
        (!self.posting.swap(true, Ordering::AcqRel)).then_some(PostSlot(self))
    }

    /// Claims the session's one upgrade; `false` if one was claimed before (a second WebSocket
    /// with this sid is refused, during the upgrade and after it).
    pub fn claim_upgrade(&self) -> bool {
        !self.upgrade_claimed.swap(true, Ordering::AcqRel)
    }

    /// Lets a failed upgrade be tried again.
    pub fn release_upgrade(&self) {
        self.upgrade_claimed.store(false, Ordering::Release);
    }

    /// Hands work to the session's task; `false` if it is gone.
    pub fn hand(&self, work: Inbound) -> bool {
        self.inbox.try_send(work).is_ok()
    }
}

/// The POST slot, freed when the POST ends however it ends.
pub struct PostSlot<'a>(&'a PollSession);

impl Drop for PostSlot<'_> {
    fn drop(&mut self) {
        self.0.posting.store(false, Ordering::Release);
    }
}

/// The live sessions of one server.
#[derive(Default)]
pub struct Sessions {
    by_sid: Mutex<HashMap<Arc<str>, Arc<PollSession>>>,
}

impl Sessions {
    pub fn insert(&self, session: Arc<PollSession>) {
        let sid: Arc<str> = session.conn.sid().into();
        self.by_sid.lock().insert(sid, session);
    }

    pub fn get(&self, sid: &str) -> Option<Arc<PollSession>> {
        self.by_sid.lock().get(sid).cloned()
    }

    pub fn remove(&self, sid: &str) {
        self.by_sid.lock().remove(sid);
    }
}
