//! A fair view on any screen: a client says its screen's shape, and every shape gets the same
//! view area (a portrait phone a portrait view); the shape is held within the room's bounds;
//! values that are no shape are refused and counted; and the sim never reads it, so the game is
//! the same whatever shapes its clients ask for.

use std::sync::Arc;

use petri_server::rooms::{HostLimits, Reject, Room, RoomCommand};
use petri_server::sim::SimConfig;
use petri_server::sim::rules::{shape_view, view_aspect, view_half_extents};
use petri_server::testkit::*;
use petri_shared::ClientWorld;
use petri_shared::codec;
use petri_shared::game::{JoinRequest, View, events};
use serde_json::json;

fn room(seed: u64) -> Room {
    Room::new(
        "r1".into(),
        small_room_settings(),
        HostLimits::default(),
        seed,
    )
    .expect("a room")
}

fn request(name: &str, aspect: Option<f64>) -> JoinRequest {
    JoinRequest {
        room: "r1".into(),
        name: name.into(),
        aspect,
        ..JoinRequest::default()
    }
}

/// The view the client holds after every frame it was sent.
fn view_of(link: &RecordingLink) -> View {
    let mut world = ClientWorld::default();
    for bytes in link.frames.lock().iter() {
        world
            .apply(&codec::decode(bytes).expect("decodes"))
            .expect("applies");
    }
    world.view
}

fn area(view: View) -> f64 {
    f64::from(view.half_width) * f64::from(view.half_height)
}

#[test]
fn every_shape_gets_the_same_area() {
    let config = SimConfig::classic();
    let classic = view_half_extents(300.0, &config);
    for aspect in [0.4_f32, 0.5625, 1.0, 1.7778, 2.5] {
        let shaped = shape_view(classic, aspect);
        let relative =
            (shaped.x * shaped.y - classic.x * classic.y).abs() / (classic.x * classic.y);
        assert!(relative < 1e-5, "aspect {aspect}: area off by {relative}");
        assert!((shaped.x / shaped.y - aspect).abs() < 1e-4);
    }
    // the classic shape is the classic view, unchanged
    let same = shape_view(classic, classic.x / classic.y);
    assert!(
        (same - classic).abs().max_element() < 1e-2,
        "{same} vs {classic}"
    );
}

#[test]
fn shapes_are_bounded_and_nonsense_is_refused() {
    let config = SimConfig::classic();
    assert_eq!(view_aspect(0.01, &config), Some(config.view_min_aspect));
    assert_eq!(view_aspect(1e300, &config), Some(config.view_max_aspect));
    assert_eq!(view_aspect(1.5, &config), Some(1.5));
    for nonsense in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -1.0, -0.0] {
        assert_eq!(view_aspect(nonsense, &config), None, "{nonsense}");
    }
    assert!(SimConfig::from_toml("view_min_aspect = 3.0\nview_max_aspect = 2.0\n").is_err());
}

#[test]
fn a_portrait_screen_sees_a_portrait_view_of_the_same_area() {
    let mut room = room(7);
    let wide = RecordingLink::new();
    let tall = RecordingLink::new();
    join_now(&mut room, 1, wide.clone(), request("wide", None)).expect("joined");
    join_now(
        &mut room,
        2,
        tall.clone(),
        request("tall", Some(9.0 / 19.5)),
    )
    .expect("joined");
    room.tick();
    let (w, t) = (view_of(&wide), view_of(&tall));
    assert!(w.half_width > w.half_height, "classic is landscape: {w:?}");
    assert!(t.half_height > t.half_width, "portrait: {t:?}");
    // both new players have one cell of the start size: the same area, to rounding
    let relative = (area(w) - area(t)).abs() / area(w);
    assert!(relative < 0.01, "{w:?} vs {t:?}");
    // a 9:19.5 phone is within the bounds: it gets its own shape
    let aspect = f64::from(t.half_width) / f64::from(t.half_height);
    assert!((aspect - 9.0 / 19.5).abs() < 0.01, "{aspect} {t:?}");
    // a taller one than the bounds allow gets the tallest allowed
    room.handle(RoomCommand::ViewShape {
        client: 2,
        aspect: 0.1,
    });
    room.tick();
    let t = view_of(&tall);
    let aspect = f64::from(t.half_width) / f64::from(t.half_height);
    let min = f64::from(SimConfig::classic().view_min_aspect);
    assert!((aspect - min).abs() < 0.01, "{aspect} {t:?}");

    // turning the phone: a `view` command reshapes the next frames
    room.handle(RoomCommand::ViewShape {
        client: 2,
        aspect: 2.0,
    });
    room.tick();
    let turned = view_of(&tall);
    assert!(turned.half_width > turned.half_height, "{turned:?}");
}

#[test]
fn hostile_shapes_are_refused_and_counted_and_change_nothing() {
    let mut room = room(7);
    let link = RecordingLink::new();
    join_now(&mut room, 1, link.clone(), request("p", Some(0.5))).expect("joined");
    room.tick();
    let before = view_of(&link);
    let status = room.status();
    let bad_before = status.rejected.get(Reject::BadNumber);
    for aspect in [f64::NAN, f64::INFINITY, -2.0, 0.0] {
        room.handle(RoomCommand::ViewShape { client: 1, aspect });
    }
    assert_eq!(status.rejected.get(Reject::BadNumber), bad_before + 4);
    room.tick();
    let after = view_of(&link);
    assert_eq!(
        (after.half_width, after.half_height),
        (before.half_width, before.half_height)
    );
    // a join with a hostile shape is still a join, at the classic shape
    let other = RecordingLink::new();
    join_now(&mut room, 2, other.clone(), request("q", Some(f64::NAN))).expect("joined");
    assert_eq!(status.rejected.get(Reject::BadNumber), bad_before + 5);
}

#[test]
fn the_shapes_clients_ask_for_never_change_the_game() {
    let play = |aspects: [Option<f64>; 2]| {
        let mut room = room(42);
        for (client, aspect) in (1..).zip(aspects) {
            let link: Arc<RecordingLink> = RecordingLink::new();
            join_now(&mut room, client, link, request("p", aspect)).expect("joined");
        }
        for tick in 0..120 {
            if tick == 60 {
                room.handle(RoomCommand::ViewShape {
                    client: 1,
                    aspect: 0.6,
                });
            }
            room.handle(RoomCommand::Target {
                client: 1,
                x: 300.0,
                y: -200.0,
            });
            room.tick();
        }
        room.arena_mut().state_hash()
    };
    let classic = play([None, None]);
    assert_eq!(classic, play([None, None]), "a room is deterministic");
    assert_eq!(classic, play([Some(0.45), Some(2.4)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_view_event_reshapes_the_view_over_real_sockets() {
    let server = TestServer::start(quick_config()).await;
    let mut client = play_client(&server).await;
    let joined = join(
        &mut client,
        JoinRequest {
            aspect: Some(0.5),
            ..named("main", "phone")
        },
    )
    .await;
    assert_eq!(joined["ok"], true, "{joined}");
    let mut world = ClientWorld::default();
    world
        .apply(&next_frame(&mut client).await)
        .expect("applies");
    assert!(
        world.view.half_height > world.view.half_width,
        "{:?}",
        world.view
    );
    client
        .emit(events::VIEW, &[json!({ "aspect": 2.0 })])
        .await
        .expect("sent");
    let mut landscape = false;
    for _ in 0..50 {
        world
            .apply(&next_frame(&mut client).await)
            .expect("applies");
        if world.view.half_width > world.view.half_height {
            landscape = true;
            break;
        }
    }
    assert!(landscape, "the view turned: {:?}", world.view);
    // not a number: refused at the door, counted
    client
        .emit(events::VIEW, &[json!({ "aspect": "tall" })])
        .await
        .expect("sent");
    let mut counted = false;
    for _ in 0..250 {
        let (_, text) = server.get("/metrics").await.expect("metrics");
        let line = "petri_inputs_rejected_total{room=\"main\",reason=\"bad_number\"}";
        if metric(&text, line).unwrap_or(0.0) >= 1.0 {
            counted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(counted, "bad_number counted");
    server.stop().await;
}
