//! The long-polling side of one session's task: what it waits on (requests handed over by the
//! HTTP side, and a WebSocket being probed), and how the session ends or moves to WebSocket.
//!
//! The upgrade, as the protocol has it: a WebSocket opened with the session's sid is read here
//! while polling goes on. `2probe` is answered with `3probe` on that WebSocket (through an
//! outbox of its own, so no emit can reach it yet) and the pending GET is released with a noop,
//! so the client can pause polling. `5` completes the upgrade: under the session outbox's lock,
//! the frames no GET took go first onto the WebSocket (they are WebSocket frames already), then
//! the backlog, then every later emit: nothing is lost, reordered or sent twice. From then on
//! every HTTP request with the sid, and a second WebSocket, are refused. Anything else, or no
//! `5` within `handshake_timeout`, drops the probe and polling simply goes on.

use super::super::DisconnectReason;
use super::super::RealtimeConfig;
use super::super::admission::SessionPermits;
use super::super::connection::{inflater, ws_config};
use super::super::deflate::{CompressionConfig, DeflateParams};
use super::super::outbox::{Outbox, RawSink};
use super::super::transport::Transport;
use super::super::wire;
use super::buffer::Closing;
use super::sessions::{Inbound, PollSession, Sessions, UpgradeOffer};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// A WebSocket being probed for the upgrade.
struct Probe {
    ws: WebSocketStream<Transport>,
    socket: Arc<tokio::net::TcpStream>,
    /// Writes the `3probe` (and anything tungstenite answers) until the upgrade completes.
    outbox: Arc<Outbox>,
    /// The upgrade must complete by then.
    deadline: Instant,
    /// `2probe` was answered.
    probed: bool,
    place: Option<Arc<super::super::address_limit::AddressPermit>>,
    /// What its handshake agreed on for permessage-deflate (the session's outbox compresses
    /// from the switch on).
    deflate: Option<DeflateParams>,
}

/// What the polling side of a session waits on.
pub(crate) struct PollLink {
    session: Arc<PollSession>,
    inbox: mpsc::Receiver<Inbound>,
    sessions: Arc<Sessions>,
    permits: SessionPermits,
    /// Boxed: most sessions never have one, or only briefly.
    probe: Option<Box<Probe>>,
    /// The POST being handled, answered once its packets are (or the session closes for them).
    reply: Option<oneshot::Sender<Result<(), ()>>>,
    limits: Limits,
}

/// The settings the polling side needs.
struct Limits {
    ws: WebSocketConfig,
    compression: CompressionConfig,
    /// Bounds an inflated client message (as `max_payload` bounds any).
    max_payload: usize,
    send_queue_depth: usize,
    handshake_timeout: Duration,
    write_timeout: Duration,
}

/// Something happened on the polling side.
pub(crate) enum PollEvent {
    /// A POST's body (its answer is kept until [`PollLink::answer`]).
    Post(bytes::Bytes),
    /// A WebSocket was offered for the upgrade.
    Offer(UpgradeOffer),
    /// A frame on the WebSocket being probed (`None`: it closed).
    Probe(Option<Result<Message, WsError>>),
    /// The probe ran out of time.
    ProbeExpired,
    /// Every request handle is gone (cannot happen while the session is registered).
    Orphaned,
}

/// What a probe frame led to.
pub(crate) enum ProbeStep {
    Continue,
    /// The upgrade is complete: the session goes on over this WebSocket.
    Upgraded(Box<WebSocketStream<Transport>>),
}

impl PollLink {
    pub(crate) fn new(
        session: Arc<PollSession>,
        inbox: mpsc::Receiver<Inbound>,
        sessions: Arc<Sessions>,
        permits: SessionPermits,
        cfg: &RealtimeConfig,
    ) -> Self {
        Self {
            session,
            inbox,
            sessions,
            permits,
            probe: None,
            reply: None,
            limits: Limits {
                ws: ws_config(cfg),
                compression: cfg.compression,
                max_payload: cfg.max_payload,
                send_queue_depth: cfg.send_queue_depth,
                handshake_timeout: cfg.handshake_timeout,
                write_timeout: cfg.write_timeout,
            },
        }
    }

    /// Waits for the next event.
    pub(crate) async fn next(&mut self) -> PollEvent {
        let inbound = match &mut self.probe {
            None => self.inbox.recv().await,
            Some(probe) => tokio::select! {
                inbound = self.inbox.recv() => inbound,
                frame = probe.ws.next() => return PollEvent::Probe(frame),
                () = sleep_until(probe.deadline) => return PollEvent::ProbeExpired,
            },
        };
        match inbound {
            None => PollEvent::Orphaned,
            Some(Inbound::Post { body, done }) => {
                self.reply = Some(done);
                PollEvent::Post(body)
            }
            Some(Inbound::Upgrade(offer)) => PollEvent::Offer(offer),
        }
    }

    /// Answers the POST being handled: `ok` unless the session closes for it.
    pub(crate) fn answer(&mut self, outcome: &Result<(), DisconnectReason>) {
        if let Some(done) = self.reply.take() {
            let ok = matches!(outcome, Ok(()) | Err(DisconnectReason::TransportClose));
            let _ = done.send(if ok { Ok(()) } else { Err(()) });
        }
    }

    /// Starts probing an offered WebSocket.
    pub(crate) async fn offer(&mut self, offer: UpgradeOffer) {
        let socket = Arc::new(offer.socket);
        let sink: Arc<dyn RawSink> = socket.clone();
        let outbox = Arc::new(Outbox::new(sink, self.limits.send_queue_depth));
        let (transport, prefix) = Transport::new(socket.clone(), outbox.clone()).with_inflater(
            inflater(self.limits.max_payload, offer.deflate),
            &offer.prefix,
        );
        let ws = WebSocketStream::from_partially_read(
            transport,
            prefix,
            Role::Server,
            Some(self.limits.ws),
        )
        .await;
        self.probe = Some(Box::new(Probe {
            ws,
            socket,
            outbox,
            deadline: Instant::now() + self.limits.handshake_timeout,
            probed: false,
            place: offer.place,
            deflate: offer.deflate,
        }));
    }

    /// A frame on the probed WebSocket; `outbox` is the session's.
    pub(crate) fn on_probe(
        &mut self,
        frame: Option<Result<Message, WsError>>,
        outbox: &Arc<Outbox>,
    ) -> ProbeStep {
        let Some(probe) = self.probe.as_mut() else {
            return ProbeStep::Continue;
        };
        match frame {
            Some(Ok(Message::Text(t)))
                if !probe.probed
                    && t.as_str() == "2probe"
                    && probe
                        .outbox
                        .send(&wire::text_frame("3probe"), false)
                        .is_ok() =>
            {
                probe.probed = true;
                self.session.buffer.upgrading();
                return ProbeStep::Continue;
            }
            Some(Ok(Message::Text(t))) if probe.probed && t.as_str() == "5" => {
                if let Some(ws) = self.complete(outbox) {
                    return ProbeStep::Upgraded(Box::new(ws));
                }
            }
            // WebSocket pings and pongs are tungstenite's
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return ProbeStep::Continue,
            _ => {}
        }
        self.abandon("not a probe");
        ProbeStep::Continue
    }

    /// The probe failed or expired: drop its WebSocket; polling goes on.
    pub(crate) fn abandon(&mut self, why: &str) {
        if let Some(probe) = self.probe.take() {
            tracing::debug!(sid = %self.session.conn.sid(), why, "upgrade abandoned");
            probe.outbox.release();
            self.session.buffer.upgrade_abandoned();
            self.session.release_upgrade();
        }
    }

    /// `5`: moves the session onto the probed WebSocket.
    fn complete(&mut self, outbox: &Arc<Outbox>) -> Option<WebSocketStream<Transport>> {
        let mut probe = self.probe.take()?;
        // the `3probe` must be out before anything of the session follows it
        if probe.outbox.backlog_len() > 0 {
            self.probe = Some(probe);
            return None;
        }
        probe.outbox.release();
        let sink: Arc<dyn RawSink> = probe.socket.clone();
        let buffer = &self.session.buffer;
        let compressor = probe.deflate.map(|p| self.limits.compression.compressor(p));
        if !outbox.switch_sink(sink, || buffer.take_for_upgrade(), compressor) {
            return None;
        }
        probe.ws.get_mut().set_outbox(outbox.clone());
        // The sid stays registered until the session ends: a second WebSocket with it is then
        // accepted and closed at once, and HTTP requests with it get 400, as the JS server does.
        if let Some(place) = probe.place {
            self.permits.replace_address(place);
        }
        tracing::debug!(sid = %self.session.conn.sid(), "upgraded to websocket");
        Some(probe.ws)
    }

    /// The session moved to WebSocket: the places it holds, for the rest of its life.
    pub(crate) fn into_permits(self) -> SessionPermits {
        self.permits
    }

    /// Ends the session on the polling side: a graceful close (the server's) still delivers
    /// what is buffered and a close packet to the next GET; otherwise only a GET already
    /// waiting is answered (a noop when the client itself closed). Bounded by `write_timeout`.
    pub(crate) async fn close(mut self, reason: &DisconnectReason, outbox: &Outbox) {
        self.abandon("session closed");
        let graceful = matches!(
            reason,
            DisconnectReason::ForcedClose | DisconnectReason::ServerShutdown
        );
        let packet = if *reason == DisconnectReason::TransportClose {
            Closing::Noop
        } else {
            Closing::Close
        };
        let buffer = Arc::clone(&self.session.buffer);
        let mut deadline = Instant::now() + self.limits.write_timeout;
        if graceful {
            let _ = timeout(remaining(deadline), outbox.flush()).await;
        } else {
            outbox.discard_unstarted();
        }
        // The client closed it with a POST: a GET it sent at the same moment may arrive just
        // after. It gets the noop a poll pending at the close gets, not 400, for a moment (the
        // official suite races the two; so do real clients closing a tab).
        let client_closed = packet == Closing::Noop;
        if client_closed {
            deadline = deadline.min(Instant::now() + CLIENT_CLOSE_GRACE);
        }
        buffer.finish(packet, graceful || client_closed);
        self.answer(&Err(reason.clone()));
        let _ = timeout(remaining(deadline), buffer.delivered()).await;
        buffer.gone();
        self.sessions.remove(self.session.conn.sid());
    }
}

/// How long a session the client closed still answers a racing GET with the noop.
const CLIENT_CLOSE_GRACE: Duration = Duration::from_secs(1);

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}
