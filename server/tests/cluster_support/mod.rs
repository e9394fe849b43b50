//! Helpers for the cluster tests: a real `redis-server` on a free loopback port with persistence
//! off (killed on drop, restartable on the same port), a cluster config with short timings, an
//! in-test implementation of the `LocalRooms` / `LocalBroadcast` seams, and bounded polling.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use petri_server::cluster::adapter::{AdapterRequest, BroadcastMessage};
use petri_server::cluster::{
    AdapterBinding, AdapterReplier, BoxFuture, ClusterConfig, CreateRefused, CreateRoom,
    LocalBroadcast, LocalRooms, LocalSnapshot, NodeId, NodeLoad, RedisUrl, RoomCreated,
    RoomSummary,
};

/// Upper bound of any single wait in these tests.
pub const WAIT: Duration = Duration::from_secs(10);

/// A `redis-server` child process on 127.0.0.1.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// Starts Redis on a free port and waits until it answers PING. The port is free when picked
    /// but another test could take it first; a Redis that could not bind exits, and then another
    /// port is tried (at most 5), so a test never talks to another test's Redis.
    pub fn start() -> Self {
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port");
            let mut server = Self { child: None, port };
            if server.spawn() {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// Spawns Redis on `self.port`; true once it answers and is still our child.
    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + WAIT;
        for _ in 0..400 {
            if !self.alive() {
                self.child = None;
                return false;
            }
            if self.answers_as_our_child() {
                return true;
            }
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// True when the Redis on our port is our child process (`INFO server` names its pid), so a
    /// test never mistakes another test's Redis for its own.
    fn answers_as_our_child(&self) -> bool {
        let Some(pid) = self.child.as_ref().map(Child::id) else {
            return false;
        };
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"INFO server\r\n").is_err() {
            return false;
        }
        let needle = format!("process_id:{pid}\r\n");
        let mut reply = Vec::with_capacity(4096);
        let mut chunk = [0u8; 1024];
        for _ in 0..16 {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => reply.extend_from_slice(&chunk[..n]),
            }
            if String::from_utf8_lossy(&reply).contains(&needle) {
                return true;
            }
        }
        false
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills Redis (SIGKILL: nothing is saved, as persistence is off anyway).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts Redis again, empty, on the same port.
    pub fn restart(&mut self) {
        self.stop();
        assert!(
            self.spawn(),
            "redis-server did not restart on port {}",
            self.port
        );
    }

    /// A plain async connection for publishing raw bytes in tests.
    pub async fn raw(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("url")
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A config with short timings (heartbeat 100 ms, expiry 400 ms) and its own key prefix.
pub fn config(redis: &RedisServer, prefix: &str, node: &str, port: u16) -> ClusterConfig {
    let mut config = ClusterConfig::new(
        RedisUrl::new(redis.url()),
        format!("http://127.0.0.1:{port}"),
    );
    config.node_id = NodeId::parse(node).expect("node id");
    config.key_prefix = prefix.to_owned();
    config.heartbeat_interval = Duration::from_millis(100);
    config.expiry = Duration::from_millis(400);
    config.request_timeout = Duration::from_millis(300);
    config.reconnect_min = Duration::from_millis(20);
    config.reconnect_max = Duration::from_millis(200);
    config
}

/// Rooms held in memory: what the rooms module will provide through the same trait.
#[derive(Default)]
pub struct TestRooms {
    pub node: String,
    pub rooms: Mutex<Vec<RoomSummary>>,
    pub players: AtomicU32,
    /// When set, `create_room` never answers (a stalled node).
    pub stalled: bool,
    next: AtomicU32,
}

impl TestRooms {
    pub fn new(node: &str) -> Arc<Self> {
        Arc::new(Self {
            node: node.to_owned(),
            ..Self::default()
        })
    }

    pub fn stalled(node: &str) -> Arc<Self> {
        Arc::new(Self {
            node: node.to_owned(),
            stalled: true,
            ..Self::default()
        })
    }

    pub fn add(&self, id: &str, private: bool) {
        self.rooms.lock().push(summary(id, private));
    }
}

pub fn summary(id: &str, private: bool) -> RoomSummary {
    RoomSummary {
        id: id.to_owned(),
        name: format!("room {id}"),
        mode: "ffa".to_owned(),
        players: 1,
        bots: 2,
        spectators: 0,
        capacity: 16,
        private,
        url: None,
    }
}

impl LocalRooms for TestRooms {
    fn snapshot(&self) -> LocalSnapshot {
        let rooms = self.rooms.lock().clone();
        LocalSnapshot {
            load: NodeLoad {
                players: self.players.load(Ordering::Relaxed),
                rooms: rooms.len() as u32,
            },
            rooms,
        }
    }

    fn create_room(&self, request: CreateRoom) -> BoxFuture<Result<RoomCreated, CreateRefused>> {
        if self.stalled {
            return Box::pin(std::future::pending());
        }
        let Some(name) = request.name.filter(|n| !n.is_empty()) else {
            return Box::pin(async {
                Err(CreateRefused {
                    reason: "a room needs a name".into(),
                })
            });
        };
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut room = summary(&format!("{}-new{n}", self.node), request.private);
        room.name = name;
        self.rooms.lock().push(room.clone());
        let code = request.private.then(|| "s3cret".to_owned());
        Box::pin(async move {
            Ok(RoomCreated {
                ok: true,
                room,
                code,
            })
        })
    }
}

/// Local sockets that are in the given rooms and record what they were sent.
#[derive(Default)]
pub struct TestSockets {
    pub rooms: Vec<String>,
    pub delivered: Mutex<Vec<BroadcastMessage>>,
    pub requests: Mutex<Vec<AdapterRequest>>,
}

impl TestSockets {
    /// Sockets of namespace `/` in the given rooms.
    pub fn in_rooms(rooms: &[&str]) -> Arc<Self> {
        Arc::new(Self {
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            ..Self::default()
        })
    }

    /// The adapter binding that relays namespace `/` to these sockets.
    pub fn on_root(self: &Arc<Self>) -> Option<AdapterBinding> {
        Some(AdapterBinding {
            namespaces: vec!["/".into()],
            local: Arc::clone(self) as Arc<dyn LocalBroadcast>,
        })
    }
}

impl LocalBroadcast for TestSockets {
    fn has_room(&self, _nsp: &str, room: &str) -> bool {
        self.rooms.iter().any(|r| r == room)
    }

    fn deliver(&self, message: BroadcastMessage) {
        self.delivered.lock().push(message);
    }

    /// Answers ALL_ROOMS with its rooms and a broadcast-with-ack with a zero client count, as the
    /// integration will; records every request.
    fn request(&self, _nsp: &str, request: AdapterRequest, reply: Option<AdapterReplier>) {
        let rooms = self.rooms.clone();
        let kind = request.clone();
        self.requests.lock().push(request);
        if let Some(reply) = reply {
            tokio::spawn(async move {
                let _ = match kind {
                    AdapterRequest::AllRooms { .. } => reply.all_rooms(&rooms).await,
                    AdapterRequest::Broadcast { .. } => reply.client_count(0).await,
                    _ => Ok(()),
                };
            });
        }
    }
}

/// Polls `check` every 25 ms until it is true or `within` passes; returns whether it became true.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    for _ in 0..2000 {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}
