//! The Socket.IO testbed: implements exactly `testbed-contract.md` (the interop tests drive it,
//! and the same tests run against the official JS server to prove they are right).
//!
//! `PORT=0 cargo run -p petri-server --example socketio-testbed` prints `listening on
//! 127.0.0.1:<port>`; `PING_INTERVAL`, `PING_TIMEOUT` (ms) and `MAX_PAYLOAD` tune Engine.IO.
//!
//! Redis mode (the cluster interop test, `tests/cluster-interop/`): with `REDIS_URL` set the
//! testbed also joins a cluster on that Redis as node `NODE_ID` (default: random), through a
//! `ClusterNode` and the relay on namespace `/`, so its broadcasts and server-side API reach
//! Node.js socket.io servers using `@socket.io/redis-adapter` on the same Redis, and theirs reach
//! it. The cluster events it then serves are listed in `tests/cluster-interop/CONTRACT.md`.

mod common;

use petri_server::cluster::{
    BoxFuture, ClusterConfig, ClusterNode, CreateRefused, CreateRoom, LocalRooms, LocalSnapshot,
    NodeId, NodeLoad, RedisUrl, RoomCreated,
};
use petri_server::realtime::{Payload, SocketIo, SocketRef};
use petri_server::relay::Relay;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How long the cluster events wait for the other servers.
const CLUSTER_WAIT: Duration = Duration::from_secs(3);

fn main() -> std::io::Result<()> {
    common::init_tracing();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> std::io::Result<()> {
    let io = SocketIo::new(common::config_from_env(25_000, 20_000));
    register(&io);
    // Kept alive until the server stops.
    let _node = join_cluster(&io)?;
    let port = common::env_u64("PORT", 0);
    let port = u16::try_from(port).unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    common::announce(&listener)?;
    petri_server::realtime::http::serve(
        listener,
        io,
        petri_server::realtime::http::no_routes,
        common::exit_signal(),
    )
    .await
}

/// Arguments `from..` of a payload, attachments kept (placeholders keep pointing at them).
fn tail(p: &Payload, from: usize) -> Payload {
    Payload {
        args: p.args.iter().skip(from).cloned().collect(),
        bins: p.bins.clone(),
    }
}

fn room_name(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn echo_handlers(socket: &SocketRef) {
    socket.on("echo", |s, p, _| {
        let _ = s.emit("echo", p);
    });
    socket.on("echo-ack", |_, p, ack| {
        if let Some(ack) = ack {
            let _ = ack.send_payload(p);
        }
    });
}

/// Acknowledgements both ways: `ask` (the server asks the client back) and `make-binary`.
fn ack_handlers(socket: &SocketRef) {
    socket.on("ask", |s, p, ack| {
        let Some(ack) = ack else { return };
        let question = s.emit_with_ack("question", tail(&p, 0), Some(Duration::from_millis(5000)));
        tokio::spawn(async move {
            let reply = match question.await {
                Ok(answer) => {
                    let first = answer.args.first().cloned().unwrap_or(Value::Null);
                    Payload {
                        args: vec![json!({ "answer": first })],
                        bins: answer.bins,
                    }
                }
                Err(_) => Payload::from(json!({ "error": "timeout" })),
            };
            let _ = ack.send_payload(reply);
        });
    });
    socket.on("make-binary", |_, p, ack| {
        let Some(ack) = ack else { return };
        let n = p
            .args
            .first()
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(65_536) as usize;
        let data: Vec<u8> = (0..n).map(|i| (i % 256) as u8).collect();
        let _ = ack.send_payload(Payload::new().bin(data));
    });
}

/// Socket.IO rooms: `join`, `leave`, `to-room`, `to-rooms`.
fn room_handlers(socket: &SocketRef) {
    socket.on("join", |s, p, ack| {
        s.join(room_name(p.args.first()));
        if let Some(ack) = ack {
            let _ = ack.send(json!(true));
        }
    });
    socket.on("leave", |s, p, ack| {
        s.leave(&room_name(p.args.first()));
        if let Some(ack) = ack {
            let _ = ack.send(json!(true));
        }
    });
    socket.on("to-room", |s, p, _| {
        let room = room_name(p.args.first());
        let _ = s.namespace().to(room).emit("room-msg", tail(&p, 1));
    });
    socket.on("to-rooms", |s, p, _| {
        let rooms: Vec<String> = match p.args.first() {
            Some(Value::Array(a)) => a.iter().map(|r| room_name(Some(r))).collect(),
            other => vec![room_name(other)],
        };
        let op = s.namespace().to_rooms(rooms);
        let _ = op.emit("room-msg", tail(&p, 1));
    });
}

/// A testbed hosts no game rooms: the directory sees an empty node that refuses creates.
struct NoRooms;

impl LocalRooms for NoRooms {
    fn snapshot(&self) -> LocalSnapshot {
        LocalSnapshot {
            load: NodeLoad::default(),
            rooms: Vec::new(),
        }
    }

    fn create_room(&self, _: CreateRoom) -> BoxFuture<Result<RoomCreated, CreateRefused>> {
        Box::pin(async {
            Err(CreateRefused {
                reason: "the testbed hosts no rooms".to_owned(),
            })
        })
    }
}

/// Redis mode: a cluster node on `REDIS_URL` with the relay on `/`; `None` without it.
fn join_cluster(io: &SocketIo) -> std::io::Result<Option<Arc<ClusterNode>>> {
    let Ok(url) = std::env::var("REDIS_URL") else {
        return Ok(None);
    };
    let invalid = |e: &dyn std::fmt::Display| std::io::Error::other(e.to_string());
    let mut config = ClusterConfig::new(RedisUrl::new(url), "http://127.0.0.1");
    if let Ok(id) = std::env::var("NODE_ID") {
        config.node_id = NodeId::parse(&id).map_err(|e| invalid(&e))?;
    }
    let relay = Relay::new(io.clone()).with_request_timeout(CLUSTER_WAIT);
    let binding = relay.binding(vec!["/".into()]);
    let node =
        ClusterNode::start(config, Arc::new(NoRooms), Some(binding)).map_err(|e| invalid(&e))?;
    let node = Arc::new(node);
    relay
        .try_attach(Arc::clone(&node))
        .map_err(|e| invalid(&e))?;
    register_cluster(io);
    Ok(Some(node))
}

/// The cluster events of `tests/cluster-interop/CONTRACT.md`.
fn register_cluster(io: &SocketIo) {
    let Some(ns) = io.of("/") else { return };
    ns.on_server_event("hello-petri", |p, ack| {
        if let Some(ack) = ack {
            let _ = ack.send(json!({ "from": "petri", "args": p.args }));
        }
    });
}

/// Answers `ack` with the result of `work`, or `{"error": ..}`.
fn answer_later<T, E>(
    ack: Option<petri_server::realtime::Ack>,
    work: impl std::future::Future<Output = Result<T, E>> + Send + 'static,
) where
    T: serde::Serialize + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let Some(ack) = ack else { return };
    tokio::spawn(async move {
        let _ = match work.await {
            Ok(value) => ack.send(value),
            Err(error) => ack.send(json!({ "error": error.to_string() })),
        };
    });
}

/// Events that use the whole cluster in Redis mode (local-only otherwise).
fn cluster_handlers(socket: &SocketRef) {
    socket.on("to-all", |s, p, _| {
        let _ = s.namespace().emit("all-msg", p);
    });
    socket.on("except-room", |s, p, _| {
        let room = room_name(p.args.first());
        let _ = s.namespace().except(room).emit("except-msg", tail(&p, 1));
    });
    socket.on("server-side-emit", |s, p, ack| {
        let event = room_name(p.args.first());
        let asked = s
            .namespace()
            .server_side_emit_with_ack(&event, tail(&p, 1), CLUSTER_WAIT);
        answer_later(ack, asked);
    });
    socket.on("fetch-sockets", |s, p, ack| {
        let ns = s.namespace();
        let op = match p.args.first() {
            Some(Value::String(room)) => ns.to(room.as_str()),
            _ => ns.all(),
        };
        let fetched = op.fetch_sockets();
        answer_later(ack, async move {
            fetched.await.map(|sockets| {
                let list: Vec<Value> = sockets
                    .into_iter()
                    .map(|s| json!({ "id": s.id, "rooms": s.rooms }))
                    .collect();
                list
            })
        });
    });
    socket.on("all-rooms", |s, _, ack| {
        answer_later(ack, s.namespace().all_rooms());
    });
}

fn register(io: &SocketIo) {
    io.ns("/", |socket| {
        let auth = socket.auth().clone();
        let _ = socket.emit("welcome", json!({ "id": socket.id(), "auth": auth }));
        echo_handlers(&socket);
        ack_handlers(&socket);
        room_handlers(&socket);
        cluster_handlers(&socket);
        socket.on("broadcast", |s, p, _| {
            let _ = s.broadcast().emit("broadcast-msg", p);
        });
        socket.on("volatile", |s, p, _| {
            let _ = s.volatile().emit("volatile-msg", p);
        });
        socket.on("disconnect-me", |s, _, _| s.disconnect());
        socket.on("close-me", |s, _, _| s.close_connection());
    });

    io.ns("/custom", |socket| {
        let _ = socket.emit("welcome", json!({ "nsp": "/custom" }));
        echo_handlers(&socket);
    });

    io.ns_with_middleware(
        "/secure",
        |socket| {
            if socket.auth().get("token").and_then(Value::as_str) == Some("let-me-in") {
                Ok(())
            } else {
                Err("invalid token".to_owned())
            }
        },
        |socket| {
            let _ = socket.emit("welcome", json!({ "nsp": "/secure" }));
            echo_handlers(&socket);
        },
    );
}
