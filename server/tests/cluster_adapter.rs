//! The Socket.IO Redis adapter wire format: bytes produced by the real notepack.io 3.0.1 (the
//! official adapter's parser; fixtures/cluster/make_adapter_vectors.js) decode and re-encode to
//! the same bytes; broadcasts cross two Petri nodes through a real Redis; a single-room broadcast
//! for a room the node lacks is skipped before decoding; a node ignores its own broadcasts.

mod cluster_support;

use cluster_support::{RedisServer, TestRooms, TestSockets, WAIT, config, eventually};
use petri_server::cluster::adapter::{
    AdapterRequest, BroadcastFlags, BroadcastMessage, BroadcastOpts, SioPacket, decode_broadcast,
    decode_request, encode_broadcast, encode_broadcast_ack, encode_request,
};
use petri_server::cluster::{ClusterNode, ClusterStats};
use rmpv::Value;

const MAX: usize = 1 << 20;

fn vector(name: &str) -> Vec<u8> {
    let text = include_str!("fixtures/cluster/adapter_vectors.txt");
    let hex = text
        .lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .unwrap_or_else(|| panic!("vector {name}"));
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn node_adapter_bytes_round_trip_exactly() {
    for name in ["broadcast_all", "broadcast_room_binary", "broadcast_flags"] {
        let bytes = vector(name);
        let message = decode_broadcast(&bytes, MAX).expect(name);
        assert_eq!(
            encode_broadcast(&message),
            bytes,
            "{name} re-encodes to Node's bytes"
        );
    }
    let binary = decode_broadcast(&vector("broadcast_room_binary"), MAX).expect("binary");
    assert_eq!(binary.uid, "Ab3dE6");
    assert_eq!(binary.packet.event(), "ev");
    assert_eq!(binary.packet.data[2], Value::Binary(vec![1, 2, 3]));
    assert_eq!(
        (binary.opts.rooms.as_slice(), binary.opts.except.as_slice()),
        (&["room1".to_owned()][..], &["sid9".to_owned()][..])
    );
    let flags = decode_broadcast(&vector("broadcast_flags"), MAX)
        .expect("flags")
        .opts
        .flags;
    assert_eq!(
        flags,
        BroadcastFlags {
            volatile: true,
            compress: Some(true),
            ..BroadcastFlags::default()
        }
    );

    let request = vector("request_broadcast_ack");
    let decoded = decode_request(&request, MAX).expect("broadcast request");
    assert!(
        matches!(&decoded, AdapterRequest::Broadcast { request_id, opts, .. } if request_id == "req1" && opts.flags.timeout == Some(5000))
    );
    assert_eq!(encode_request(&decoded), request);
    assert_eq!(
        encode_broadcast_ack("req1", Value::from("pong")),
        vector("response_broadcast_ack")
    );
}

fn message(uid: &str, rooms: &[&str]) -> BroadcastMessage {
    BroadcastMessage {
        uid: uid.to_owned(),
        packet: SioPacket {
            kind: 2,
            data: vec![Value::from("chat"), Value::from("hi")],
            nsp: "/".into(),
        },
        opts: BroadcastOpts {
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            ..BroadcastOpts::default()
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_cross_nodes_filtered_by_room_before_decoding() {
    let redis = RedisServer::start();
    let sockets_a = TestSockets::in_rooms(&[]);
    let sockets_b = TestSockets::in_rooms(&["lobby"]);
    let a = ClusterNode::start(
        config(&redis, "ad", "a", 8001),
        TestRooms::new("a"),
        sockets_a.on_root(),
    )
    .expect("a");
    let b = ClusterNode::start(
        config(&redis, "ad", "b", 8002),
        TestRooms::new("b"),
        sockets_b.on_root(),
    )
    .expect("b");
    assert!(
        eventually(WAIT, || async {
            a.stats().connected() && b.stats().connected()
        })
        .await
    );

    // To a room b lacks: skipped on the channel name. To all, and to b's room: delivered.
    assert_eq!(
        a.publish_broadcast(&message(a.adapter_uid(), &["elsewhere"]))
            .await
            .expect("publish"),
        2
    );
    a.publish_broadcast(&message(a.adapter_uid(), &[]))
        .await
        .expect("publish");
    a.publish_broadcast(&message(a.adapter_uid(), &["lobby"]))
        .await
        .expect("publish");
    let stats_b = b.stats();
    let arrived = eventually(WAIT, || async {
        sockets_b.delivered.lock().len() == 2
            && ClusterStats::get(&stats_b.skipped_before_decode) == 1
    })
    .await;
    assert!(
        arrived,
        "b got {} broadcasts",
        sockets_b.delivered.lock().len()
    );
    assert_eq!(sockets_b.delivered.lock()[1].opts.rooms, ["lobby"]);
    // a received its own broadcast to all through the pattern and dropped it on its first
    // bytes (the uid), undecoded; its two single-room ones on the channel name.
    assert!(sockets_a.delivered.lock().is_empty());
    let stats_a = a.stats();
    assert!(
        eventually(WAIT, || async {
            ClusterStats::get(&stats_a.skipped_before_decode) == 3
        })
        .await
    );
    assert_eq!(ClusterStats::get(&stats_a.malformed_dropped), 0);

    // A Node-written broadcast published raw reaches b too.
    let mut raw = redis.raw().await;
    let _: i64 = redis::cmd("PUBLISH")
        .arg("socket.io#/#")
        .arg(vector("broadcast_all"))
        .query_async(&mut raw)
        .await
        .expect("publish");
    assert!(eventually(WAIT, || async { sockets_b.delivered.lock().len() == 3 }).await);
    assert_eq!(sockets_b.delivered.lock()[2].uid, "Ab3dE6");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_style_requests_are_answered_on_the_requesters_own_channel() {
    use futures_util::StreamExt;
    let redis = RedisServer::start();
    let sockets = TestSockets::in_rooms(&["lobby"]);
    let a = ClusterNode::start(
        config(&redis, "rq", "a", 8001),
        TestRooms::new("a"),
        sockets.on_root(),
    )
    .expect("a");
    assert!(eventually(WAIT, || async { a.stats().connected() }).await);
    let client = redis::Client::open(redis.url()).expect("url");
    let mut responses = client.get_async_pubsub().await.expect("pubsub");
    responses
        .subscribe("socket.io-response#/#Ab3dE6#")
        .await
        .expect("subscribe");
    let mut raw = redis.raw().await;
    // Exactly what a Node server's `io.of("/").adapter.allRooms()` publishes.
    let request = br#"{"uid":"Ab3dE6","requestId":"q77","type":1}"#;
    let receivers: i64 = redis::cmd("PUBLISH")
        .arg("socket.io-request#/#")
        .arg(&request[..])
        .query_async(&mut raw)
        .await
        .expect("publish");
    assert_eq!(receivers, 1, "the Petri node is a counted subscriber");
    let mut stream = responses.on_message();
    let answer = tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("in time")
        .expect("message");
    let answer: serde_json::Value =
        serde_json::from_slice(answer.get_payload_bytes()).expect("json");
    assert_eq!(
        answer,
        serde_json::json!({"requestId": "q77", "rooms": ["lobby"]})
    );
    // Its own requests (uid = node id) are not handed to the local sockets.
    let own = format!(
        r#"{{"uid":"{}","requestId":"q78","type":1}}"#,
        a.adapter_uid()
    );
    let _: i64 = redis::cmd("PUBLISH")
        .arg("socket.io-request#/#")
        .arg(own)
        .query_async(&mut raw)
        .await
        .expect("publish");
    let _: i64 = redis::cmd("PUBLISH")
        .arg("socket.io-request#/#")
        .arg(&b"{\"type\":99}"[..])
        .query_async(&mut raw)
        .await
        .expect("publish");
    let stats = a.stats();
    assert!(
        eventually(WAIT, || async {
            ClusterStats::get(&stats.malformed_dropped) == 1
        })
        .await
    );
    assert_eq!(sockets.requests.lock().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_gathers_answers_from_every_counted_server_or_reports_partial() {
    let redis = RedisServer::start();
    let a = ClusterNode::start(
        config(&redis, "ga", "a", 8001),
        TestRooms::new("a"),
        TestSockets::in_rooms(&[]).on_root(),
    )
    .expect("a");
    let _b = ClusterNode::start(
        config(&redis, "ga", "b", 8002),
        TestRooms::new("b"),
        TestSockets::in_rooms(&["lobby", "sid1"]).on_root(),
    )
    .expect("b");
    let subscribers = || async {
        let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg("socket.io-request#/#")
            .query_async(&mut redis.raw().await)
            .await
            .unwrap_or_default();
        counts.first().map_or(0, |c| c.1)
    };
    assert!(eventually(WAIT, || async { subscribers().await == 2 }).await);
    let one_each = |answers: &[petri_server::cluster::adapter::AdapterResponse], servers: usize| {
        answers.len() >= servers
    };
    let all_rooms = AdapterRequest::AllRooms {
        uid: Some(a.adapter_uid().to_owned()),
        request_id: a.new_request_id(),
    };
    let gathered = a
        .gather("/", &all_rooms, WAIT, one_each)
        .await
        .expect("gather");
    assert!(gathered.complete);
    assert_eq!(gathered.expected, 1);
    assert_eq!(
        gathered.responses[0].rooms(),
        Some(vec!["lobby".to_owned(), "sid1".to_owned()])
    );

    // A subscriber that never answers (as a mixed-version Node server may not): counted, so the
    // call ends at its timeout with what it got and says it is incomplete.
    let client = redis::Client::open(redis.url()).expect("url");
    let mut silent = client.get_async_pubsub().await.expect("pubsub");
    silent
        .subscribe("socket.io-request#/#")
        .await
        .expect("subscribe");
    let all_rooms = AdapterRequest::AllRooms {
        uid: Some(a.adapter_uid().to_owned()),
        request_id: a.new_request_id(),
    };
    let partial = a
        .gather(
            "/",
            &all_rooms,
            std::time::Duration::from_millis(300),
            one_each,
        )
        .await
        .expect("gather");
    assert_eq!(
        (partial.expected, partial.responses.len(), partial.complete),
        (2, 1, false)
    );
}
