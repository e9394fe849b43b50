//! The server the official protocol test suites expect, on the WebSocket transport:
//!
//! * `SUITE=socketio` (default): socketio/socket.io-protocol `test-suite` — Socket.IO on
//!   `/socket.io/`, namespaces `/` and `/custom`, each emitting `auth` (the handshake auth) on
//!   connect; `message` is echoed as `message-back`, `message-with-ack` acks its arguments.
//! * `SUITE=engineio`: socketio/engine.io-protocol `test-suite` — raw Engine.IO on `/engine.io/`
//!   echoing every message (text and binary).
//!
//! Both use the suites' settings: pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1 000 000,
//! connectTimeout 1000 ms, and listen on `localhost:3000` (both 127.0.0.1 and ::1, since Node may
//! resolve `localhost` to either). `PORT` overrides the port. See docs/SOCKETIO.md.

mod common;

use bytes::Bytes;
use petri_server::realtime::{
    ConnectionStats, EngineConn, EngineService, EngineSession, ProtocolError, RealtimeConfig,
    SocketIo, SocketRef,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

fn main() -> std::io::Result<()> {
    common::init_tracing();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> std::io::Result<()> {
    let mut cfg = common::config_from_env(300, 200);
    cfg.connect_timeout = Duration::from_millis(1000);
    // The suites are written against the JS server's defaults, where permessage-deflate is off.
    // With it negotiated, their `ws` client's frames go through its deflate pipeline and the
    // "HTTP request with the same sid after the upgrade" case sends its GET before the `5` is
    // out: the reference server with `perMessageDeflate` on fails that case the same way (200,
    // not 400). Compression has its own tests (server/tests/realtime_deflate.rs,
    // tests/interop/compression.test.js).
    cfg.compression.enabled = false;
    let suite = std::env::var("SUITE").unwrap_or_else(|_| "socketio".into());
    let service: Arc<dyn EngineService> = if suite == "engineio" {
        cfg.path = "/engine.io/".into();
        Arc::new(Echo {
            cfg,
            stats: Arc::default(),
        })
    } else {
        let io = SocketIo::new(cfg);
        for nsp in ["/", "/custom"] {
            io.ns(nsp, on_connect);
        }
        Arc::new(io)
    };

    let port = u16::try_from(common::env_u64("PORT", 3000)).unwrap_or(3000);
    let v4 = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = v4.local_addr()?.port();
    // IPv6 loopback is optional (some containers have none).
    let v6 = TcpListener::bind(("::1", port)).await.ok();
    common::announce(&v4)?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let serve4 = petri_server::realtime::http::serve_engine(
        v4,
        service.clone(),
        petri_server::realtime::http::no_routes,
        stopped(stop_rx.clone()),
    );
    let serve6 = async {
        match v6 {
            Some(l) => {
                petri_server::realtime::http::serve_engine(
                    l,
                    service.clone(),
                    petri_server::realtime::http::no_routes,
                    stopped(stop_rx.clone()),
                )
                .await
            }
            None => Ok(()),
        }
    };
    let signal = async {
        common::exit_signal().await;
        let _ = stop_tx.send(true);
    };
    let (r4, r6, ()) = tokio::join!(serve4, serve6, signal);
    r4.and(r6)
}

fn on_connect(socket: SocketRef) {
    let _ = socket.emit("auth", socket.auth().clone());
    socket.on("message", |s, p, _| {
        let _ = s.emit("message-back", p);
    });
    socket.on("message-with-ack", |_, p, ack| {
        if let Some(ack) = ack {
            let _ = ack.send_payload(p);
        }
    });
}

/// Raw Engine.IO echo for the engine.io-protocol suite.
struct Echo {
    cfg: RealtimeConfig,
    stats: Arc<ConnectionStats>,
}

struct EchoSession(EngineConn);

impl EngineService for Echo {
    fn config(&self) -> &RealtimeConfig {
        &self.cfg
    }

    fn stats(&self) -> &Arc<ConnectionStats> {
        &self.stats
    }

    fn open(&self, conn: EngineConn) -> Box<dyn EngineSession> {
        Box::new(EchoSession(conn))
    }
}

impl EngineSession for EchoSession {
    fn on_text(&mut self, text: &str) -> Result<(), ProtocolError> {
        let _ = self.0.send_text(&format!("4{text}"), false);
        Ok(())
    }

    fn on_binary(&mut self, data: Bytes) -> Result<(), ProtocolError> {
        let _ = self.0.send_binary(&data, false);
        Ok(())
    }

    fn on_close(&mut self, _reason: &petri_server::realtime::DisconnectReason) {}
}
