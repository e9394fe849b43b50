//! The room directory on a real Redis: two nodes list each other's public rooms (never private
//! ones), find rooms by id, pick the least-loaded node, and leave the listing at once on shutdown
//! or by expiry when they stop refreshing (a crash).

mod cluster_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use cluster_support::{RedisServer, TestRooms, WAIT, config, eventually};
use petri_server::cluster::{ClusterNode, ListedRoom};

fn ids(rooms: &[ListedRoom]) -> Vec<&str> {
    rooms.iter().map(|r| r.room.id.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_see_each_others_public_rooms_but_not_private_ones() {
    let redis = RedisServer::start();
    let rooms_a = TestRooms::new("a");
    rooms_a.add("a1", false);
    rooms_a.add("a2", true);
    let rooms_b = TestRooms::new("b");
    rooms_b.add("b1", false);
    let a = ClusterNode::start(config(&redis, "t1", "a", 8001), rooms_a, None).expect("node a");
    let b = ClusterNode::start(config(&redis, "t1", "b", 8002), rooms_b, None).expect("node b");

    let listed = eventually(WAIT, || async {
        b.list_public_rooms()
            .await
            .is_ok_and(|r| ids(&r) == ["a1", "b1"])
    })
    .await;
    assert!(
        listed,
        "b lists a1 and b1: {:?}",
        b.list_public_rooms().await
    );
    let rooms = a.list_public_rooms().await.expect("listing from a");
    assert_eq!(ids(&rooms), ["a1", "b1"]);
    assert_eq!(rooms[0].url, "http://127.0.0.1:8001");
    assert_eq!(rooms[1].node.as_str(), "b");

    let private = b
        .find_room("a2")
        .await
        .expect("find")
        .expect("a2 is findable by id");
    assert_eq!(
        (private.node.as_str(), private.url.as_str()),
        ("a", "http://127.0.0.1:8001")
    );
    assert!(private.room.private);
    assert_eq!(b.find_room("nope").await.expect("find"), None);
    assert!(a.stats().connected() && b.stats().connected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn least_loaded_node_has_the_fewest_players() {
    let redis = RedisServer::start();
    let busy = TestRooms::new("busy");
    busy.players.store(40, Ordering::Relaxed);
    let calm = TestRooms::new("calm");
    calm.players.store(3, Ordering::Relaxed);
    let a = ClusterNode::start(config(&redis, "t2", "busy", 8001), busy, None).expect("busy");
    let _b = ClusterNode::start(config(&redis, "t2", "calm", 8002), calm, None).expect("calm");
    let picked = eventually(WAIT, || async {
        a.nodes().await.is_ok_and(|n| n.len() == 2)
            && a.least_loaded_node()
                .await
                .ok()
                .flatten()
                .is_some_and(|n| n.id.as_str() == "calm")
    })
    .await;
    assert!(picked, "calm is picked: {:?}", a.least_loaded_node().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_deregisters_at_once_and_a_silent_node_expires() {
    let redis = RedisServer::start();
    let (rooms_a, rooms_b, rooms_c) = (
        TestRooms::new("a"),
        TestRooms::new("b"),
        TestRooms::new("c"),
    );
    rooms_a.add("a1", false);
    rooms_b.add("b1", true);
    rooms_c.add("c1", false);
    let a = ClusterNode::start(config(&redis, "t3", "a", 8001), rooms_a, None).expect("a");
    let b = ClusterNode::start(config(&redis, "t3", "b", 8002), rooms_b, None).expect("b");
    let c = ClusterNode::start(config(&redis, "t3", "c", 8003), rooms_c, None).expect("c");
    let all_up = eventually(WAIT, || async {
        c.list_public_rooms()
            .await
            .is_ok_and(|r| ids(&r) == ["a1", "c1"])
            && c.find_room("b1").await.ok().flatten().is_some()
    })
    .await;
    assert!(all_up);

    // Graceful: gone from the very next listing, no waiting.
    a.shutdown().await.expect("deregister");
    assert_eq!(ids(&c.list_public_rooms().await.expect("listing")), ["c1"]);
    assert!(
        c.nodes()
            .await
            .expect("nodes")
            .iter()
            .all(|n| n.id.as_str() != "a")
    );

    // Crash-like: b stops refreshing and writes nothing; its entries lapse by expiry (400 ms).
    drop(b);
    let expired = eventually(Duration::from_secs(3), || async {
        c.find_room("b1").await.is_ok_and(|r| r.is_none())
            && c.nodes().await.is_ok_and(|n| n.len() == 1)
    })
    .await;
    assert!(expired, "b's private room and record expire");
}
