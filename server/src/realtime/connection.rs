//! One Engine.IO connection over one WebSocket: the read loop, the heartbeat, and the close.
//!
//! A single task owns the reading side and `select!`s over: an incoming frame, the outbox's
//! backlog (written out as the socket drains), the heartbeat/connect timer, and close requests
//! (from `EngineConn::close` or server shutdown). Emits do not pass through this task: they write
//! to the socket directly from the emitting thread ([`super::outbox`]), so a broadcast to a
//! thousand clients wakes no task at all. The session (`EngineSession`) is only ever touched
//! here, so it needs no lock.
//!
//! Whatever goes wrong with this peer (bad frame, oversized message, I/O error, dead heartbeat,
//! full backlog) ends this loop with a logged [`DisconnectReason`]; nothing here can affect
//! another connection.

use super::engine::{EngineConn, EngineService, new_id};
use super::outbox::{BacklogFull, Outbox, RawSink};
use super::transport::Transport;
use super::{DisconnectReason, RealtimeConfig};
use bytes::Bytes;
use futures_util::StreamExt;
use petri_shared::engineio::{self, OpenPayload, PacketType};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio::sync::watch;
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
/// bytes the HTTP layer read past the upgrade request. `shutdown` flips to `true` (or its sender
/// is dropped) when the server stops. `peer` is only informative (logs, sockets).
pub async fn run(
    socket: TcpStream,
    prefix: Bytes,
    service: Arc<dyn EngineService>,
    peer: Option<SocketAddr>,
    mut shutdown: watch::Receiver<bool>,
) {
    let cfg = service.config().clone();
    let socket = Arc::new(socket);
    let sink: Arc<dyn RawSink> = socket.clone();
    let outbox = Arc::new(Outbox::new(sink, cfg.send_queue_depth));
    let mut ws = WebSocketStream::from_partially_read(
        Transport::new(socket.clone(), outbox.clone()),
        // consumed here: the `Bytes` may pin the HTTP layer's whole read buffer
        Vec::from(prefix),
        Role::Server,
        Some(ws_config(&cfg)),
    )
    .await;
    let sid = new_id();
    let conn = EngineConn::new(sid.clone(), peer, outbox.clone());

    let open = OpenPayload {
        sid: sid.to_string(),
        upgrades: Vec::new(),
        ping_interval: cfg.ping_interval.as_millis() as u64,
        ping_timeout: cfg.ping_timeout.as_millis() as u64,
        max_payload: cfg.max_payload as u64,
    };
    if conn.send_text(&open.to_packet(), false).is_err() {
        tracing::debug!(%sid, "could not send the Engine.IO open packet");
        outbox.release();
        return;
    }
    tracing::debug!(%sid, ?peer, "engine.io connection open");

    let mut session = service.open(conn.clone());
    let start = Instant::now();
    let connect_deadline = start + cfg.connect_timeout;
    let mut next_ping = start + cfg.ping_interval;
    let mut pong_deadline: Option<Instant> = None;
    // A deadline that is never reached, used to disarm the connect timer.
    let far = start + std::time::Duration::from_secs(86_400 * 365);

    let reason = loop {
        let heartbeat_at = pong_deadline.unwrap_or(next_ping);
        let connect_at = if session.is_attached() {
            far
        } else {
            connect_deadline
        };
        let wake_at = heartbeat_at.min(connect_at);
        tokio::select! {
            reason = conn.close_requested() => break reason,
            _ = shutdown.changed() => break DisconnectReason::ServerShutdown,
            frame = ws.next() => {
                let result = match frame {
                    None => Err(DisconnectReason::TransportClose),
                    Some(Err(e)) => Err(classify(e)),
                    Some(Ok(Message::Text(text))) => match engineio::decode_text(&text) {
                        Err(e) => Err(DisconnectReason::ParseError(e.to_string())),
                        Ok(p) => match p.kind {
                            PacketType::Message => session
                                .on_text(p.data)
                                .map_err(|e| DisconnectReason::ParseError(e.0)),
                            PacketType::Pong => {
                                pong_deadline = None;
                                next_ping = Instant::now() + cfg.ping_interval;
                                Ok(())
                            }
                            // v4 clients do not ping, but answering is harmless and helps
                            // probes and older tooling.
                            PacketType::Ping => conn
                                .send_text(&engineio::encode_text(PacketType::Pong, p.data), false)
                                .map_err(|_| DisconnectReason::SlowConsumer),
                            PacketType::Close => Err(DisconnectReason::TransportClose),
                            PacketType::Noop | PacketType::Upgrade => Ok(()),
                            PacketType::Open => Err(DisconnectReason::ParseError(
                                "unexpected open packet from client".into(),
                            )),
                        },
                    },
                    Some(Ok(Message::Binary(data))) => session
                        .on_binary(data)
                        .map_err(|e| DisconnectReason::ParseError(e.0)),
                    Some(Ok(Message::Close(_))) => Err(DisconnectReason::TransportClose),
                    // WebSocket-level ping/pong are answered by tungstenite itself.
                    Some(Ok(_)) => Ok(()),
                };
                if let Err(reason) = result {
                    break reason;
                }
            }
            error = outbox.run_writer() => {
                break DisconnectReason::TransportError(error.to_string());
            }
            _ = sleep_until(wake_at) => {
                let now = Instant::now();
                if pong_deadline.is_some_and(|d| now >= d) {
                    break DisconnectReason::PingTimeout;
                }
                if !session.is_attached() && now >= connect_deadline {
                    break DisconnectReason::ConnectTimeout;
                }
                if pong_deadline.is_none() && now >= next_ping {
                    // A ping that does not fit closes the connection (reliable send): the
                    // close request is seen on the next turn of the loop.
                    let _ = conn.send_text(&engineio::encode_text(PacketType::Ping, ""), false);
                    pong_deadline = Some(now + cfg.ping_timeout);
                }
            }
        }
    };

    conn.mark_closed();
    match &reason {
        DisconnectReason::ParseError(_)
        | DisconnectReason::SlowConsumer
        | DisconnectReason::PingTimeout
        | DisconnectReason::ConnectTimeout
        | DisconnectReason::TransportError(_) => {
            tracing::info!(%sid, ?peer, %reason, "closing engine.io connection")
        }
        _ => tracing::debug!(%sid, ?peer, %reason, "closing engine.io connection"),
    }
    session.on_close(&reason);

    // A server-initiated close still delivers what was queued before it (e.g. a final event);
    // after an error only the frame the peer is in the middle of receiving is finished.
    if !matches!(
        reason,
        DisconnectReason::ForcedClose | DisconnectReason::ServerShutdown
    ) {
        outbox.discard_unstarted();
    }
    let frame = CloseFrame {
        code: close_code(&reason),
        reason: reason.as_str().into(),
    };
    let _ = timeout(cfg.write_timeout, async {
        // tungstenite writes the close frame (or its reply to the peer's) into the outbox
        let _ = ws.close(Some(frame)).await;
        outbox.flush().await
    })
    .await;
    // Emitters still holding this connection's handle can no longer reach the socket; it closes
    // when `ws` and `socket` drop here.
    outbox.release();
}

/// The WebSocket close code that tells the peer (and packet captures) why.
fn close_code(reason: &DisconnectReason) -> CloseCode {
    match reason {
        DisconnectReason::ParseError(d) if d.starts_with("oversized") => CloseCode::Size,
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
        WsError::ConnectionClosed | WsError::AlreadyClosed => DisconnectReason::TransportClose,
        WsError::Capacity(c) => DisconnectReason::ParseError(format!("oversized message: {c}")),
        WsError::Utf8(d) => DisconnectReason::ParseError(format!("invalid UTF-8: {d}")),
        WsError::Protocol(p) => DisconnectReason::ParseError(format!("websocket protocol: {p}")),
        other => DisconnectReason::TransportError(other.to_string()),
    }
}
