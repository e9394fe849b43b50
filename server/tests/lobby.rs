//! The lobby with real room threads: creating, listing, quick play, joining through a handle,
//! empty rooms closing, and shutdown. Every wait is bounded.

use std::time::{Duration, Instant};

use petri_server::rooms::{HostLimits, Lobby, RoomCommand, RoomSettings};
use petri_server::testkit::{RecordingLink, join_through, named, small_room_settings};
use petri_shared::game::CreateRoom;

/// The lobby's template and main room: a small persistent room kept at 3 players by bots.
fn template() -> RoomSettings {
    RoomSettings {
        name: "main".into(),
        capacity: 50,
        bot_fill: 3,
        persistent: true,
        ..small_room_settings()
    }
}

fn limits() -> HostLimits {
    HostLimits {
        max_rooms: 3,
        empty_room_timeout_secs: 0.2,
        ..HostLimits::default()
    }
}

fn wait_until(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn rooms_are_created_listed_joined_and_limited() {
    let lobby = Lobby::new(limits(), template());
    lobby.open("main".into(), template()).expect("main room");
    let public = lobby
        .create(&CreateRoom {
            capacity: Some(2),
            ..CreateRoom::default()
        })
        .expect("created");
    let private = lobby
        .create(&CreateRoom {
            private: true,
            ..CreateRoom::default()
        })
        .expect("created");
    assert!(private.code.is_some() && private.room.private);
    let listed: Vec<String> = lobby.list_public().into_iter().map(|r| r.id).collect();
    assert!(listed.contains(&public.room.id) && listed.contains(&"main".to_owned()));
    assert!(
        !listed.contains(&private.room.id),
        "private rooms are unlisted"
    );
    let refusal = lobby
        .create(&CreateRoom::default())
        .expect_err("max_rooms is 3");
    assert_eq!(refusal.code.as_str(), "too-many-rooms");

    // join through the handle: the answer comes from the room's thread
    let room = lobby.get(&public.room.id).expect("open");
    let joined =
        join_through(&room, 1, RecordingLink::new(), named(&public.room.id, "a")).expect("joined");
    assert!(joined.player.is_some());
    assert!(wait_until(|| room.summary().players == 1));
    // quick play prefers the fullest public room with space
    let quick = lobby.quickplay().expect("a room");
    assert_eq!(quick.room.id, public.room.id);
    lobby.shutdown();
    assert!(lobby.get(&public.room.id).is_none());
}

#[test]
fn bad_room_settings_are_refused_with_the_reason() {
    let lobby = Lobby::new(limits(), template());
    for (request, word) in [
        (
            CreateRoom {
                map_size: Some(f32::NAN),
                ..CreateRoom::default()
            },
            "map_size",
        ),
        (
            CreateRoom {
                map_size: Some(1e12),
                ..CreateRoom::default()
            },
            "map_size",
        ),
        (
            CreateRoom {
                capacity: Some(0),
                ..CreateRoom::default()
            },
            "capacity",
        ),
        (
            CreateRoom {
                bots: Some(1_000_000),
                ..CreateRoom::default()
            },
            "bots",
        ),
        (
            CreateRoom {
                tick_rate: Some(10_000),
                ..CreateRoom::default()
            },
            "tick_rate",
        ),
    ] {
        let refusal = lobby.create(&request).expect_err("refused");
        assert_eq!(refusal.code.as_str(), "bad-request");
        assert!(
            refusal.message.contains(word),
            "{word}: {}",
            refusal.message
        );
    }
    lobby.shutdown();
}

#[test]
fn an_empty_room_closes_and_leaves_the_list() {
    let lobby = Lobby::new(limits(), template());
    let created = lobby.create(&CreateRoom::default()).expect("created");
    assert!(
        wait_until(|| lobby.get(&created.room.id).is_none()),
        "closed after its empty timeout"
    );
    lobby.prune_closed();
    assert!(lobby.list_public().iter().all(|r| r.id != created.room.id));
    lobby.shutdown();
}

#[test]
fn metrics_show_rooms_players_and_tick_times() {
    let lobby = Lobby::new(limits(), template());
    lobby.open("main".into(), template()).expect("main room");
    let metrics = petri_server::metrics::Metrics::new(&lobby);
    metrics.connections.set(3);
    let room = lobby.get("main").expect("open");
    assert!(wait_until(|| room
        .status()
        .ticks
        .load(std::sync::atomic::Ordering::Relaxed)
        > 5));
    let text = metrics.render();
    for needle in [
        "petri_rooms 1",
        "petri_connections 3",
        "petri_bots{room=\"main\"} 3",
        "petri_tick_seconds_count{room=\"main\"}",
        "petri_inputs_rejected_total{room=\"main\",reason=\"rate_limited\"} 0",
        "# TYPE petri_frames_skipped counter",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
    lobby.shutdown();
}

#[test]
fn a_room_whose_tick_panics_closes_alone_and_tells_its_players() {
    let lobby = Lobby::new(limits(), template());
    let doomed = lobby.open("doomed".into(), template()).expect("room");
    let healthy = lobby.open("healthy".into(), template()).expect("room");
    let link = RecordingLink::new();
    join_through(&doomed, 1, link.clone(), named("doomed", "a")).expect("joined");
    doomed.send(RoomCommand::InjectPanic).expect("queued");
    assert!(
        wait_until(|| doomed.is_closed()),
        "the panicking room closes"
    );
    assert!(
        wait_until(|| link.got_event("room-closed")),
        "its player is told"
    );
    let ticks = |r: &petri_server::rooms::RoomHandle| {
        r.status().ticks.load(std::sync::atomic::Ordering::Relaxed)
    };
    let before = ticks(&healthy);
    assert!(
        wait_until(|| ticks(&healthy) > before + 10),
        "the other room keeps ticking"
    );
    assert!(!healthy.is_closed());
    lobby.prune_closed();
    assert!(lobby.get("doomed").is_none() && lobby.get("healthy").is_some());
    lobby.shutdown();
}
