//! The Socket.IO side of one Engine.IO connection: decodes packets, reassembles binary packets
//! from their attachment frames, and routes each packet to the right namespace socket.
//!
//! Protocol rules enforced here (each violation closes the connection, like the JS server):
//! * a packet for a namespace must follow a successful CONNECT to it (no EVENT before CONNECT);
//! * attachments may only follow a BINARY_EVENT/BINARY_ACK, exactly as many as announced, and
//!   nothing else may be interleaved; their total size is bounded by `max_payload`;
//! * clients never send CONNECT_ERROR, nor CONNECT twice to the same namespace.

use super::engine::{EngineConn, EngineSession, ProtocolError};
use super::outbox::Frames;
use super::packet;
use super::socket::{Socket, SocketRef};
use super::{DisconnectReason, IoInner};
use bytes::Bytes;
use petri_shared::socketio::{self, Packet, PacketKind};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

struct PendingBinary {
    packet: Packet,
    bins: Vec<Bytes>,
    bytes: usize,
}

pub(crate) struct Client {
    io: Arc<IoInner>,
    conn: EngineConn,
    sockets: HashMap<String, SocketRef>,
    pending: Option<PendingBinary>,
    ever_connected: bool,
    /// Namespaces the server disconnected this client from. Packets the client sent before it
    /// learnt about it are ignored (not a protocol error) until it connects again.
    server_left: HashSet<String>,
}

impl Client {
    pub(crate) fn new(io: Arc<IoInner>, conn: EngineConn) -> Self {
        Self {
            io,
            conn,
            sockets: HashMap::new(),
            pending: None,
            ever_connected: false,
            server_left: HashSet::new(),
        }
    }

    /// Sends a CONNECT answer (or CONNECT_ERROR) to the client. Reliable: a client too far
    /// behind to take it is closed as a slow consumer.
    fn answer(&self, sio_text: &str) {
        let _ = self
            .conn
            .send_packet(&packet::control(sio_text), Frames::own(false));
    }

    fn dispatch(&mut self, p: Packet, bins: Vec<Bytes>) -> Result<(), ProtocolError> {
        // A socket the server disconnected (maybe from another thread) is forgotten here lazily.
        if self.sockets.get(&p.nsp).is_some_and(|s| !s.connected()) {
            self.sockets.remove(&p.nsp);
            self.server_left.insert(p.nsp.clone());
        }
        let socket = self.sockets.get(&p.nsp).cloned();
        match (p.kind, socket) {
            (PacketKind::Connect, None) => {
                self.server_left.remove(&p.nsp);
                self.connect(p.nsp, p.data);
                Ok(())
            }
            (PacketKind::Connect, Some(_)) => Err(ProtocolError::new(format!(
                "second CONNECT to namespace {}",
                p.nsp
            ))),
            (PacketKind::ConnectError, _) => {
                Err(ProtocolError::new("CONNECT_ERROR sent by a client"))
            }
            (kind, None) if self.server_left.contains(&p.nsp) => {
                tracing::trace!(?kind, nsp = %p.nsp, "packet for a namespace the server left; ignored");
                Ok(())
            }
            (kind, None) => Err(ProtocolError::new(format!(
                "{kind:?} for namespace {} before CONNECT",
                p.nsp
            ))),
            (PacketKind::Disconnect, Some(s)) => {
                self.sockets.remove(&p.nsp);
                s.close(&DisconnectReason::ClientNamespaceDisconnect);
                Ok(())
            }
            (PacketKind::Event | PacketKind::BinaryEvent, Some(s)) => {
                if s.dispatch_event(p.data.unwrap_or(Value::Null), p.id, bins) {
                    Ok(())
                } else {
                    tracing::error!(socket = %s.id(), "event handler panicked");
                    self.conn.close(DisconnectReason::HandlerPanic);
                    Ok(())
                }
            }
            (PacketKind::Ack | PacketKind::BinaryAck, Some(s)) => {
                if let Some(id) = p.id {
                    s.dispatch_ack(id, p.data.unwrap_or(Value::Null), bins);
                }
                Ok(())
            }
        }
    }

    fn connect(&mut self, nsp: String, auth: Option<Value>) {
        let ns = self.io.namespaces.read().get(&nsp).cloned();
        let Some(ns) = ns else {
            self.answer(&socketio::encode_connect_error(&nsp, "Invalid namespace"));
            return;
        };
        let socket = Socket::new(
            ns.clone(),
            self.conn.clone(),
            auth.unwrap_or_else(|| Value::Object(Default::default())),
        );
        if let Some(mw) = ns.middleware() {
            let verdict = std::panic::catch_unwind(AssertUnwindSafe(|| mw(&socket)))
                .unwrap_or_else(|_| Err("middleware error".to_owned()));
            if let Err(message) = verdict {
                self.answer(&socketio::encode_connect_error(&nsp, &message));
                return;
            }
        }
        // The CONNECT answer is queued before the socket becomes visible to broadcasts, so the
        // client never sees an event of a namespace it has not been told it joined.
        self.answer(&socketio::encode_connect(&nsp, socket.id()));
        socket.mark_connected();
        ns.insert_socket(socket.clone());
        self.sockets.insert(nsp.clone(), socket.clone());
        self.ever_connected = true;
        let handler = ns.on_connect().clone();
        let s = socket.clone();
        if std::panic::catch_unwind(AssertUnwindSafe(move || handler(s))).is_err() {
            tracing::error!(socket = %socket.id(), "connect handler panicked");
            self.conn.close(DisconnectReason::HandlerPanic);
        }
    }
}

impl EngineSession for Client {
    fn on_text(&mut self, text: &str) -> Result<(), ProtocolError> {
        if self.pending.is_some() {
            return Err(ProtocolError::new(
                "text packet while binary attachments were expected",
            ));
        }
        let p = socketio::decode(text, self.io.config.max_attachments)
            .map_err(|e| ProtocolError::new(format!("bad socket.io packet: {e}")))?;
        if p.kind.is_binary() && p.attachments > 0 {
            let n = p.attachments;
            self.pending = Some(PendingBinary {
                packet: p,
                bins: Vec::with_capacity(n),
                bytes: 0,
            });
            return Ok(());
        }
        self.dispatch(p, Vec::new())
    }

    fn on_binary(&mut self, data: Bytes) -> Result<(), ProtocolError> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(ProtocolError::new(
                "binary frame without a preceding binary packet",
            ));
        };
        pending.bytes = pending.bytes.saturating_add(data.len());
        if pending.bytes > self.io.config.max_payload {
            return Err(ProtocolError::new("binary attachments exceed max_payload"));
        }
        pending.bins.push(data);
        if pending.bins.len() == pending.packet.attachments
            && let Some(done) = self.pending.take()
        {
            return self.dispatch(done.packet, done.bins);
        }
        Ok(())
    }

    fn on_close(&mut self, reason: &DisconnectReason) {
        for (_, s) in self.sockets.drain() {
            s.close(reason);
        }
        self.pending = None;
    }

    fn is_attached(&self) -> bool {
        self.ever_connected
    }
}
