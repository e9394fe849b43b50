//! Watching replays (issue 15): `GET /api/replays` lists a recorded room session and a match
//! file; ids that are not listed are refused; a viewer on a real socket gets frames, seeks back
//! and forward to the tick it asked for, changes speed; two viewers at one position share one
//! playback; and hostile controls get a clear refusal while a bystander keeps watching.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::channel;

use petri_server::headless::{Lineup, MatchSettings, run_seed};
use petri_server::realtime::Shutdown;
use petri_server::replay::{Record, ReplayDir, ReplayReader, ReplaysConfig};
use petri_server::rooms::{HostLimits, Room, RoomSettings};
use petri_server::sim::Arena;
use petri_server::swarm::client::SocketIoClient;
use petri_server::testkit::{
    RecordingLink, TestServer, WAIT, metric, next_frame, quick_config, small_room_settings,
};
use petri_server::watch::theater::{self, Control, WatchCommand};
use petri_server::watch::{ReplayState, Script};
use petri_shared::game::{events, namespaces};
use serde_json::{Value, json};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("petri-watch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// A bots-only match of `ticks`, recorded as `dir/match-7.petri-replay`.
fn recorded_match(dir: &Path, ticks: u64) -> PathBuf {
    let path = dir.join("match-7.petri-replay");
    let lineup: Lineup = "forager:6,hunter:6,survivor:4".parse().expect("lineup");
    let mut settings = MatchSettings::classic_scaled(lineup, ticks);
    settings.record = Some(path.clone());
    run_seed(&settings, 7, false, false).expect("the match runs");
    path
}

/// A room with bots, recorded for `ticks` into `dir`, then closed.
fn recorded_room(dir: &Path, ticks: u64) {
    let config = ReplaysConfig {
        dir: Some(dir.to_path_buf()),
        ..ReplaysConfig::default()
    };
    let replays = Arc::new(ReplayDir::open(&config).expect("opens").expect("on"));
    let settings = RoomSettings {
        name: "Recorded".into(),
        bot_fill: 6,
        ..small_room_settings()
    };
    let mut room = Room::recorded(
        "rec".into(),
        settings,
        HostLimits::default(),
        3,
        Some(replays),
    )
    .expect("a room");
    for _ in 0..ticks {
        room.tick();
    }
    room.close("room-closed", "the test is over");
}

async fn server_over(dir: &Path) -> TestServer {
    let mut config = quick_config();
    config.replays.dir = Some(dir.to_path_buf());
    TestServer::start(config).await
}

async fn viewer(server: &TestServer) -> SocketIoClient {
    SocketIoClient::connect(&server.url, namespaces::REPLAY, None, WAIT)
        .await
        .expect("connects to /replay")
}

async fn ask(client: &mut SocketIoClient, event: &str, arg: Value) -> Value {
    let args = client.call(event, &[arg], WAIT).await.expect("answered");
    args.into_iter().next().unwrap_or(Value::Null)
}

async fn control(client: &mut SocketIoClient, action: &str, value: Value) -> Value {
    ask(
        client,
        events::REPLAY_CONTROL,
        json!({ "action": action, "value": value }),
    )
    .await
}

fn refused(answer: &Value, code: &str) -> bool {
    answer["ok"] == json!(false) && answer["code"] == json!(code) && answer["message"].is_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_a_room_session_and_a_match_and_only_listed_ids_open() {
    let dir = temp_dir("list");
    recorded_match(&dir, 300);
    recorded_room(&dir, 200);
    let server = server_over(&dir).await;
    let (status, body) = server.get("/api/replays").await.expect("answers");
    assert_eq!(status, 200);
    let listed: Vec<Value> = serde_json::from_str(&body).expect("json");
    assert_eq!(listed.len(), 2, "{body}");
    let room = listed
        .iter()
        .find(|r| r["kind"] == "room")
        .expect("the room session");
    assert_eq!(room["source"], "Recorded");
    assert_eq!(room["segments"], 1);
    assert!(room["id"].as_str().expect("an id").starts_with("rec-"));
    let game = listed
        .iter()
        .find(|r| r["kind"] == "match")
        .expect("the match");
    assert_eq!(game["id"], "match-7");
    assert_eq!(game["ticks"], 300);
    assert_eq!(game["seed"], 7);
    assert!(game["bytes"].as_u64().expect("a size") > 0);

    let mut client = viewer(&server).await;
    for id in [
        "../match-7",
        "match-7.petri-replay",
        "nope",
        "",
        "/etc/passwd",
    ] {
        let answer = ask(&mut client, events::WATCH, json!({ "id": id })).await;
        assert!(refused(&answer, "unknown-room"), "{id}: {answer}");
    }
    let answer = ask(&mut client, events::WATCH, json!({ "id": 5 })).await;
    assert!(refused(&answer, "bad-request"), "{answer}");
    let answer = ask(&mut client, events::WATCH, json!({ "id": room["id"] })).await;
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["state"]["total_ticks"], 200);
    next_frame(&mut client).await;
    server.stop().await;
}

/// The first frame at or after `tick`, a bounded number of frames on.
async fn frame_at(client: &mut SocketIoClient, tick: u32) -> u32 {
    for _ in 0..200 {
        let frame = next_frame(client).await;
        if frame.tick >= tick {
            return frame.tick;
        }
    }
    panic!("no frame reached tick {tick}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_gets_frames_seeks_back_and_forward_and_changes_speed() {
    let dir = temp_dir("seek");
    recorded_match(&dir, 600);
    let server = server_over(&dir).await;
    let mut client = viewer(&server).await;
    let answer = ask(&mut client, events::WATCH, json!({ "id": "match-7" })).await;
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["world"]["tick_rate"], 25);
    let first = next_frame(&mut client).await;
    assert!(!first.entered.is_empty(), "the first frame shows the arena");

    let paused = control(&mut client, "pause", Value::Null).await;
    assert_eq!(paused["state"]["playing"], false, "{paused}");
    for tick in [450u64, 120, 500, 0] {
        let answer = control(&mut client, "seek", json!(tick)).await;
        assert_eq!(answer["state"]["tick"], tick, "{answer}");
        assert_eq!(answer["reset"], true);
        let frame = next_frame(&mut client).await;
        assert_eq!(
            u64::from(frame.tick),
            tick,
            "the first frame after the seek"
        );
        assert!(!frame.entered.is_empty(), "a fresh picture after the seek");
    }
    let answer = control(&mut client, "speed", json!(4.0)).await;
    assert_eq!(answer["state"]["speed"], 4.0, "{answer}");
    let answer = control(&mut client, "play", Value::Null).await;
    assert_eq!(answer["state"]["playing"], true);
    assert!(
        frame_at(&mut client, 40).await >= 40,
        "playing at 4x moves on"
    );
    let answer = control(&mut client, "follow", json!(3)).await;
    assert_eq!(answer["ok"], true, "{answer}");
    next_frame(&mut client).await;
    server.stop().await;
}

#[test]
fn a_cued_position_is_the_state_a_straight_re_simulation_reaches() {
    let dir = temp_dir("cue");
    let path = recorded_match(&dir, 400);
    let script = Script::load(std::slice::from_ref(&path), u64::MAX).expect("loads");
    // the straight way: the file's records applied between steps, as `replay verify` does
    let mut reader = ReplayReader::open(&path).expect("opens");
    let mut arena = Arena::new(reader.header().rules.clone(), reader.header().seed).expect("rules");
    let mut hashes = Vec::new();
    while let Some(record) = reader.next_record().expect("reads") {
        while arena.tick() < record.tick() {
            arena.step();
            hashes.push((arena.tick(), arena.state_hash()));
        }
        if let Record::Commands { commands, .. } = record {
            for command in &commands {
                arena.apply(command);
            }
        }
    }
    for tick in [1u64, 125, 333, 400, 7] {
        let expected = hashes.iter().find(|(t, _)| *t == tick).expect("a tick").1;
        let mut position = script.cue(tick).expect("cues");
        assert_eq!(position.arena.tick(), tick);
        assert_eq!(position.arena.state_hash(), expected, "tick {tick}");
    }
}

/// Sends `command` built around a reply channel and waits for the answer.
fn answered(
    handle: &theater::TheaterHandle,
    command: impl FnOnce(theater::WatchReply) -> WatchCommand,
) -> ReplayState {
    let (tx, rx) = channel();
    handle.send(command(Box::new(move |answer| {
        let _ = tx.send(answer);
    })));
    rx.recv_timeout(WAIT)
        .expect("answered")
        .expect("accepted")
        .state
}

/// Waits (a bounded number of frames) until the theater counts `playbacks` and `viewers`.
fn theater_holds(handle: &theater::TheaterHandle, playbacks: usize, viewers: usize) {
    let stats = handle.stats();
    for _ in 0..250 {
        let now = (
            stats.playbacks.load(Ordering::Relaxed),
            stats.viewers.load(Ordering::Relaxed),
        );
        if now == (playbacks, viewers) {
            return;
        }
        std::thread::sleep(theater::FRAME_PERIOD / 4);
    }
    panic!("never {playbacks} playbacks of {viewers} viewers");
}

#[test]
fn viewers_at_one_position_and_speed_share_one_playback() {
    let dir = temp_dir("share");
    let path = recorded_match(&dir, 400);
    let script = Arc::new(Script::load(&[path], u64::MAX).expect("loads"));
    let shutdown = Shutdown::new();
    let handle = theater::start(4, shutdown.clone()).expect("starts");
    let want = ReplayState {
        tick: 100,
        total_ticks: 400,
        speed: 1.0,
        playing: false,
    };
    let links = [RecordingLink::new(), RecordingLink::new()];
    for (viewer, link) in links.iter().enumerate() {
        let link: Arc<dyn petri_server::rooms::ClientLink> = link.clone();
        let state = answered(&handle, |reply| WatchCommand::Watch {
            viewer: viewer as u64,
            link,
            replay: "m".into(),
            script: Arc::clone(&script),
            want,
            aspect: None,
            reply,
        });
        assert_eq!(state, want);
    }
    theater_holds(&handle, 1, 2);
    // both seek to one tick: they meet again in one playback
    for viewer in 0..2 {
        let seek = |reply| WatchCommand::Control {
            viewer,
            control: Control::Seek(300),
            reply,
        };
        assert_eq!(answered(&handle, seek).tick, 300);
    }
    theater_holds(&handle, 1, 2);
    // one changes speed: two positions, two playbacks
    let faster = |reply| WatchCommand::Control {
        viewer: 0,
        control: Control::Speed(2.0),
        reply,
    };
    assert_eq!(answered(&handle, faster).speed, 2.0);
    theater_holds(&handle, 2, 2);
    for link in &links {
        assert!(!link.frames.lock().is_empty(), "every viewer got frames");
    }
    shutdown.begin();
}

/// The value of a `/metrics` line once it reads `wanted` (a bounded number of scrapes).
async fn metric_becomes(server: &TestServer, line: &str, wanted: f64) {
    let mut last = None;
    for _ in 0..100 {
        let (_, text) = server.get("/metrics").await.expect("metrics");
        last = metric(&text, line);
        if last == Some(wanted) {
            return;
        }
        tokio::time::sleep(theater::FRAME_PERIOD).await;
    }
    panic!("{line} is {last:?}, not {wanted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_viewers_over_sockets_at_one_position_share_one_playback() {
    let dir = temp_dir("share-net");
    recorded_match(&dir, 600);
    let server = server_over(&dir).await;
    let (mut one, mut two) = (viewer(&server).await, viewer(&server).await);
    for client in [&mut one, &mut two] {
        let request = json!({ "id": "match-7", "tick": 200, "paused": true });
        let answer = ask(client, events::WATCH, request).await;
        assert_eq!(answer["state"]["tick"], 200, "{answer}");
    }
    metric_becomes(&server, "petri_replay_viewers", 2.0).await;
    metric_becomes(&server, "petri_replay_playbacks", 1.0).await;
    for client in [&mut one, &mut two] {
        assert_eq!(next_frame(client).await.tick, 200);
    }
    // one moves on: two positions, two playbacks; it comes back: one again
    control(&mut one, "seek", json!(400)).await;
    metric_becomes(&server, "petri_replay_playbacks", 2.0).await;
    control(&mut one, "seek", json!(200)).await;
    metric_becomes(&server, "petri_replay_playbacks", 1.0).await;
    drop(one);
    drop(two);
    metric_becomes(&server, "petri_replay_playbacks", 0.0).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_controls_are_refused_and_a_bystander_keeps_watching() {
    let dir = temp_dir("hostile");
    recorded_match(&dir, 3000);
    let server = server_over(&dir).await;
    let mut bystander = viewer(&server).await;
    let answer = ask(&mut bystander, events::WATCH, json!({ "id": "match-7" })).await;
    assert_eq!(answer["ok"], true);
    let mut attacker = viewer(&server).await;
    let early = control(&mut attacker, "play", Value::Null).await;
    assert!(refused(&early, "bad-request"), "before watching: {early}");
    let answer = ask(
        &mut attacker,
        events::WATCH,
        json!({ "id": "match-7", "paused": true }),
    )
    .await;
    assert_eq!(answer["ok"], true);
    let hostile = [
        json!({ "action": "speed", "value": "NaN" }),
        json!({ "action": "speed", "value": 100 }),
        json!({ "action": "speed", "value": 0 }),
        json!({ "action": "speed", "value": -1 }),
        json!({ "action": "seek", "value": -5 }),
        json!({ "action": "seek", "value": 1.5 }),
        json!({ "action": "seek", "value": 1_000_000_000_000_000u64 }),
        json!({ "action": "follow", "value": "everyone" }),
        json!({ "action": "rewrite-history" }),
        json!({ "action": "seek", "value": 5, "extra": true }),
        json!("seek"),
        json!([1, 2, 3]),
    ];
    for payload in hostile {
        let answer = ask(&mut attacker, events::REPLAY_CONTROL, payload.clone()).await;
        assert!(refused(&answer, "bad-request"), "{payload}: {answer}");
    }
    for request in [
        json!({ "id": "match-7", "speed": 1e308 }),
        json!({ "id": "match-7", "aspect": -2 }),
        json!({ "id": "match-7", "tick": 3001 }),
        json!({ "id": "match-7", "tick": -1 }),
        json!({ "id": "match-7", "follow": 1 }),
    ] {
        let answer = ask(&mut attacker, events::WATCH, request.clone()).await;
        assert!(refused(&answer, "bad-request"), "{request}: {answer}");
    }
    let before = next_frame(&mut bystander).await.tick;
    let after = frame_at(&mut bystander, before + 5).await;
    assert!(after > before, "the bystander still plays");
    server.stop().await;
}
