//! Whole Petri nodes (`petri serve`, in process) on one real `redis-server`: one lobby across
//! nodes (listings, quick play, create placed on the least-loaded node), joins redirected to the
//! node that hosts the room, `rooms-changed` reaching lobby sockets of every node, and a Redis
//! outage survived (rooms keep running, the lobby serves local rooms, the node registers again).
//! Every wait is bounded (`WAIT`); nothing asserts wall-clock time.

mod cluster_support;

use std::time::Duration;

use cluster_support::{RedisServer, WAIT};
use petri_server::cluster::RedisUrl;
use petri_server::config::ServerConfig;
use petri_server::swarm::client::SocketIoClient;
use petri_server::testkit::{
    TestServer, join, lobby_client, metric, named, next_event, play_client,
};
use petri_shared::game::{JoinRequest, events};
use serde_json::{Value, json};

/// A quick node on `redis` with test timings (heartbeat 100 ms, expiry 400 ms).
fn node_config(redis: &RedisServer, node: &str) -> ServerConfig {
    let mut config = petri_server::testkit::quick_config();
    config.cluster.redis_url = Some(RedisUrl::new(redis.url()));
    config.cluster.node_id = Some(node.to_owned());
    config.cluster.heartbeat_ms = 100;
    config.cluster.expiry_ms = 400;
    config.cluster.request_timeout_ms = 1_000;
    config
}

async fn rooms(server: &TestServer) -> Vec<Value> {
    let (status, body) = server.get("/api/rooms").await.expect("GET /api/rooms");
    assert_eq!(status, 200);
    serde_json::from_str(&body).expect("a JSON list")
}

/// Polls `/api/rooms` of `server` until `want` holds (bounded by `WAIT`).
async fn rooms_until(
    server: &TestServer,
    what: &str,
    want: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let list = rooms(server).await;
        if want(&list) {
            return list;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: never happened; last listing {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn hosted_at<'a>(list: &'a [Value], url: &str) -> Vec<&'a Value> {
    list.iter().filter(|r| r["url"] == url).collect()
}

async fn ask(client: &mut SocketIoClient, event: &str, arg: Value) -> Value {
    let args = client.call(event, &[arg], WAIT).await.expect("answered");
    args.into_iter().next().unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_lists_every_nodes_rooms_with_its_url() {
    let redis = RedisServer::start();
    let a = TestServer::start(node_config(&redis, "node-a")).await;
    let b = TestServer::start(node_config(&redis, "node-b")).await;
    for server in [&a, &b] {
        let list = rooms_until(server, "both main rooms listed", |list| {
            !hosted_at(list, &a.url).is_empty() && !hosted_at(list, &b.url).is_empty()
        })
        .await;
        assert!(
            list.iter()
                .all(|r| r["id"] == "main" && r["private"] == false)
        );
    }
    // the lobby's own `rooms` answers the same
    let mut lobby = lobby_client(&a).await;
    let listed = ask(&mut lobby, events::ROOMS, Value::Null).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let text = a.get("/metrics").await.expect("metrics").1;
    assert_eq!(
        metric(&text, "petri_cluster_connected"),
        Some(1.0),
        "{text}"
    );
    let a_url = a.url.clone();
    a.stop().await;
    // a node that stops leaves the listing (SIGTERM deregisters at once)
    rooms_until(&b, "the stopped node's room gone", |list| {
        hosted_at(list, &a_url).is_empty()
    })
    .await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_is_created_on_the_least_loaded_node_and_joins_elsewhere_are_sent_there() {
    let redis = RedisServer::start();
    let a = TestServer::start(node_config(&redis, "node-a")).await;
    let b = TestServer::start(node_config(&redis, "node-b")).await;
    rooms_until(&a, "node b seen by a", |l| !hosted_at(l, &b.url).is_empty()).await;
    let mut lobby = lobby_client(&a).await;
    // equal load: the room stays on the asking node
    let first = ask(&mut lobby, events::CREATE, json!({ "name": "first" })).await;
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(first["room"]["url"], a.url.as_str(), "{first}");
    // now a hosts two rooms and b one: the next goes to b, through Redis
    rooms_until(&b, "a's second room listed", |l| {
        hosted_at(l, &a.url).len() == 2
    })
    .await;
    rooms_until(&a, "b's load read", |l| !hosted_at(l, &b.url).is_empty()).await;
    let second = ask(
        &mut lobby,
        events::CREATE,
        json!({ "name": "second", "private": true }),
    )
    .await;
    assert_eq!(second["ok"], true, "{second}");
    assert_eq!(second["room"]["url"], b.url.as_str(), "{second}");
    let id = second["room"]["id"].as_str().expect("an id").to_owned();
    let code = second["code"].as_str().expect("a private code").to_owned();

    // a join of it on a is refused with b's address...
    let mut player = play_client(&a).await;
    let request = JoinRequest {
        code: Some(code.clone()),
        ..named(&id, "alice")
    };
    // a hears of b's new room through b's directory entry, a moment after b made it
    let mut refused = join(&mut player, request.clone()).await;
    for _ in 0..40 {
        if refused["code"] != "unknown-room" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        refused = join(&mut player, request.clone()).await;
    }
    assert_eq!(refused["code"], "other-node", "{refused}");
    assert_eq!(refused["url"], b.url.as_str(), "{refused}");
    // ...and at b it works (the code is checked by b, the owner)
    let mut there = play_client(&b).await;
    let joined = join(&mut there, request).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let wrong = join(
        &mut play_client(&b).await,
        JoinRequest {
            code: Some("nope".into()),
            ..named(&id, "mallory")
        },
    )
    .await;
    assert_eq!(wrong["code"], "wrong-code", "{wrong}");
    // a room nobody has is still unknown
    let unknown = join(&mut player, named("no-such-room", "alice")).await;
    assert_eq!(unknown["code"], "unknown-room", "{unknown}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_play_picks_the_fullest_room_of_the_cluster() {
    let redis = RedisServer::start();
    let a = TestServer::start(node_config(&redis, "node-a")).await;
    let b = TestServer::start(node_config(&redis, "node-b")).await;
    let mut player = play_client(&b).await;
    let joined = join(&mut player, named("main", "bob")).await;
    assert_eq!(joined["ok"], true, "{joined}");
    rooms_until(&a, "b's player counted", |l| {
        hosted_at(l, &b.url).iter().any(|r| r["players"] == 1)
    })
    .await;
    let mut lobby = lobby_client(&a).await;
    let found = ask(&mut lobby, events::QUICKPLAY, Value::Null).await;
    assert_eq!(found["ok"], true, "{found}");
    assert_eq!(found["room"]["url"], b.url.as_str(), "{found}");
    assert_eq!(found["room"]["id"], "main", "{found}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lobby_sockets_of_every_node_hear_rooms_changed() {
    let redis = RedisServer::start();
    let a = TestServer::start(node_config(&redis, "node-a")).await;
    let b = TestServer::start(node_config(&redis, "node-b")).await;
    let mut watcher = lobby_client(&b).await;
    let mut maker = lobby_client(&a).await;
    // the subscription may still be connecting: create until a notice is heard (bounded)
    let mut heard = None;
    for attempt in 0..5 {
        let made = ask(
            &mut maker,
            events::CREATE,
            json!({ "name": format!("r{attempt}") }),
        )
        .await;
        assert_eq!(made["ok"], true, "{made}");
        let id = made["room"]["id"].clone();
        let wait = tokio::time::timeout(Duration::from_secs(2), async {
            loop {
                let (args, _) = next_event(&mut watcher, events::ROOMS_CHANGED).await;
                if args.first().is_some_and(|n| n["room"] == id) {
                    return args[0].clone();
                }
            }
        });
        if let Ok(notice) = wait.await {
            heard = Some(notice);
            break;
        }
    }
    let notice = heard.expect("a rooms-changed notice reached node b's lobby socket");
    assert_eq!(notice["change"], "opened", "{notice}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_rooms_play_on_and_the_node_comes_back_by_itself() {
    let mut redis = RedisServer::start();
    let a = TestServer::start(node_config(&redis, "node-a")).await;
    let b = TestServer::start(node_config(&redis, "node-b")).await;
    rooms_until(&a, "b listed", |l| !hosted_at(l, &b.url).is_empty()).await;
    let mut player = play_client(&a).await;
    assert_eq!(join(&mut player, named("main", "carol")).await["ok"], true);

    redis.stop();
    // the lobby falls back to local rooms, the metric says so, and the room still plays
    rooms_until(&a, "local rooms only", |l| {
        l.len() == 1 && l[0]["url"] == a.url.as_str()
    })
    .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = a.get("/metrics").await.expect("metrics").1;
        if metric(&text, "petri_cluster_connected") == Some(0.0) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still connected: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let frame = petri_server::testkit::next_frame(&mut player).await;
    assert!(frame.tick > 0);
    let mut lobby = lobby_client(&a).await;
    let made = ask(&mut lobby, events::CREATE, json!({ "name": "offline" })).await;
    assert_eq!(
        made["ok"], true,
        "a room opens locally with Redis down: {made}"
    );

    redis.restart();
    // both nodes register again, with all their rooms
    rooms_until(&b, "a back with both rooms", |l| {
        hosted_at(l, &a.url).len() == 2
    })
    .await;
    rooms_until(&a, "b back", |l| !hosted_at(l, &b.url).is_empty()).await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_play_swarm_through_one_lobby_spreads_over_the_nodes_with_no_failed_join() {
    let redis = RedisServer::start();
    let a = TestServer::start(node_config(&redis, "node-a")).await;
    let b = TestServer::start(node_config(&redis, "node-b")).await;
    rooms_until(&a, "b listed", |l| !hosted_at(l, &b.url).is_empty()).await;
    // the main rooms hold 8 people each (quick_config): 12 bots need both nodes
    let report = petri_server::swarm::run(petri_server::swarm::SwarmSettings {
        url: a.url.clone(),
        bots: 12,
        rooms: 0,
        room: String::new(),
        quickplay: true,
        duration: Duration::from_secs(3),
        connect_rate: 50.0,
        server_bots: 0,
        show_progress: false,
        transport: petri_server::swarm::Transport::Websocket,
    })
    .await
    .expect("the swarm ran");
    assert_eq!((report.connected, report.failed), (12, 0), "{report:?}");
    assert_eq!(
        report.nodes.len(),
        2,
        "bots on both nodes: {:?}",
        report.nodes
    );
    assert!(report.nodes.values().all(|&n| n <= 8), "{:?}", report.nodes);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_rooms_changed_notice_is_dropped_and_the_next_one_still_told() {
    let redis = RedisServer::start();
    let a = TestServer::start(node_config(&redis, "node-a")).await;
    let mut watcher = lobby_client(&a).await;
    let mut raw = redis.raw().await;
    let huge = "x".repeat(100_000);
    // the subscription may still be connecting: publish until the good notice is heard (bounded)
    let mut heard = Vec::new();
    for attempt in 0..5 {
        for (room, change) in [(huge.as_str(), "opened"), ("ok-room", "opened")] {
            let notice = json!({ "node": "node-x", "room_id": room, "change": change });
            let _: i64 = redis::cmd("PUBLISH")
                .arg("petri:rooms-changed")
                .arg(notice.to_string())
                .query_async(&mut raw)
                .await
                .expect("publish");
        }
        // and bytes that are not a notice at all
        let _: i64 = redis::cmd("PUBLISH")
            .arg("petri:rooms-changed")
            .arg(&b"\xff{not json"[..])
            .query_async(&mut raw)
            .await
            .expect("publish");
        let got = tokio::time::timeout(Duration::from_secs(2), async {
            let (args, _) = next_event(&mut watcher, events::ROOMS_CHANGED).await;
            args[0]["room"].as_str().unwrap_or_default().to_owned()
        })
        .await;
        if let Ok(room) = got {
            heard.push(room);
            break;
        }
        assert!(attempt < 4, "no notice was told");
    }
    assert_eq!(heard, vec!["ok-room".to_owned()]);
    // the node still serves its lobby
    let listed = ask(&mut watcher, events::ROOMS, Value::Null).await;
    assert!(listed.as_array().is_some_and(|l| !l.is_empty()), "{listed}");
    a.stop().await;
}
