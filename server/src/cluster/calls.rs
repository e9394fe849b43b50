//! Petri as a requester in the Node adapter's protocol (its own `fetchSockets`, `allRooms`,
//! `serverSideEmit` with ack, broadcast with acks across servers).
//!
//! Counting follows the Node adapter: the number of servers that will answer is
//! `PUBSUB NUMSUB <request channel>` minus this node (Node counts itself among the subscribers
//! too), read right before publishing. Answers are matched by request id; a call collects until it
//! has one answer per remote server or its timeout passes, and then says which (Node rejects a
//! `fetchSockets` on timeout; `serverSideEmit` hands back partial results with an error — the
//! caller decides, knowing `complete`).

use std::collections::HashMap;

use parking_lot::Mutex;
use tokio::sync::mpsc;

use crate::cluster::adapter::AdapterResponse;
use crate::cluster::rpc::MAX_PENDING;

/// How many answers one call buffers before further ones are dropped (one per remote server is
/// the usual need; a broadcast with acks gets one per remote client).
pub const CALL_BACKLOG: usize = 1024;

/// The calls this node waits on, by request id. Locked only to insert, look up or remove.
#[derive(Debug, Default)]
pub struct PendingCalls {
    waiting: Mutex<HashMap<String, mpsc::Sender<AdapterResponse>>>,
}

impl PendingCalls {
    /// Registers a call; `None` when [`MAX_PENDING`] are already open or the id is taken.
    pub fn open(&self, request_id: &str) -> Option<mpsc::Receiver<AdapterResponse>> {
        let mut waiting = self.waiting.lock();
        if waiting.len() >= MAX_PENDING || waiting.contains_key(request_id) {
            return None;
        }
        let (tx, rx) = mpsc::channel(CALL_BACKLOG);
        waiting.insert(request_id.to_owned(), tx);
        Some(rx)
    }

    /// Hands an answer to its call; false when no call waits or its backlog is full.
    pub fn deliver(&self, response: AdapterResponse) -> bool {
        let sender = self.waiting.lock().get(&response.request_id).cloned();
        sender.is_some_and(|tx| tx.try_send(response).is_ok())
    }

    pub fn close(&self, request_id: &str) {
        self.waiting.lock().remove(request_id);
    }
}

/// The answers a call gathered.
#[derive(Debug)]
pub struct Gathered {
    pub responses: Vec<AdapterResponse>,
    /// How many remote servers were counted when the request went out.
    pub expected: usize,
    /// True when every counted server answered before the timeout.
    pub complete: bool,
}
