//! One Engine.IO connection, over a WebSocket or HTTP long-polling: the read loop, the
//! heartbeat, and the close.
//!
//! A single task owns the reading side and `select!`s over: an incoming frame (WebSocket) or a
//! POST body and upgrade offer (polling, [`super::polling`]), the outbox's backlog (written out
//! as the socket, or the polling buffer, drains), the heartbeat's next deadline, and close
//! requests (from `EngineConn::close` or server shutdown). Both transports share everything
//! above the link: packets, heartbeat, session, close reasons. [`run`] reads like mini-redis's
//! `Handler::run`: open, loop over `Connection::step`, close. Emits do not pass through this task: they write
//! to the socket directly from the emitting thread ([`super::outbox`]), so a broadcast to a
//! thousand clients wakes no task at all. The session (`EngineSession`) is only ever touched
//! here, so it needs no lock.
//!
//! Whatever goes wrong with this peer (bad frame, oversized message, I/O error, dead heartbeat,
//! full backlog) ends this loop with a logged [`DisconnectReason`]; nothing here can affect
//! another connection.

use super::admission::SessionPermits;
use super::deflate::{DeflateParams, InflateError, Inflater};
use super::engine::{EngineConn, EngineService, EngineSession, ProtocolError, new_id};
use super::heartbeat::{Beat, Heartbeat};
use super::outbox::{BacklogFull, Outbox, RawSink};
use super::polling::link::{PollEvent, PollLink, ProbeStep};
use super::shutdown::Shutdown;
use super::transport::Transport;
use super::{DisconnectReason, RealtimeConfig};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use petri_shared::engineio::{self, OpenPayload, PacketType};
use petri_shared::polling::{self as payload, Packet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// The tungstenite limits derived from the config: `max_payload` bounds both messages and frames,
/// so an oversized message is refused while it is being read, before it is buffered whole.
///
/// tungstenite only reads here (and writes the odd control frame, straight through to the
/// outbox), so it needs no write buffer. Its read buffer is small because every connection holds
/// it for its whole life: tungstenite's 128 KiB default would cost 1.3 GB for 10,000 idle clients.
pub fn ws_config(
    cfg: &RealtimeConfig,
) -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(cfg.max_payload))
        .max_frame_size(Some(cfg.max_payload))
        .read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(0)
}

/// Bytes read from the socket at a time, per connection. tungstenite zero-fills its whole read
/// buffer on every read, so its default 128 KiB is resident for every connection (1.3 GB for
/// 10,000 idle clients, bench/RESULTS-realtime.md) and costs a memset per read. Client frames
/// are small (inputs, acks); a bigger one grows the buffer as needed.
const WS_READ_BUFFER: usize = 4 * 1024;

/// Runs one Engine.IO session on a freshly upgraded WebSocket until it ends. `prefix` holds the
/// bytes the HTTP layer read past the upgrade request. The connection closes when `shutdown`
/// begins. `peer` is only informative (logs, sockets). `deflate`: the permessage-deflate
/// parameters the handshake agreed on, if any.
pub async fn run(
    socket: TcpStream,
    prefix: Bytes,
    service: Arc<dyn EngineService>,
    peer: Option<SocketAddr>,
    shutdown: Shutdown,
    deflate: Option<DeflateParams>,
) {
    let opened = Connection::open(socket, prefix, service.as_ref(), peer, deflate).await;
    if let Some(connection) = opened {
        connection.drive(&shutdown).await;
    }
}

/// What a connection reads from.
enum Link {
    WebSocket(WebSocketStream<Transport>),
    /// Until it upgrades.
    Polling(PollLink),
}

/// A live Engine.IO connection, owned by its task.
pub(crate) struct Connection {
    link: Link,
    outbox: Arc<Outbox>,
    conn: EngineConn,
    /// The upper layer (Socket.IO); touched only by this task, so it needs no lock.
    session: Box<dyn EngineSession>,
    heartbeat: Heartbeat,
    write_timeout: Duration,
    /// The places an upgraded polling session holds (a WebSocket's own are held by its task).
    permits: Option<SessionPermits>,
}

impl Connection {
    /// Starts the WebSocket over `socket`, sends the Engine.IO open packet and opens the upper
    /// layer's session. `None` if the open packet could not be sent.
    async fn open(
        socket: TcpStream,
        prefix: Bytes,
        service: &dyn EngineService,
        peer: Option<SocketAddr>,
        deflate: Option<DeflateParams>,
    ) -> Option<Self> {
        let cfg = service.config();
        let socket = Arc::new(socket);
        let sink: Arc<dyn RawSink> = socket.clone();
        let outbox = Arc::new(Outbox::new(sink, cfg.send_queue_depth));
        if let Some(params) = deflate {
            outbox.set_compressor(cfg.compression.compressor(params));
        }
        // `prefix` is copied, not converted: `Vec::from` would hand tungstenite the HTTP layer's
        // whole read buffer (8 KiB or more, kept for the connection's life) instead of `prefix`
        // and a `WS_READ_BUFFER` of its own; usually `prefix` is empty
        let (transport, prefix) = Transport::new(socket, outbox.clone())
            .with_inflater(inflater(cfg.max_payload, deflate), &prefix);
        let ws = WebSocketStream::from_partially_read(
            transport,
            prefix,
            Role::Server,
            Some(ws_config(cfg)),
        )
        .await;
        let conn = EngineConn::new(new_id(), peer, outbox.clone());
        Self::start(Link::WebSocket(ws), outbox, conn, service)
    }

    /// A long-polling session's connection: `conn` writes through `outbox` into its poll
    /// buffer. `None` if the open packet could not be sent.
    pub(crate) fn polling(
        link: PollLink,
        outbox: Arc<Outbox>,
        conn: EngineConn,
        service: &dyn EngineService,
    ) -> Option<Self> {
        Self::start(Link::Polling(link), outbox, conn, service)
    }

    /// Sends the open packet and opens the upper layer's session.
    fn start(
        link: Link,
        outbox: Arc<Outbox>,
        conn: EngineConn,
        service: &dyn EngineService,
    ) -> Option<Self> {
        let cfg = service.config();
        let upgrades = matches!(link, Link::Polling(_));
        if conn
            .send_text(&open_packet(cfg, conn.sid(), upgrades), false)
            .is_err()
        {
            tracing::debug!(sid = conn.sid(), "could not send the Engine.IO open packet");
            outbox.release();
            return None;
        }
        tracing::debug!(sid = conn.sid(), peer = ?conn.peer_addr(), upgrades, "engine.io connection open");
        let session = service.open(conn.clone());
        let heartbeat = Heartbeat::new(
            Instant::now(),
            cfg.ping_interval,
            cfg.ping_timeout,
            cfg.connect_timeout,
        );
        Some(Self {
            link,
            outbox,
            conn,
            session,
            heartbeat,
            write_timeout: cfg.write_timeout,
            permits: None,
        })
    }

    /// Runs the connection until it ends.
    pub(crate) async fn drive(mut self, shutdown: &Shutdown) {
        let reason = loop {
            if let Err(reason) = self.step(shutdown).await {
                break reason;
            }
        };
        self.close(reason).await;
    }

    /// Waits for the next thing to happen and handles it; `Err` ends the connection.
    async fn step(&mut self, shutdown: &Shutdown) -> Result<(), DisconnectReason> {
        if self.session.is_attached() {
            self.heartbeat.attached();
        }
        tokio::select! {
            reason = self.conn.close_requested() => Err(reason),
            () = shutdown.begun() => Err(DisconnectReason::ServerShutdown),
            event = next_event(&mut self.link) => self.on_event(event).await,
            error = self.outbox.run_writer() => {
                Err(DisconnectReason::TransportError(error.to_string()))
            }
            () = sleep_until(self.heartbeat.wake_at()) => self.on_timer(),
        }
    }

    /// Something on the link: a frame, or on polling, a POST or a step of the upgrade.
    async fn on_event(&mut self, event: Event) -> Result<(), DisconnectReason> {
        let poll = match event {
            Event::Frame(frame) => return self.handle_frame(frame),
            Event::Poll(poll) => poll,
        };
        let Link::Polling(link) = &mut self.link else {
            return Ok(());
        };
        match poll {
            PollEvent::Post(body) => {
                let outcome = self.on_post(&body);
                if let (Ok(()), Link::Polling(link)) = (&outcome, &mut self.link) {
                    link.answer(&outcome);
                }
                outcome
            }
            PollEvent::Offer(offer) => {
                link.offer(offer).await;
                Ok(())
            }
            PollEvent::Probe(frame) => {
                if let ProbeStep::Upgraded(ws) = link.on_probe(frame, &self.outbox) {
                    self.upgraded(ws);
                }
                Ok(())
            }
            PollEvent::ProbeExpired => {
                link.abandon("no upgrade within handshake_timeout");
                Ok(())
            }
            PollEvent::Orphaned => Err(DisconnectReason::TransportClose),
        }
    }

    /// The polling session now runs over `ws`.
    fn upgraded(&mut self, ws: Box<WebSocketStream<Transport>>) {
        if let Link::Polling(link) = std::mem::replace(&mut self.link, Link::WebSocket(*ws)) {
            self.permits = Some(link.into_permits());
        }
    }

    /// A POST body: its packets, in order.
    fn on_post(&mut self, body: &[u8]) -> Result<(), DisconnectReason> {
        for packet in payload::decode(body) {
            match packet.map_err(|e| DisconnectReason::ParseError(e.to_string()))? {
                Packet::Text(text) => self.handle_packet(text)?,
                Packet::Binary(data) => self
                    .session
                    .on_binary(Bytes::from(data))
                    .map_err(parse_error)?,
            }
        }
        Ok(())
    }

    /// One WebSocket frame from the peer (or the end of the stream).
    fn handle_frame(
        &mut self,
        frame: Option<Result<Message, WsError>>,
    ) -> Result<(), DisconnectReason> {
        match frame {
            None => Err(DisconnectReason::TransportClose),
            Some(Err(e)) => Err(classify(e)),
            Some(Ok(Message::Text(text))) => self.handle_packet(&text),
            Some(Ok(Message::Binary(data))) => self.session.on_binary(data).map_err(parse_error),
            Some(Ok(Message::Close(_))) => Err(DisconnectReason::TransportClose),
            // WebSocket-level ping/pong are answered by tungstenite itself.
            Some(Ok(_)) => Ok(()),
        }
    }

    /// One Engine.IO text packet.
    fn handle_packet(&mut self, text: &str) -> Result<(), DisconnectReason> {
        let packet =
            engineio::decode_text(text).map_err(|e| DisconnectReason::ParseError(e.to_string()))?;
        match packet.kind {
            PacketType::Message => self.session.on_text(packet.data).map_err(parse_error),
            PacketType::Pong => {
                self.heartbeat.on_pong(Instant::now());
                Ok(())
            }
            // v4 clients do not ping, but answering is harmless and helps probes and older
            // tooling.
            PacketType::Ping => self
                .conn
                .send_text(&engineio::encode_text(PacketType::Pong, packet.data), false)
                .map_err(|_| DisconnectReason::SlowConsumer),
            PacketType::Close => Err(DisconnectReason::TransportClose),
            PacketType::Noop | PacketType::Upgrade => Ok(()),
            PacketType::Open => Err(DisconnectReason::ParseError(
                "unexpected open packet from client".into(),
            )),
        }
    }

    /// The heartbeat's deadline came.
    fn on_timer(&mut self) -> Result<(), DisconnectReason> {
        if self.heartbeat.on_timer(Instant::now())? == Beat::Ping {
            // A ping that does not fit closes the connection (reliable send): the close request
            // is seen on the next step.
            let _ = self
                .conn
                .send_text(&engineio::encode_text(PacketType::Ping, ""), false);
        }
        Ok(())
    }

    /// Ends the connection: tells the upper layer, then closes the link (bounded by
    /// `write_timeout`).
    async fn close(mut self, reason: DisconnectReason) {
        let (sid, peer) = (self.conn.sid().to_owned(), self.conn.peer_addr());
        self.conn.mark_closed();
        match &reason {
            DisconnectReason::ParseError(_)
            | DisconnectReason::Oversized(_)
            | DisconnectReason::SlowConsumer
            | DisconnectReason::PingTimeout
            | DisconnectReason::ConnectTimeout
            | DisconnectReason::TransportError(_) => {
                tracing::info!(%sid, ?peer, %reason, "closing engine.io connection")
            }
            _ => tracing::debug!(%sid, ?peer, %reason, "closing engine.io connection"),
        }
        self.session.on_close(&reason);
        match self.link {
            Link::WebSocket(mut ws) => {
                close_websocket(&mut ws, &self.outbox, &reason, self.write_timeout).await;
            }
            Link::Polling(link) => link.close(&reason, &self.outbox).await,
        }
        // Emitters still holding this connection's handle can no longer reach the socket; it
        // closes when the link drops here.
        self.outbox.release();
    }
}

/// Sends the close frame (after what was queued, for a server-initiated close) within
/// `write_timeout`.
async fn close_websocket(
    ws: &mut WebSocketStream<Transport>,
    outbox: &Outbox,
    reason: &DisconnectReason,
    write_timeout: Duration,
) {
    // A server-initiated close still delivers what was queued before it (e.g. a final
    // event); after an error only the frame the peer is in the middle of receiving is
    // finished.
    if !matches!(
        reason,
        DisconnectReason::ForcedClose | DisconnectReason::ServerShutdown
    ) {
        outbox.discard_unstarted();
    }
    let frame = CloseFrame {
        code: close_code(reason),
        reason: reason.as_str().into(),
    };
    let _ = timeout(write_timeout, async {
        // tungstenite writes the close frame into the outbox. When the peer closed first,
        // `close` refuses to send (SendAfterClosing) and tungstenite's reply (the peer's
        // code echoed, or 1002 for an invalid one, RFC 6455 7.4) waits in its buffer: only
        // a flush writes it, else the peer would see a bare TCP close.
        let _ = ws.close(Some(frame)).await;
        let _ = ws.flush().await;
        outbox.flush().await
    })
    .await;
}

/// What happened on a link.
enum Event {
    Frame(Option<Result<Message, WsError>>),
    Poll(PollEvent),
}

/// Waits for the next thing on `link`.
async fn next_event(link: &mut Link) -> Event {
    match link {
        Link::WebSocket(ws) => Event::Frame(ws.next().await),
        Link::Polling(poll) => Event::Poll(poll.next().await),
    }
}

/// The Engine.IO open packet for session `sid`; a polling session may upgrade to WebSocket.
fn open_packet(cfg: &RealtimeConfig, sid: &str, upgrades: bool) -> String {
    OpenPayload {
        sid: sid.to_owned(),
        upgrades: if upgrades {
            vec!["websocket".to_owned()]
        } else {
            Vec::new()
        },
        ping_interval: cfg.ping_interval.as_millis() as u64,
        ping_timeout: cfg.ping_timeout.as_millis() as u64,
        max_payload: cfg.max_payload as u64,
    }
    .to_packet()
}

/// The permessage-deflate refusal inside a read error, if that is what it is.
fn inflate_error(io: &std::io::Error) -> Option<&InflateError> {
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<InflateError>())
}

/// The read filter for a connection that agreed on `deflate`.
pub(crate) fn inflater(max_payload: usize, deflate: Option<DeflateParams>) -> Option<Inflater> {
    deflate.map(|p| Inflater::new(p.client_window_bits, max_payload))
}

fn parse_error(e: ProtocolError) -> DisconnectReason {
    DisconnectReason::ParseError(e.0)
}

/// The WebSocket close code that tells the peer (and packet captures) why.
fn close_code(reason: &DisconnectReason) -> CloseCode {
    match reason {
        DisconnectReason::Oversized(_) => CloseCode::Size,
        DisconnectReason::ParseError(_) => CloseCode::Protocol,
        DisconnectReason::SlowConsumer | DisconnectReason::ConnectTimeout => CloseCode::Policy,
        DisconnectReason::ServerShutdown => CloseCode::Away,
        DisconnectReason::HandlerPanic => CloseCode::Error,
        _ => CloseCode::Normal,
    }
}

fn classify(e: WsError) -> DisconnectReason {
    match e {
        WsError::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<BacklogFull>()) => {
            DisconnectReason::SlowConsumer
        }
        WsError::Io(ref io) if let Some(e) = inflate_error(io) => e.into(),
        WsError::ConnectionClosed | WsError::AlreadyClosed => DisconnectReason::TransportClose,
        WsError::Capacity(c) => DisconnectReason::Oversized(c.to_string()),
        WsError::Utf8(d) => DisconnectReason::ParseError(format!("invalid UTF-8: {d}")),
        WsError::Protocol(p) => DisconnectReason::ParseError(format!("websocket protocol: {p}")),
        other => DisconnectReason::TransportError(other.to_string()),
    }
}
