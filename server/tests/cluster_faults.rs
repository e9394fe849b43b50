//! Faults on a real Redis: Redis killed and restarted empty (the node re-registers with all its
//! rooms within 5 s, its connected flag follows), and hostile bytes on every channel the node
//! listens to (counted and dropped; the node keeps working).

mod cluster_support;

use std::time::Duration;

use cluster_support::{RedisServer, TestRooms, TestSockets, WAIT, config, eventually};
use petri_server::cluster::{ClusterNode, ClusterStats, CreateRoom, RoomChange};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_the_node_registers_again_within_five_seconds() {
    let mut redis = RedisServer::start();
    let rooms = TestRooms::new("a");
    rooms.add("a1", false);
    rooms.add("a2", true);
    let a = ClusterNode::start(config(&redis, "f1", "a", 8001), rooms, None).expect("a");
    assert!(eventually(WAIT, || async { a.stats().connected() }).await);

    redis.stop();
    assert!(
        eventually(WAIT, || async { !a.stats().connected() }).await,
        "the flag drops with Redis"
    );
    assert!(
        a.list_public_rooms().await.is_err(),
        "listing fails cleanly while Redis is down"
    );

    redis.restart();
    let back = eventually(Duration::from_secs(5), || async {
        a.stats().connected()
            && a.list_public_rooms().await.is_ok_and(|r| r.len() == 1)
            && a.find_room("a2").await.ok().flatten().is_some()
    })
    .await;
    assert!(back, "registered again with all rooms within 5 s");
    assert!(ClusterStats::get(&a.stats().connects) >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_messages_are_counted_and_dropped() {
    let redis = RedisServer::start();
    let sockets = TestSockets::in_rooms(&["r1"]);
    let mut cfg = config(&redis, "f2", "a", 8001);
    cfg.max_message_bytes = 4096;
    let rooms = TestRooms::new("a");
    let a = ClusterNode::start(cfg, rooms.clone(), sockets.on_root()).expect("a");
    let mut notices = a.subscribe_rooms_changed();
    assert!(eventually(WAIT, || async { a.stats().connected() }).await);

    let mut raw = redis.raw().await;
    let huge = vec![b'x'; 10_000];
    let hostile: [(&str, &[u8]); 7] = [
        ("f2:rpc:a", b"{\"id\":1"),
        ("f2:rpc:a", b"\xff\xfe"),
        ("f2:rpc-reply:a", b"[]"),
        ("f2:rooms-changed", b"{\"node\":\"a\"}"),
        ("socket.io#/#", b"\x93\xa1u"),
        ("socket.io#/#r1#", &[0xdd, 0xff, 0xff, 0xff, 0xff]),
        ("socket.io#/#", &huge),
    ];
    for (channel, payload) in hostile {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async(&mut raw)
            .await
            .expect("publish");
    }
    let stats = a.stats();
    let counted = eventually(WAIT, || async {
        ClusterStats::get(&stats.malformed_dropped) == 6
            && ClusterStats::get(&stats.oversized_dropped) == 1
    })
    .await;
    assert!(
        counted,
        "malformed {} oversized {}",
        ClusterStats::get(&stats.malformed_dropped),
        ClusterStats::get(&stats.oversized_dropped)
    );
    assert!(sockets.delivered.lock().is_empty());
    assert!(
        notices.try_recv().is_err(),
        "nothing malformed reached the lobby"
    );

    // Still fully working: a valid request and a valid notice go through.
    let me = a.nodes().await.expect("nodes").pop().expect("a itself");
    let create = CreateRoom {
        name: Some("after".into()),
        ..CreateRoom::default()
    };
    assert!(a.create_room_on(&me, create).await.is_ok());
    a.publish_rooms_changed("a1", RoomChange::Closed)
        .await
        .expect("publish");
    assert!(
        tokio::time::timeout(WAIT, notices.recv())
            .await
            .is_ok_and(|n| n.is_ok())
    );
}
