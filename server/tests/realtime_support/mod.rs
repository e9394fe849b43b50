//! Helpers for the realtime tests: a server on 127.0.0.1:0 with a small testbed-like app, and a
//! raw tokio-tungstenite Engine.IO client. Every wait is bounded by `WAIT`.

#![allow(dead_code)]

pub mod deflate;

use futures_util::{SinkExt, StreamExt};
use petri_server::realtime::{DisconnectReason, Payload, RealtimeConfig, SocketIo, SocketRef};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Upper bound of every single wait in the tests.
pub const WAIT: Duration = Duration::from_secs(5);

/// Settings for tests: quiet heartbeat unless a test shortens it.
pub fn test_config() -> RealtimeConfig {
    RealtimeConfig {
        ping_interval: Duration::from_secs(30),
        ping_timeout: Duration::from_secs(30),
        max_payload: 64 * 1024,
        ..RealtimeConfig::default()
    }
}

/// What the test app reports to the test body.
pub struct Events {
    /// Every socket that connected to `/`.
    pub connected: mpsc::UnboundedReceiver<SocketRef>,
    /// Every disconnect on `/`: (socket id, reason).
    pub disconnected: mpsc::UnboundedReceiver<(String, DisconnectReason)>,
}

/// The test app: like the interop testbed, smaller.
pub fn app(config: RealtimeConfig) -> (SocketIo, Events) {
    let io = SocketIo::new(config);
    let (ctx, crx) = mpsc::unbounded_channel();
    let (dtx, drx) = mpsc::unbounded_channel();
    io.ns("/", move |socket| {
        let _ = socket.emit(
            "welcome",
            json!({ "id": socket.id(), "auth": socket.auth() }),
        );
        echo(&socket);
        socket.on("ask", |s, p, ack| {
            let Some(ack) = ack else { return };
            let q = s.emit_with_ack("question", p, Some(Duration::from_millis(300)));
            tokio::spawn(async move {
                let reply = match q.await {
                    Ok(a) => Payload {
                        args: vec![
                            json!({ "answer": a.args.first().cloned().unwrap_or(Value::Null) }),
                        ],
                        bins: a.bins,
                    },
                    Err(e) => Payload::from(json!({ "error": e.to_string() })),
                };
                let _ = ack.send_payload(reply);
            });
        });
        socket.on("join", |s, p, ack| {
            s.join(
                p.args
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            );
            if let Some(ack) = ack {
                let _ = ack.send(json!(true));
            }
        });
        socket.on("to-room", |s, p, _| {
            let room = p
                .args
                .first()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let data = Payload {
                args: p.args[1..].to_vec(),
                bins: p.bins,
            };
            let _ = s.namespace().to(room).emit("room-msg", data);
        });
        socket.on("broadcast", |s, p, _| {
            let _ = s.broadcast().emit("broadcast-msg", p);
        });
        socket.on("make-binary", |_, p, ack| {
            let n = p
                .args
                .first()
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .min(65536) as usize;
            if let Some(ack) = ack {
                let _ = ack
                    .send_payload(Payload::new().bin((0..n).map(|i| i as u8).collect::<Vec<u8>>()));
            }
        });
        socket.on("disconnect-me", |s, _, _| s.disconnect());
        socket.on("close-me", |s, _, _| s.close_connection());
        let dtx = dtx.clone();
        socket.on_disconnect(move |s, reason| {
            let _ = dtx.send((s.id().to_owned(), reason.clone()));
        });
        let _ = ctx.send(socket);
    });
    io.ns("/custom", |socket| {
        let _ = socket.emit("welcome", json!({ "nsp": "/custom" }));
        echo(&socket);
    });
    io.ns_with_middleware(
        "/secure",
        |s| match s.auth().get("token").and_then(Value::as_str) {
            Some("let-me-in") => Ok(()),
            _ => Err("invalid token".to_owned()),
        },
        |socket| {
            let _ = socket.emit("welcome", json!({ "nsp": "/secure" }));
        },
    );
    (
        io,
        Events {
            connected: crx,
            disconnected: drx,
        },
    )
}

fn echo(socket: &SocketRef) {
    socket.on("echo", |s, p, _| {
        let _ = s.emit("echo", p);
    });
    socket.on("echo-ack", |_, p, ack| {
        if let Some(ack) = ack {
            let _ = ack.send_payload(p);
        }
    });
}

/// A running server; stopped (gracefully) on drop of the stop sender.
pub struct Server {
    pub addr: SocketAddr,
    pub io: SocketIo,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub async fn start(io: SocketIo) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        // Extra routes: a plain closure, its argument type inferred from `serve`.
        let task = tokio::spawn(petri_server::realtime::http::serve(
            listener,
            io.clone(),
            |req| {
                (req.uri().path() == "/extra")
                    .then(|| petri_server::realtime::http::text(hyper::StatusCode::OK, "extra"))
            },
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            addr,
            io,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Signals shutdown and waits (bounded) for `serve` to return.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let r = timeout(WAIT * 2, t)
                .await
                .expect("serve returns after shutdown");
            r.expect("serve task").expect("serve result");
        }
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A raw Engine.IO/Socket.IO client.
pub struct Client {
    pub ws: Ws,
    /// The parsed open packet.
    pub open: Value,
    /// Answer server pings automatically while waiting for other frames.
    pub auto_pong: bool,
}

impl Client {
    /// Opens the WebSocket and reads the Engine.IO open packet.
    pub async fn open(addr: SocketAddr) -> Self {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let (mut ws, _) = timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("websocket handshake");
        let first = timeout(WAIT, ws.next()).await.expect("open packet in time");
        let Some(Ok(Message::Text(t))) = first else {
            panic!("expected the open packet, got {first:?}")
        };
        assert!(t.starts_with('0'), "open packet: {t}");
        let open = serde_json::from_str(&t[1..]).expect("open json");
        Self {
            ws,
            open,
            auto_pong: true,
        }
    }

    /// Opens and connects to namespace `nsp` (with optional auth), consuming the CONNECT reply
    /// and the `welcome` event. Returns the socket id.
    pub async fn connected(addr: SocketAddr, nsp: &str) -> (Self, String) {
        let mut c = Self::open(addr).await;
        let sid = c.connect(nsp, None).await;
        let welcome = c.recv_text().await;
        assert!(welcome.contains("\"welcome\""), "{welcome}");
        (c, sid)
    }

    /// Sends CONNECT and returns the socket id from the reply.
    pub async fn connect(&mut self, nsp: &str, auth: Option<Value>) -> String {
        let prefix = if nsp == "/" {
            String::new()
        } else {
            format!("{nsp},")
        };
        let auth = auth.map(|a| a.to_string()).unwrap_or_default();
        self.send(format!("40{prefix}{auth}")).await;
        let reply = self.recv_text().await;
        let expected = format!("40{prefix}");
        assert!(reply.starts_with(&expected), "connect reply {reply}");
        let v: Value = serde_json::from_str(&reply[expected.len()..]).expect("connect json");
        v["sid"].as_str().expect("sid").to_owned()
    }

    pub async fn send(&mut self, text: impl Into<String>) {
        timeout(WAIT, self.ws.send(Message::text(text.into())))
            .await
            .expect("send in time")
            .expect("send");
    }

    pub async fn send_bin(&mut self, data: Vec<u8>) {
        timeout(WAIT, self.ws.send(Message::binary(data)))
            .await
            .expect("send in time")
            .expect("send");
    }

    /// Next non-ping frame (pings are answered when `auto_pong`).
    pub async fn recv(&mut self) -> Message {
        for _ in 0..1000 {
            let msg = timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("stream still open")
                .expect("frame ok");
            match &msg {
                Message::Text(t) if t.as_str() == "2" && self.auto_pong => self.send("3").await,
                Message::Ping(_) | Message::Pong(_) => {}
                _ => return msg,
            }
        }
        panic!("only pings");
    }

    pub async fn recv_text(&mut self) -> String {
        match self.recv().await {
            Message::Text(t) => t.to_string(),
            other => panic!("expected text, got {other:?}"),
        }
    }

    pub async fn recv_bin(&mut self) -> Vec<u8> {
        match self.recv().await {
            Message::Binary(b) => b.to_vec(),
            other => panic!("expected binary, got {other:?}"),
        }
    }

    /// Waits until the server closes the connection (close frame, EOF or reset), draining
    /// whatever comes before.
    pub async fn expect_closed(&mut self) {
        for _ in 0..10_000 {
            match timeout(WAIT, self.ws.next())
                .await
                .expect("server closes in time")
            {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
        panic!("connection never closed");
    }

    /// Sends an `echo` and returns the echoed text packet: proves the connection is healthy.
    pub async fn echo_roundtrip(&mut self, tag: &str) {
        self.send(format!(r#"42["echo","{tag}"]"#)).await;
        assert_eq!(self.recv_text().await, format!(r#"42["echo","{tag}"]"#));
    }
}

/// A raw HTTP/1.1 GET (test-side only); returns (status, body).
pub async fn http_get(addr: SocketAddr, path_and_query: &str) -> (u16, String) {
    petri_server::testkit::http_get(addr, path_and_query)
        .await
        .expect("an HTTP answer in time")
}

/// Shorthand for an `Arc`'d app server with default test config.
pub async fn start_default() -> (Server, Events) {
    let (io, ev) = app(test_config());
    (Server::start(io).await, ev)
}
