//! Cross-node requests and notices on a real Redis: create a room on another node; a clear error
//! when the target is absent (nobody subscribed) or stalled (no answer within the timeout); a
//! refusal carried back; rooms-changed notices reaching every node.

mod cluster_support;

use std::time::Duration;

use cluster_support::{RedisServer, TestRooms, WAIT, config, eventually};
use petri_server::cluster::{
    ClusterError, ClusterNode, ClusterStats, CreateRoom, NodeId, NodeLoad, NodeRecord, RoomChange,
};

fn create(name: &str) -> CreateRoom {
    CreateRoom {
        name: Some(name.to_owned()),
        private: true,
        ..CreateRoom::default()
    }
}

fn record(id: &str) -> NodeRecord {
    NodeRecord {
        id: NodeId::parse(id).expect("id"),
        url: "http://127.0.0.1:1".into(),
        load: NodeLoad::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_on_another_node_then_refusals_absence_and_timeout() {
    let redis = RedisServer::start();
    let rooms_b = TestRooms::new("b");
    let a =
        ClusterNode::start(config(&redis, "r1", "a", 8001), TestRooms::new("a"), None).expect("a");
    let b = ClusterNode::start(config(&redis, "r1", "b", 8002), rooms_b.clone(), None).expect("b");
    let stalled = ClusterNode::start(
        config(&redis, "r1", "slow", 8003),
        TestRooms::stalled("slow"),
        None,
    )
    .expect("slow");
    let ready = eventually(WAIT, || async {
        a.nodes().await.is_ok_and(|n| n.len() == 3)
            && b.stats().connected()
            && stalled.stats().connected()
    })
    .await;
    assert!(ready);
    let b_record = a
        .nodes()
        .await
        .expect("nodes")
        .into_iter()
        .find(|n| n.id.as_str() == "b")
        .expect("b");

    let created = a
        .create_room_on(&b_record, create("duel"))
        .await
        .expect("created on b");
    assert_eq!(
        (created.node.as_str(), created.url.as_str()),
        ("b", "http://127.0.0.1:8002")
    );
    let created = created.created;
    assert_eq!(
        (created.room.name.as_str(), created.code.as_deref()),
        ("duel", Some("s3cret"))
    );
    assert_eq!(rooms_b.rooms.lock().len(), 1, "b opened the room itself");
    let listed = eventually(WAIT, || async {
        a.find_room(&created.room.id)
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.node.as_str() == "b")
    })
    .await;
    assert!(
        listed,
        "the new room is in the directory at once (refresh on create)"
    );

    let refused = a.create_room_on(&b_record, create("")).await;
    assert!(
        matches!(&refused, Err(ClusterError::Refused { reason, .. }) if reason == "a room needs a name"),
        "{refused:?}"
    );

    let absent = a.create_room_on(&record("ghost"), create("x")).await;
    assert!(
        matches!(&absent, Err(ClusterError::NodeAbsent { node }) if node.as_str() == "ghost"),
        "{absent:?}"
    );

    let timed_out = a.create_room_on(&record("slow"), create("x")).await;
    assert!(
        matches!(&timed_out, Err(ClusterError::Timeout { node, after }) if node.as_str() == "slow" && *after == Duration::from_millis(300)),
        "{timed_out:?}"
    );
    assert_eq!(ClusterStats::get(&a.stats().request_timeouts), 1);
    let message = timed_out.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(message, "node slow did not answer within 300ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_changed_reaches_every_node() {
    let redis = RedisServer::start();
    let a =
        ClusterNode::start(config(&redis, "r2", "a", 8001), TestRooms::new("a"), None).expect("a");
    let b =
        ClusterNode::start(config(&redis, "r2", "b", 8002), TestRooms::new("b"), None).expect("b");
    let mut on_b = b.subscribe_rooms_changed();
    let mut on_a = a.subscribe_rooms_changed();
    assert!(
        eventually(WAIT, || async {
            a.stats().connected() && b.stats().connected()
        })
        .await
    );
    a.publish_rooms_changed("a1", RoomChange::Opened)
        .await
        .expect("publish");
    for receiver in [&mut on_b, &mut on_a] {
        let notice = tokio::time::timeout(WAIT, receiver.recv())
            .await
            .expect("in time")
            .expect("notice");
        assert_eq!(
            (notice.node.as_str(), notice.room_id.as_str(), notice.change),
            ("a", "a1", RoomChange::Opened)
        );
    }
}
