//! One Engine.IO connection over one WebSocket: the read/write loop and the heartbeat.
//!
//! A single task owns the WebSocket and `select!`s over four things: an incoming frame, an
//! outgoing packet from the send queue, the heartbeat/connect timer, and close requests (from
//! `EngineConn::close` or server shutdown). Owning the socket in one task means no lock around
//! it, and the session (`EngineSession`) is only ever touched here, so it needs no lock either.
//!
//! Whatever goes wrong with this peer (bad frame, oversized message, I/O error, dead heartbeat)
//! ends this loop with a logged [`DisconnectReason`]; nothing here can affect another connection.

use super::engine::{EngineConn, EngineService, Outbound, new_id};
use super::{DisconnectReason, RealtimeConfig};
use futures_util::{SinkExt, StreamExt};
use petri_shared::engineio::{self, OpenPayload, PacketType};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// How many queued packets are written before one flush (batches syscalls under load while
/// keeping the read side responsive).
const WRITE_BATCH: usize = 64;

/// The tungstenite limits derived from the config: `max_payload` bounds both messages and frames,
/// so an oversized message is refused while it is being read, before it is buffered whole.
///
/// Buffers are small because every connection holds them for its whole life: tungstenite's 128 KiB
/// defaults would cost 2.5 GB for 10,000 idle clients. Game traffic is a few hundred bytes a
/// message; a larger one simply takes more reads. The write buffer may grow to hold what a slow
/// peer has not read yet, bounded so it cannot grow without limit (past it the connection closes).
pub fn ws_config(
    cfg: &RealtimeConfig,
) -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(cfg.max_payload))
        .max_frame_size(Some(cfg.max_payload))
        .read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(WS_WRITE_BUFFER)
        .max_write_buffer_size(WS_MAX_WRITE_BUFFER.max(2 * cfg.max_payload))
}

/// Bytes read from the socket at a time, per connection. tungstenite zero-fills its whole read
/// buffer on every read, so its default 128 KiB is resident for every connection (1.3 GB for
/// 10,000 idle clients, bench/RESULTS-realtime.md) and costs a memset per wake-up. Client frames
/// are small (inputs, acks); a bigger one grows the buffer as needed.
const WS_READ_BUFFER: usize = 4 * 1024;
/// Bytes gathered before a write is flushed.
const WS_WRITE_BUFFER: usize = 4 * 1024;
/// The most unsent bytes one connection may hold.
const WS_MAX_WRITE_BUFFER: usize = 1024 * 1024;

/// Runs one Engine.IO session on an open WebSocket until it ends. `shutdown` flips to `true` (or
/// its sender is dropped) when the server stops. `peer` is only informative (logs, sockets).
pub async fn run<S>(
    mut ws: WebSocketStream<S>,
    service: Arc<dyn EngineService>,
    peer: Option<SocketAddr>,
    mut shutdown: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let cfg = service.config().clone();
    let (tx, mut rx) = mpsc::channel(cfg.send_queue_depth.max(1));
    let sid = new_id();
    let conn = EngineConn::new(sid.clone(), peer, tx);

    let open = OpenPayload {
        sid: sid.to_string(),
        upgrades: Vec::new(),
        ping_interval: cfg.ping_interval.as_millis() as u64,
        ping_timeout: cfg.ping_timeout.as_millis() as u64,
        max_payload: cfg.max_payload as u64,
    };
    if !matches!(
        timeout(cfg.write_timeout, ws.send(Message::text(open.to_packet()))).await,
        Ok(Ok(()))
    ) {
        tracing::debug!(%sid, "could not send the Engine.IO open packet");
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
                                .send_text(engineio::encode_text(PacketType::Pong, p.data), false)
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
            Some(out) = rx.recv() => {
                if let Err(reason) = write_batch(&mut ws, out, &mut rx, &cfg).await {
                    break reason;
                }
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
                    let ping = Message::text(engineio::encode_text(PacketType::Ping, ""));
                    match timeout(cfg.write_timeout, ws.send(ping)).await {
                        Ok(Ok(())) => pong_deadline = Some(now + cfg.ping_timeout),
                        Ok(Err(e)) => break classify(e),
                        Err(_) => break DisconnectReason::TransportError("write timeout".into()),
                    }
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

    // A server-initiated close still delivers what was queued before it (e.g. a final event).
    if matches!(
        reason,
        DisconnectReason::ForcedClose | DisconnectReason::ServerShutdown
    ) {
        while let Ok(out) = rx.try_recv() {
            if write_batch(&mut ws, out, &mut rx, &cfg).await.is_err() {
                break;
            }
        }
    }
    drop(rx);
    let frame = CloseFrame {
        code: close_code(&reason),
        reason: reason.as_str().into(),
    };
    let _ = timeout(cfg.write_timeout, ws.close(Some(frame))).await;
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

/// Writes `first` and up to `WRITE_BATCH - 1` further queued packets, then flushes, all within
/// `write_timeout`.
async fn write_batch<S>(
    ws: &mut WebSocketStream<S>,
    first: Outbound,
    rx: &mut mpsc::Receiver<Outbound>,
    cfg: &RealtimeConfig,
) -> Result<(), DisconnectReason>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let work = async {
        feed(ws, first).await?;
        for _ in 1..WRITE_BATCH {
            match rx.try_recv() {
                Ok(out) => feed(ws, out).await?,
                Err(_) => break,
            }
        }
        ws.flush().await
    };
    match timeout(cfg.write_timeout, work).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(classify(e)),
        Err(_) => Err(DisconnectReason::TransportError("write timeout".into())),
    }
}

async fn feed<S>(ws: &mut WebSocketStream<S>, out: Outbound) -> Result<(), WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match out {
        Outbound::Packet(p) => {
            ws.feed(Message::Text(p.text.clone())).await?;
            for b in &p.bins {
                ws.feed(Message::Binary(b.clone())).await?;
            }
            Ok(())
        }
        Outbound::Binary(b) => ws.feed(Message::Binary(b)).await,
    }
}

fn classify(e: WsError) -> DisconnectReason {
    match e {
        WsError::ConnectionClosed | WsError::AlreadyClosed => DisconnectReason::TransportClose,
        WsError::Capacity(c) => DisconnectReason::ParseError(format!("oversized message: {c}")),
        WsError::Utf8(d) => DisconnectReason::ParseError(format!("invalid UTF-8: {d}")),
        WsError::Protocol(p) => DisconnectReason::ParseError(format!("websocket protocol: {p}")),
        other => DisconnectReason::TransportError(other.to_string()),
    }
}
