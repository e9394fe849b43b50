//! Every metric counts what its help text says: a real server, a scripted session (rooms
//! created and closed, players and a spectator, bad inputs, connections opened and closed), and
//! each figure of `/metrics` checked against what the test did. Every wait is bounded.

use std::time::Duration;

use petri_server::testkit::*;
use petri_shared::game::{CreateRoom, JoinRequest, events};
use serde_json::{Value, json};

async fn scrape(server: &TestServer) -> String {
    let (status, text) = server.get("/metrics").await.expect("metrics");
    assert_eq!(status, 200);
    text
}

/// Polls `/metrics` until `line_prefix` reads `wanted`, at most `WAIT`; returns the last text.
async fn until(server: &TestServer, line_prefix: &str, wanted: f64) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = scrape(server).await;
        if metric(&text, line_prefix) == Some(wanted) || tokio::time::Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn read(text: &str, line_prefix: &str) -> f64 {
    metric(text, line_prefix).unwrap_or_else(|| panic!("no `{line_prefix}` in\n{text}"))
}

#[tokio::test]
async fn each_metric_counts_what_the_session_did() {
    let mut config = quick_config();
    config.limits.empty_room_timeout_secs = 1.0;
    let server = TestServer::start(config).await;

    // rooms: the main room, then one more, which closes once it has been empty a while
    let mut lobby = lobby_client(&server).await;
    let created = lobby
        .call(events::CREATE, &[json!(CreateRoom::default())], WAIT)
        .await
        .expect("create answered");
    assert_eq!(created[0]["ok"], true, "{created:?}");
    let text = scrape(&server).await;
    assert_eq!(
        read(&text, "petri_rooms"),
        2.0,
        "the main room and the new one"
    );

    // people: two players and a spectator in the main room (4 bots, each person takes a place)
    let mut alice = play_client(&server).await;
    let mut bob = play_client(&server).await;
    let mut watcher = play_client(&server).await;
    assert_eq!(join(&mut alice, named("main", "alice")).await["ok"], true);
    assert_eq!(join(&mut bob, named("main", "bob")).await["ok"], true);
    let spectate = JoinRequest {
        spectate: true,
        ..named("main", "watcher")
    };
    assert_eq!(join(&mut watcher, spectate).await["ok"], true);
    next_frame(&mut alice).await;

    let text = until(&server, "petri_spectators{room=\"main\"}", 1.0).await;
    assert_eq!(read(&text, "petri_players{room=\"main\"}"), 2.0);
    assert_eq!(read(&text, "petri_spectators{room=\"main\"}"), 1.0);
    assert_eq!(read(&text, "petri_bots{room=\"main\"}"), 2.0);
    // four WebSockets: the lobby client and three play clients (one each)
    assert_eq!(read(&text, "petri_connections"), 4.0);

    // ticks: the histogram observes every tick the counter counts
    let ticks = read(&text, "petri_ticks_total{room=\"main\"}");
    let observed = read(&text, "petri_tick_seconds_count{room=\"main\"}");
    assert!(ticks > 0.0);
    assert!(
        (ticks - observed).abs() <= 1.0,
        "ticks {ticks}, tick times {observed}"
    );
    assert!(read(&text, "petri_frames_sent_total{room=\"main\"}") > 0.0);
    assert!(read(&text, "petri_frame_bytes_sent_total{room=\"main\"}") > 0.0);

    // refusals: three inputs that are not numbers and one unknown event, nothing else
    let before = |reason: &str| {
        read(
            &text,
            &format!("petri_inputs_rejected_total{{room=\"main\",reason=\"{reason}\"}}"),
        )
    };
    let (bad_before, unknown_before) = (before("bad_number"), before("unknown_event"));
    for _ in 0..3 {
        alice
            .emit(events::INPUT, &[json!("left"), Value::Null])
            .await
            .expect("sent");
    }
    alice.emit("teleport", &[]).await.expect("sent");
    let text = until(
        &server,
        "petri_inputs_rejected_total{room=\"main\",reason=\"unknown_event\"}",
        unknown_before + 1.0,
    )
    .await;
    let after = |reason: &str| {
        read(
            &text,
            &format!("petri_inputs_rejected_total{{room=\"main\",reason=\"{reason}\"}}"),
        )
    };
    assert_eq!(after("bad_number"), bad_before + 3.0);
    assert_eq!(after("unknown_event"), unknown_before + 1.0);

    // the created room, never joined, closes on its own: it leaves the count and the listing
    let text = until(&server, "petri_rooms", 1.0).await;
    assert_eq!(
        read(&text, "petri_rooms"),
        1.0,
        "a closed room is not counted"
    );
    let (_, rooms) = server.get("/api/rooms").await.expect("rooms");
    let listed: Vec<Value> = serde_json::from_str(&rooms).expect("json");
    assert_eq!(listed.len(), 1, "{rooms}");

    // connections: closing two leaves two, and their people leave the room's counts
    watcher.close().await;
    bob.close().await;
    let text = until(&server, "petri_connections", 2.0).await;
    assert_eq!(read(&text, "petri_connections"), 2.0);
    let text = until(&server, "petri_spectators{room=\"main\"}", 0.0).await;
    assert_eq!(read(&text, "petri_spectators{room=\"main\"}"), 0.0);

    alice.close().await;
    lobby.close().await;
    server.stop().await;
}
