//! A room driven directly (no threads, no sockets): joins, codes, capacity, bots, reconnects,
//! spectators, the leaderboard, closing, and what bad input does.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use petri_server::rooms::{HostLimits, Room, RoomCommand, RoomSettings};
use petri_server::sim::PlayerId;
use petri_server::testkit::{RecordingLink, join_now, small_room_settings};
use petri_shared::ClientWorld;
use petri_shared::codec;
use petri_shared::game::{Board, Frame, JoinRequest, Joined, Refusal};

fn settings(capacity: u32, bots: u32) -> RoomSettings {
    RoomSettings {
        capacity,
        bot_fill: bots,
        ..small_room_settings()
    }
}

fn room(capacity: u32, bots: u32) -> Room {
    Room::new(
        "r1".into(),
        settings(capacity, bots),
        HostLimits::default(),
        1,
    )
    .expect("valid room")
}

fn join(
    room: &mut Room,
    client: u64,
    request: JoinRequest,
) -> (Arc<RecordingLink>, Result<Joined, Refusal>) {
    let link = RecordingLink::new();
    let result = join_now(room, client, link.clone(), request);
    (link, result)
}

fn player(name: &str) -> JoinRequest {
    JoinRequest {
        room: "r1".into(),
        name: name.into(),
        ..JoinRequest::default()
    }
}

fn frames(link: &RecordingLink) -> Vec<Frame> {
    link.frames
        .lock()
        .iter()
        .map(|b| codec::decode(b).expect("frames decode"))
        .collect()
}

#[test]
fn a_player_joins_and_sees_its_own_cell() {
    let mut room = room(10, 5);
    let (link, joined) = join(&mut room, 1, player("  Alice\u{0} "));
    let joined = joined.expect("joined");
    assert!(joined.ok && !joined.resumed);
    assert_eq!(joined.token.as_ref().map(String::len), Some(32));
    let me = joined.player.expect("a player id");
    for _ in 0..5 {
        room.tick();
    }
    let mut world = ClientWorld::default();
    for frame in frames(&link) {
        world.apply(&frame).expect("applies");
    }
    assert_eq!(world.own.len(), 1);
    let own = world.cells.get(&world.own[0]).expect("own cell is in view");
    assert_eq!(own.owner, me);
    assert_eq!(
        world.players.get(&me).map(|p| p.name.as_str()),
        Some("Alice")
    );
}

#[test]
fn private_rooms_need_their_code_and_full_rooms_say_so() {
    let mut s = settings(1, 0);
    s.private_code = Some("sesame".into());
    let mut room = Room::new("p".into(), s, HostLimits::default(), 1).expect("valid");
    let (_, wrong) = join(
        &mut room,
        1,
        JoinRequest {
            code: Some("nope".into()),
            ..player("a")
        },
    );
    assert_eq!(wrong.expect_err("refused").code.as_str(), "wrong-code");
    let (_, none) = join(&mut room, 2, player("a"));
    assert_eq!(none.expect_err("refused").code.as_str(), "wrong-code");
    let (_, right) = join(
        &mut room,
        3,
        JoinRequest {
            code: Some("sesame".into()),
            ..player("a")
        },
    );
    assert!(right.is_ok());
    let (_, full) = join(
        &mut room,
        4,
        JoinRequest {
            code: Some("sesame".into()),
            ..player("b")
        },
    );
    let refusal = full.expect_err("the room holds one player");
    assert_eq!(refusal.code.as_str(), "full");
    assert!(refusal.message.contains('1'));
}

#[test]
fn bots_step_aside_for_people_and_come_back() {
    let mut room = room(10, 5);
    assert_eq!(room.summary().bots, 5);
    join(&mut room, 1, player("a")).1.expect("joined");
    join(&mut room, 2, player("b")).1.expect("joined");
    assert_eq!((room.summary().players, room.summary().bots), (2, 3));
    room.handle(RoomCommand::Leave { client: 1 });
    assert_eq!((room.summary().players, room.summary().bots), (1, 4));
}

#[test]
fn a_dropped_player_comes_back_with_its_token_within_the_window() {
    let mut room = room(10, 0);
    let joined = join(&mut room, 1, player("a")).1.expect("joined");
    let me = PlayerId(joined.player.expect("id"));
    for _ in 0..10 {
        room.tick();
    }
    let mass_before = room.arena().player(me).expect("exists").mass;
    room.handle(RoomCommand::Disconnected { client: 1 });
    for _ in 0..(5 * 25) {
        room.tick();
    }
    assert!(
        room.arena().player(me).is_some(),
        "cells wait during the window"
    );
    let (_, back) = join(
        &mut room,
        2,
        JoinRequest {
            token: joined.token.clone(),
            ..player("a")
        },
    );
    let back = back.expect("resumed");
    assert!(back.resumed);
    assert_eq!(back.player, Some(me.0));
    let mass_after = room.arena().player(me).expect("exists").mass;
    assert!(mass_after > 0.0 && (mass_after - mass_before).abs() < mass_before * 0.2);
}

#[test]
fn after_the_window_the_cells_are_gone_and_the_token_is_void() {
    let mut room = room(10, 0);
    let joined = join(&mut room, 1, player("a")).1.expect("joined");
    let me = PlayerId(joined.player.expect("id"));
    room.handle(RoomCommand::Disconnected { client: 1 });
    for _ in 0..(HostLimits::default().reconnect_window_secs as u64 * 25 + 2) {
        room.tick();
    }
    assert!(
        room.arena().player(me).is_none(),
        "removed after the window"
    );
    let (_, again) = join(
        &mut room,
        2,
        JoinRequest {
            token: joined.token,
            ..player("a")
        },
    );
    let again = again.expect("a fresh join");
    assert!(!again.resumed);
    assert_ne!(again.player, Some(me.0));
}

#[test]
fn spectators_follow_the_top_player_and_the_board_matches_the_sim() {
    let mut room = room(10, 8);
    let (link, joined) = join(
        &mut room,
        1,
        JoinRequest {
            spectate: true,
            ..player("watcher")
        },
    );
    assert_eq!(joined.expect("joined").player, None);
    assert_eq!(room.summary().spectators, 1);
    for _ in 0..50 {
        room.tick();
    }
    let frames = frames(&link);
    assert_eq!(frames.len(), 50);
    let mut world = ClientWorld::default();
    for frame in &frames {
        world.apply(frame).expect("applies");
    }
    let last = frames.last().expect("frames");
    assert!(last.own.is_empty() && last.rank == 0);
    let top = room.arena().top_player().expect("bots are playing");
    let camera = room.arena().camera(top).expect("top player alive");
    assert_eq!(
        world.view.x,
        camera.center.x.round() as i32,
        "the spectator's view is on the top player"
    );
    let board: Board =
        codec::decode(link.boards.lock().last().expect("boards sent")).expect("decodes");
    let ranking = &room.arena().leaderboard().ranking;
    assert_eq!(board.alive as usize, ranking.len());
    for (entry, standing) in board.entries.iter().zip(ranking) {
        assert_eq!(entry.id, standing.player.0);
        assert_eq!(entry.mass, standing.mass.round() as u32);
    }
    assert_eq!(board.entries.len(), ranking.len().min(10));
}

#[test]
fn empty_rooms_close_after_the_timeout_unless_persistent() {
    let mut room = room(10, 2);
    let timeout = (HostLimits::default().empty_room_timeout_secs * 25.0) as u32;
    let closes_at = (1..=timeout + 1).find(|_| room.tick().should_close);
    assert_eq!(closes_at, Some(timeout));
    let mut s = settings(10, 2);
    s.persistent = true;
    let mut lasting = Room::new("p".into(), s, HostLimits::default(), 1).expect("valid");
    assert!((0..timeout + 10).all(|_| !lasting.tick().should_close));
}

#[test]
fn bad_input_is_refused_and_counted() {
    let mut room = room(10, 0);
    let joined = join(&mut room, 1, player("a")).1.expect("joined");
    let me = PlayerId(joined.player.expect("id"));
    room.tick();
    let before = room.arena().camera(me).expect("alive").center;
    room.handle(RoomCommand::Target {
        client: 1,
        x: f64::NAN,
        y: 0.0,
    });
    room.handle(RoomCommand::Target {
        client: 1,
        x: f64::INFINITY,
        y: 0.0,
    });
    room.handle(RoomCommand::Target {
        client: 1,
        x: 1e300,
        y: 0.0,
    });
    room.tick();
    let after = room.arena().camera(me).expect("alive").center;
    assert_eq!(before, after, "garbage never steers the cell");
    let status = room.status();
    assert_eq!(
        status.rejected.get(petri_server::rooms::Reject::BadNumber),
        3
    );
    for i in 0..1000 {
        room.handle(RoomCommand::Target {
            client: 1,
            x: f64::from(i),
            y: 0.0,
        });
    }
    assert!(
        status
            .rejected
            .get(petri_server::rooms::Reject::RateLimited)
            >= 900,
        "a flood is cut to the burst"
    );
    room.handle(RoomCommand::Split { client: 99 });
    assert_eq!(
        status.rejected.get(petri_server::rooms::Reject::NotPlaying),
        1
    );
}

#[test]
fn a_client_that_falls_behind_skips_frames_then_catches_up() {
    let mut room = room(10, 6);
    let (link, _) = join(&mut room, 1, player("a"));
    let mut world = ClientWorld::default();
    for round in 0..6 {
        link.set_congested(round % 2 == 1);
        for _ in 0..20 {
            room.tick();
        }
        for frame in frames(&link) {
            world
                .apply(&frame)
                .expect("every delivered frame applies to what the client has");
        }
        link.frames.lock().clear();
    }
    assert!(room.status().frames_skipped.load(Ordering::Relaxed) >= 60);
    let server_side = room.client_view(1).expect("client").sent();
    assert_eq!(
        server_side.cells, world.cells,
        "the server knows exactly what the client has"
    );
}

#[test]
fn a_player_who_dies_is_told_who_ate_it() {
    let mut room = room(10, 0);
    let (victim_link, victim) = join(&mut room, 1, player("victim"));
    let a = PlayerId(victim.expect("joined").player.expect("id"));
    let b = PlayerId(
        join(&mut room, 2, player("eater"))
            .1
            .expect("joined")
            .player
            .expect("id"),
    );
    room.tick();
    let spot = room.arena().camera(a).expect("alive").center;
    room.arena_mut().place_player_cell(b, spot, 500.0);
    room.arena_mut().set_target(b, spot);
    room.tick();
    assert!(room.arena().is_dead(a));
    let events = victim_link.events.lock();
    let (event, payload) = events
        .iter()
        .find(|(e, _)| e == "died")
        .expect("a death notice");
    assert_eq!(event, "died");
    assert_eq!(payload["killer"], "eater");
    assert_eq!(payload["killer_id"], b.0);
}

#[test]
fn players_who_join_play_die_and_leave_leave_nothing_behind() {
    let mut s = settings(64, 8);
    s.sim.border_width = 1500.0;
    s.sim.border_height = 1500.0;
    let limits = HostLimits {
        reconnect_window_secs: 0.5,
        ..HostLimits::default()
    };
    let mut room = Room::new("r1".into(), s, limits, 7).expect("valid room");
    // a spectator that stays all along: its view learns every player it sees
    let (_watcher, watching) = join(
        &mut room,
        1,
        JoinRequest {
            spectate: true,
            ..player("watcher")
        },
    );
    watching.expect("spectates");
    for _ in 0..30 {
        room.tick();
    }
    let before = room.collection_sizes();
    let mut most_known = 0;
    let mut client = 100;
    for round in 0..3 {
        let first = client;
        for n in 0..20 {
            join(&mut room, client, player(&format!("p{round}-{n}")))
                .1
                .expect("joins");
            client += 1;
        }
        for t in 0..120_u64 {
            for c in first..client {
                let angle = (c + t) as f64;
                room.handle(RoomCommand::Target {
                    client: c,
                    x: 750.0 + 700.0 * angle.cos(),
                    y: 750.0 + 700.0 * angle.sin(),
                });
                if t % 40 == 0 {
                    room.handle(RoomCommand::Respawn { client: c });
                }
            }
            room.tick();
        }
        most_known = most_known.max(room.collection_sizes().max_known_players);
        for c in first..client {
            let command = if c % 2 == 0 {
                RoomCommand::Leave { client: c }
            } else {
                RoomCommand::Disconnected { client: c }
            };
            room.handle(command);
        }
    }
    // past the reconnect window, a leaderboard refresh and the views' forgetting
    for _ in 0..150 {
        room.tick();
    }
    let after = room.collection_sizes();
    assert!(
        most_known > before.arena_players,
        "the watcher saw the people ({most_known} known)"
    );
    assert_eq!(
        (after.clients, after.people, after.tokens, after.bots),
        (before.clients, before.people, before.tokens, before.bots),
        "{before:?} -> {after:?}"
    );
    assert_eq!(after.arena_players, before.arena_players);
    assert!(after.ranks <= after.arena_players, "{after:?}");
    assert!(after.max_known_players <= after.arena_players, "{after:?}");
}
