//! The relay end to end: two in-process Socket.IO servers, each with its own cluster node and
//! relay, on one real Redis, with raw Socket.IO clients over 127.0.0.1. Broadcasts (rooms,
//! except, binary) cross both ways, and so do server-side emits with acks, `fetch_sockets`,
//! `all_rooms`, `sockets_join`, `disconnect_sockets` and a broadcast with acks; hostile bytes on
//! the adapter channels are counted and dropped while everything keeps working.

mod cluster_support;
mod realtime_support;

use std::sync::Arc;
use std::time::Duration;

use cluster_support::{RedisServer, TestRooms, config, eventually};
use petri_server::cluster::{ClusterNode, ClusterStats};
use petri_server::realtime::{Payload, SocketIo};
use petri_server::relay::{Relay, RelayStats};
use realtime_support::{Client, Server, app, test_config};
use serde_json::json;

const WAIT: Duration = cluster_support::WAIT;

/// One server of the pair: Socket.IO on a free port, its node, its relay.
struct Peer {
    server: Server,
    node: Arc<ClusterNode>,
    relay: Relay,
}

impl Peer {
    async fn start(redis: &RedisServer, id: &str) -> Self {
        let (io, _events) = app(test_config());
        let server = Server::start(io.clone()).await;
        let relay = Relay::new(io).with_request_timeout(Duration::from_secs(2));
        let binding = relay.binding(vec!["/".into()]);
        let cluster = config(redis, "relay", id, server.addr.port());
        let node = ClusterNode::start(cluster, TestRooms::new(id), Some(binding)).expect("node");
        let node = Arc::new(node);
        relay.attach(Arc::clone(&node));
        Self {
            server,
            node,
            relay,
        }
    }

    fn io(&self) -> &SocketIo {
        &self.server.io
    }

    fn root(&self) -> Arc<petri_server::realtime::Namespace> {
        self.io().of("/").expect("namespace /")
    }

    async fn client(&self) -> (Client, String) {
        Client::connected(self.server.addr, "/").await
    }
}

async fn join(client: &mut Client, room: &str) {
    client.send(format!(r#"420["join","{room}"]"#)).await;
    assert_eq!(client.recv_text().await, "430[true]");
}

/// Sends a `barrier` event from `from` to everyone and checks it is each client's next event:
/// a message meant for a client was sent before the barrier and would arrive before it (one
/// publisher queue, one Redis connection, per-connection FIFO), so none was.
async fn barrier(from: &Peer, clients: &mut [&mut Client]) {
    from.root().emit("barrier", ()).expect("barrier");
    for client in clients.iter_mut() {
        assert_eq!(client.recv_text().await, r#"42["barrier"]"#);
    }
}

async fn pair(redis: &RedisServer) -> (Peer, Peer) {
    let a = Peer::start(redis, "a").await;
    let b = Peer::start(redis, "b").await;
    let up = eventually(WAIT, || async {
        a.node.stats().connected() && b.node.stats().connected()
    })
    .await;
    assert!(up, "both nodes joined the cluster");
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_cross_servers_with_rooms_except_and_binary() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (mut on_a, _) = a.client().await;
    let (mut in_room, _) = b.client().await;
    let (mut outside, _) = b.client().await;
    join(&mut in_room, "r").await;

    // A room broadcast with binary, from a to b: only the member gets it, binary intact.
    let payload = Payload::new().arg(7).bin(vec![1u8, 2, 3]);
    a.root().to("r").emit("hello", payload).expect("emit");
    assert_eq!(
        in_room.recv_text().await,
        r#"451-["hello",7,{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(in_room.recv_bin().await, vec![1, 2, 3]);
    barrier(&a, &mut [&mut on_a, &mut in_room, &mut outside]).await;

    // All but a room, from b to a and b: the member is left out on its own server.
    b.root()
        .except("r")
        .emit("not-r", json!("x"))
        .expect("emit");
    assert_eq!(on_a.recv_text().await, r#"42["not-r","x"]"#);
    assert_eq!(outside.recv_text().await, r#"42["not-r","x"]"#);
    barrier(&b, &mut [&mut on_a, &mut in_room, &mut outside]).await;

    // `.local()` stays on its server.
    b.root().local().emit("local-only", ()).expect("emit");
    assert_eq!(outside.recv_text().await, r#"42["local-only"]"#);
    assert_eq!(in_room.recv_text().await, r#"42["local-only"]"#);
    barrier(&b, &mut [&mut on_a, &mut in_room, &mut outside]).await;

    // A client's `broadcast` (all but the sender) reaches the other server's clients.
    outside.send(r#"42["broadcast","hi"]"#).await;
    assert_eq!(on_a.recv_text().await, r#"42["broadcast-msg","hi"]"#);
    let stats = a.relay.stats();
    // a published two broadcasts: hello and its barrier.
    assert!(eventually(WAIT, || async { RelayStats::get(&stats.published) == 2 }).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_side_api_spans_both_servers() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (_on_a, id_a) = a.client().await;
    let (mut on_b, id_b) = b.client().await;
    join(&mut on_b, "r").await;

    b.root().on_server_event("ping", |payload, ack| {
        if let Some(ack) = ack {
            let _ = ack.send(json!({ "pong": payload.args.first().cloned() }));
        }
    });
    let answers = a
        .root()
        .server_side_emit_with_ack("ping", json!(1), WAIT)
        .await
        .expect("every server answered");
    assert_eq!(answers, vec![json!({ "pong": 1 })]);

    let everyone = a.root().all().fetch_sockets().await.expect("fetch");
    let mut ids: Vec<&str> = everyone.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    let mut expected = vec![id_a.as_str(), id_b.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let in_r = a.root().to("r").fetch_sockets().await.expect("fetch r");
    assert_eq!(in_r.len(), 1);
    assert_eq!(in_r[0].id, id_b);
    assert!(in_r[0].rooms.contains(&"r".to_owned()));

    let rooms = a.root().all_rooms().await.expect("rooms");
    assert!(rooms.contains(&"r".to_owned()), "{rooms:?}");

    a.root().to("r").sockets_join(["joined-remotely"]);
    let b_root = b.root();
    assert!(eventually(WAIT, || async { b_root.room_len("joined-remotely") == 1 }).await);

    // A broadcast with acks from a counts b's client and gets its answer.
    let asked = tokio::spawn(a.root().to("r").emit_with_ack(
        "question",
        json!("?"),
        Duration::from_secs(3),
    ));
    let question = on_b.recv_text().await;
    let id = question
        .strip_prefix("42")
        .and_then(|rest| rest.split('[').next())
        .expect("an event with an ack id");
    on_b.send(format!(r#"43{id}["yes"]"#)).await;
    let acks = asked.await.expect("task").expect("emit");
    assert_eq!((acks.clients, acks.complete), (1, true));
    assert_eq!(acks.acks[0].args, vec![json!("yes")]);

    // Disconnect from the other server.
    a.root().to("r").disconnect_sockets(false);
    assert_eq!(on_b.recv_text().await, "41");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bytes_on_adapter_channels_are_counted_and_dropped() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    let (mut on_b, _) = b.client().await;
    join(&mut on_b, "r").await;
    let mut raw = redis.raw().await;
    let junk: [(&str, &[u8]); 5] = [
        ("socket.io#/#", b"\x93\xa1x"),
        ("socket.io#/#r#", &[0xdd, 0xff, 0xff, 0xff, 0xff]),
        ("socket.io#/#", &[0x91; 64]),
        ("socket.io-request#/#", b"{\"type\":5}"),
        ("socket.io-request#/#", b"{not json"),
    ];
    for (channel, bytes) in junk {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(bytes)
            .query_async(&mut raw)
            .await
            .expect("publish");
    }
    let stats = b.node.stats();
    assert!(
        eventually(WAIT, || async {
            ClusterStats::get(&stats.malformed_dropped) == 5
        })
        .await,
        "b counted {}",
        ClusterStats::get(&stats.malformed_dropped)
    );
    // Still working both ways.
    a.root().to("r").emit("after", ()).expect("emit");
    assert_eq!(on_b.recv_text().await, r#"42["after"]"#);
    let rooms = a.root().all_rooms().await.expect("rooms");
    assert!(rooms.contains(&"r".to_owned()));
    assert_eq!(a.root().room_len("r"), 0);
}
