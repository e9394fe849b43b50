//! The modes over real sockets on 127.0.0.1: a teams room balances its joins and its board shows
//! each team; a last-man-standing round runs from its start to a winner with two clients, and the
//! next one starts; the lobby lists each room's mode and refuses one it does not know.

use petri_server::sim::Mode;
use petri_server::sim::modes::TEAM_COLORS;
use petri_server::swarm::client::SocketIoClient;
use petri_server::testkit::*;
use petri_shared::codec;
use petri_shared::game::{Board, events, round_phase};
use serde_json::json;

async fn next_board(client: &mut SocketIoClient) -> Board {
    let (_, bins) = next_event(client, events::BOARD).await;
    codec::decode(&bins[0]).expect("a board")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_room_balances_its_joins() {
    let server = TestServer::start(quick_config()).await;
    let mut lobby = lobby_client(&server).await;
    let created = lobby
        .call(
            events::CREATE,
            &[json!({ "mode": "teams", "bots": 0 })],
            WAIT,
        )
        .await
        .expect("answered");
    assert_eq!(created[0]["room"]["mode"], "teams", "{created:?}");
    let room = created[0]["room"]["id"].as_str().expect("an id").to_owned();
    // the lobby lists it with its mode; the main room is ffa
    let listed = lobby
        .call(events::ROOMS, &[], WAIT)
        .await
        .expect("answered");
    let modes: Vec<(String, String)> = listed[0]
        .as_array()
        .expect("rooms")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or("").to_owned(),
                r["mode"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        modes.contains(&("main".to_owned(), "ffa".to_owned())),
        "{modes:?}"
    );
    assert!(
        modes.contains(&(room.clone(), "teams".to_owned())),
        "{modes:?}"
    );

    let mut clients = Vec::new();
    for i in 0..7 {
        let mut client = play_client(&server).await;
        let joined = join(&mut client, named(&room, &format!("p{i}"))).await;
        assert_eq!(joined["ok"], true, "{joined}");
        clients.push(client);
    }
    let watcher = &mut clients[0];
    let mut balanced = None;
    for _ in 0..40 {
        let board = next_board(watcher).await;
        let players: Vec<u32> = board.teams.iter().map(|t| t.players).collect();
        if players.iter().sum::<u32>() == 7 {
            balanced = Some(board);
            break;
        }
    }
    let board = balanced.expect("a board with all seven");
    let players: Vec<u32> = board.teams.iter().map(|t| t.players).collect();
    assert_eq!(players, [3, 2, 2], "joins fill the smallest team");
    let colors: Vec<u32> = board.teams.iter().map(|t| t.color).collect();
    assert_eq!(colors, TEAM_COLORS[..3]);
    // every player wears its team's colour
    let frame = next_frame(watcher).await;
    for info in &frame.players {
        assert!(TEAM_COLORS[..3].contains(&info.color), "{info:?}");
    }

    // a mode nobody knows is refused
    let refused = lobby
        .call(events::CREATE, &[json!({ "mode": "battle-royale" })], WAIT)
        .await
        .expect("answered");
    assert_eq!(refused[0]["code"], "bad-request", "{refused:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_man_standing_round_runs_from_start_to_winner() {
    let dir = std::env::temp_dir().join(format!("petri-lms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let preset = dir.join("lms.toml");
    std::fs::write(
        &preset,
        "lms_round_seconds = 2.0\nlms_break_seconds = 1.0\n",
    )
    .expect("preset");
    let mut config = quick_config();
    config.main_room.mode = Some(Mode::Lms);
    config.main_room.preset = Some(preset);
    config.main_room.bots = 0;
    let server = TestServer::start(config).await;
    let mut alice = play_client(&server).await;
    let mut bob = play_client(&server).await;
    let a = join(&mut alice, named("main", "alice")).await;
    let b = join(&mut bob, named("main", "bob")).await;
    assert_eq!(a["room"]["mode"], "lms", "{a}");
    let ids = [a["player"].as_u64(), b["player"].as_u64()].map(|id| id.expect("a player") as u32);

    // wait (bounded) for a round both are in; then for its end
    let mut seen_round = None;
    let mut winner = None;
    let mut last = Board::default();
    for _ in 0..200 {
        last = next_board(&mut alice).await;
        let round = &last.round;
        match (seen_round, round.phase) {
            (None, round_phase::PLAYING) if last.alive == 2 => {
                assert!(round.seconds_left <= 2, "{round:?}");
                seen_round = Some(round.number);
            }
            (Some(n), round_phase::BREAK) if round.number == n => {
                winner = Some((round.winner, round.winner_name.clone(), round.seconds_left));
                break;
            }
            _ => {}
        }
    }
    let number = seen_round.unwrap_or_else(|| panic!("no round with both: {last:?}"));
    let (id, name, seconds_left) = winner.unwrap_or_else(|| panic!("no winner: {last:?}"));
    assert!(
        ids.contains(&id),
        "the winner is one of the two: {id} {ids:?}"
    );
    assert_eq!(name, if id == ids[0] { "alice" } else { "bob" });
    assert!(seconds_left <= 1, "the break counts down: {seconds_left}");

    // after the break the next round starts, both in it again
    let mut next = false;
    for _ in 0..100 {
        let board = next_board(&mut bob).await;
        if board.round.phase == round_phase::PLAYING && board.round.number == number + 1 {
            next = board.alive == 2;
            break;
        }
    }
    assert!(next, "a new round with both");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
