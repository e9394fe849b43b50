//! The game over real sockets on 127.0.0.1: joining, playing, rooms, codes, reconnects,
//! spectators, the leaderboard, and the swarm checked against the server's own metrics.

use std::time::Duration;

use petri_server::testkit::*;
use petri_shared::ClientWorld;
use petri_shared::codec;
use petri_shared::game::{Board, CreateRoom, JoinRequest, events};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_joins_steers_and_every_frame_applies() {
    let server = TestServer::start(quick_config()).await;
    let mut client = play_client(&server).await;
    let joined = join(&mut client, named("main", "tester")).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let me = joined["player"].as_u64().expect("a player id") as u32;
    assert_eq!(joined["token"].as_str().map(str::len), Some(32));
    assert_eq!(joined["world"]["tick_rate"], 25);

    let mut world = ClientWorld::default();
    for _ in 0..10 {
        world
            .apply(&next_frame(&mut client).await)
            .expect("applies");
    }
    let own = *world.own.first().expect("an own cell");
    let start_x = world.cells[&own].x;
    assert_eq!(world.cells[&own].owner, me);
    client
        .emit(
            events::INPUT,
            &[json!(start_x as f64 + 5000.0), json!(world.cells[&own].y)],
        )
        .await
        .expect("sent");
    let mut last_tick = world.tick;
    for _ in 0..25 {
        let frame = next_frame(&mut client).await;
        assert!(frame.tick > last_tick, "frames come in order");
        last_tick = frame.tick;
        world.apply(&frame).expect("every frame applies");
    }
    let own = *world.own.first().expect("still alive");
    assert!(
        world.cells[&own].x > start_x + 100,
        "the cell moved right: {} -> {}",
        start_x,
        world.cells[&own].x
    );

    // the leaderboard arrives as a binary event and names us (5 players, top 10)
    let (_, bins) = next_event(&mut client, events::BOARD).await;
    let board: Board = codec::decode(&bins[0]).expect("a board");
    assert!(
        board
            .entries
            .iter()
            .any(|e| e.id == me && e.name == "tester"),
        "{board:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lobby_quickplay_private_codes_full_rooms_and_unknown_rooms() {
    let server = TestServer::start(quick_config()).await;
    let mut lobby = lobby_client(&server).await;
    let quick = lobby
        .call(events::QUICKPLAY, &[], WAIT)
        .await
        .expect("answered");
    assert_eq!(quick[0]["room"]["id"], "main");
    let listed = lobby
        .call(events::ROOMS, &[], WAIT)
        .await
        .expect("answered");
    assert!(
        listed[0]
            .as_array()
            .expect("a list")
            .iter()
            .any(|r| r["id"] == "main")
    );

    let private = lobby
        .call(
            events::CREATE,
            &[serde_json::to_value(CreateRoom {
                private: true,
                capacity: Some(1),
                bots: Some(0),
                ..CreateRoom::default()
            })
            .expect("json")],
            WAIT,
        )
        .await
        .expect("answered");
    let room = private[0]["room"]["id"].as_str().expect("an id").to_owned();
    let code = private[0]["code"].as_str().expect("a code").to_owned();
    let listed = lobby
        .call(events::ROOMS, &[], WAIT)
        .await
        .expect("answered");
    assert!(
        listed[0]
            .as_array()
            .expect("a list")
            .iter()
            .all(|r| r["id"] != room.as_str()),
        "private rooms are unlisted"
    );

    let mut a = play_client(&server).await;
    let wrong = join(
        &mut a,
        JoinRequest {
            code: Some("nope".into()),
            ..named(&room, "a")
        },
    )
    .await;
    assert_eq!(wrong["code"], "wrong-code", "{wrong}");
    let right = join(
        &mut a,
        JoinRequest {
            code: Some(code.clone()),
            ..named(&room, "a")
        },
    )
    .await;
    assert_eq!(right["ok"], true, "{right}");
    let mut b = play_client(&server).await;
    let full = join(
        &mut b,
        JoinRequest {
            code: Some(code),
            ..named(&room, "b")
        },
    )
    .await;
    assert_eq!(full["code"], "full", "{full}");
    let unknown = join(&mut b, named("no-such-room", "b")).await;
    assert_eq!(unknown["code"], "unknown-room");
    let garbage = b
        .call(events::JOIN, &[json!("not an object")], WAIT)
        .await
        .expect("answered");
    assert_eq!(garbage[0]["code"], "bad-request");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_player_gets_its_cells_back_with_the_token() {
    let server = TestServer::start(quick_config()).await;
    let mut first = play_client(&server).await;
    let joined = join(&mut first, named("main", "phoenix")).await;
    let token = joined["token"].as_str().expect("token").to_owned();
    let me = joined["player"].clone();
    next_frame(&mut first).await;
    drop(first); // the connection just drops, as a network cut would
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = play_client(&server).await;
    let back = join(
        &mut again,
        JoinRequest {
            token: Some(token.clone()),
            ..named("main", "phoenix")
        },
    )
    .await;
    assert_eq!(back["resumed"], true, "{back}");
    assert_eq!(back["player"], me);
    let mut world = ClientWorld::default();
    world.apply(&next_frame(&mut again).await).expect("applies");
    assert!(!world.own.is_empty(), "its cells are back on screen");
    // a token that was never issued gives a fresh player
    let mut stranger = play_client(&server).await;
    let fresh = join(
        &mut stranger,
        JoinRequest {
            token: Some("0".repeat(32)),
            ..named("main", "x")
        },
    )
    .await;
    assert_eq!(fresh["resumed"], false);
    assert_ne!(fresh["player"], me);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spectators_watch_without_playing() {
    let server = TestServer::start(quick_config()).await;
    let mut watcher = play_client(&server).await;
    let joined = join(
        &mut watcher,
        JoinRequest {
            spectate: true,
            ..named("main", "eye")
        },
    )
    .await;
    assert_eq!(joined["ok"], true);
    assert!(joined["player"].is_null() && joined["token"].is_null());
    let mut world = ClientWorld::default();
    for _ in 0..5 {
        let frame = next_frame(&mut watcher).await;
        assert!(frame.own.is_empty() && frame.rank == 0);
        world.apply(&frame).expect("applies");
    }
    assert!(
        world.cells.values().any(|c| c.owner != 0),
        "it sees players"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_created_room_closes_and_leaves_the_list() {
    let mut config = quick_config();
    config.limits.empty_room_timeout_secs = 0.3;
    let server = TestServer::start(config).await;
    let mut lobby = lobby_client(&server).await;
    let created = lobby
        .call(events::CREATE, &[json!({ "bots": 1 })], WAIT)
        .await
        .expect("answered");
    let room = created[0]["room"]["id"].as_str().expect("an id").to_owned();
    let mut gone = false;
    for _ in 0..100 {
        let (_, body) = server.get("/api/rooms").await.expect("answers");
        if !body.contains(&room) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the empty room closed");
    let mut client = play_client(&server).await;
    assert_eq!(
        join(&mut client, named(&room, "late")).await["code"],
        "unknown-room"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_swarm_reports_what_the_server_counted() {
    let server = TestServer::start(quick_config()).await;
    let report = petri_server::swarm::run(petri_server::swarm::SwarmSettings {
        url: server.url.clone(),
        bots: 6,
        rooms: 2,
        room: "main".into(),
        quickplay: false,
        duration: Duration::from_secs(4),
        connect_rate: 100.0,
        server_bots: 0,
        show_progress: false,
        transport: petri_server::swarm::Transport::Websocket,
    })
    .await
    .expect("the swarm ran");
    assert_eq!(
        (report.connected, report.failed, report.disconnects),
        (6, 0, 0),
        "{report:?}"
    );
    assert!(
        report.latency_samples > 0 && report.latency_p50_ms > 0.0,
        "{report:?}"
    );
    // a room adds to its counters just after handing out a tick's frames: let the last tick land
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, metrics) = server.get("/metrics").await.expect("metrics");
    // the swarm's own rooms are every room but main
    let sum = |prefix: &str| -> f64 {
        metrics
            .lines()
            .filter(|l| l.starts_with(prefix) && !l.contains("room=\"main\""))
            .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
            .sum()
    };
    let sent = sum("petri_frames_sent_total{");
    let mut players = 0.0;
    for line in metrics.lines().filter(|l| l.starts_with("petri_players{")) {
        players += line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    }
    let received = report.frames_received as f64;
    assert!(
        received <= sent,
        "the swarm cannot receive more than was sent: {received} > {sent}"
    );
    assert!(
        received >= sent * 0.9,
        "almost everything sent arrived: {received} of {sent}"
    );
    assert_eq!(
        report.frames_skipped as f64,
        sum("petri_frames_skipped_total{"),
        "skipped frames agree"
    );
    assert_eq!(
        metric(&metrics, "petri_rooms"),
        Some(3.0),
        "main and the swarm's two rooms"
    );
    assert!(
        players <= 6.0,
        "the swarm's players have left or are leaving: {players}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_tells_every_player_and_ends_in_bounded_time() {
    let server = TestServer::start(quick_config()).await;
    let mut player = play_client(&server).await;
    assert_eq!(join(&mut player, named("main", "last")).await["ok"], true);
    next_frame(&mut player).await;
    let stopping = tokio::spawn(async move {
        let started = std::time::Instant::now();
        server.stop().await; // panics if the server does not stop within WAIT
        started.elapsed()
    });
    let (args, _) = next_event(&mut player, events::SERVER_SHUTDOWN).await;
    assert!(
        args[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("shutting down")),
        "{args:?}"
    );
    // then the connection closes
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            if player.next().await.is_err() {
                return;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection closed after the notice");
    let took = stopping.await.expect("the stopping task");
    assert!(took < WAIT, "stopped within the bound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_rejoin_every_frame_belongs_to_the_new_session() {
    let server = TestServer::start(quick_config()).await;
    let mut lobby = lobby_client(&server).await;
    let other = lobby
        .call(events::CREATE, &[json!({ "bots": 3 })], WAIT)
        .await
        .expect("answered");
    let other = other[0]["room"]["id"].as_str().expect("an id").to_owned();
    let mut client = play_client(&server).await;
    for round in 0..12 {
        // leave and come back, or move between rooms, on the same connection
        if round % 2 == 0 {
            let _ = client
                .call(events::LEAVE, &[], WAIT)
                .await
                .expect("answered");
        }
        let room = if round % 3 == 0 {
            other.as_str()
        } else {
            "main"
        };
        // `call` passes by everything that arrives before the answer: those frames are the old
        // session's; everything after it must fit a fresh picture
        assert_eq!(
            join(&mut client, named(room, "hopper")).await["ok"],
            true,
            "round {round}"
        );
        let mut world = ClientWorld::default();
        for _ in 0..5 {
            let frame = next_frame(&mut client).await;
            world.apply(&frame).unwrap_or_else(|e| {
                panic!("round {round}: a stale frame arrived after the join: {e}")
            });
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swarm_plays_over_long_polling() {
    let server = TestServer::start(quick_config()).await;
    let report = petri_server::swarm::run(petri_server::swarm::SwarmSettings {
        url: server.url.clone(),
        bots: 4,
        rooms: 1,
        room: "main".into(),
        quickplay: false,
        duration: Duration::from_secs(3),
        connect_rate: 100.0,
        server_bots: 0,
        show_progress: false,
        transport: petri_server::swarm::Transport::Polling,
    })
    .await
    .expect("the swarm ran");
    assert_eq!(
        (report.connected, report.failed, report.disconnects),
        (4, 0, 0),
        "{report:?}"
    );
    assert!(report.frames_received > 0, "{report:?}");
    assert!(report.latency_samples > 0, "{report:?}");
    server.stop().await;
}
