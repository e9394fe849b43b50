//! Room chat over real sockets on 127.0.0.1: a line reaches everyone in its room (players and
//! spectators) and nobody in another room; floods and repeats are refused and counted; hostile
//! lines (huge, control characters, markup) arrive cleaned, and are counted as sanitised.

use std::time::Duration;

use petri_server::swarm::client::SocketIoClient;
use petri_server::testkit::*;
use petri_shared::game::{ChatLine, JoinRequest, events};
use serde_json::{Value, json};

/// The next `chat` line a client receives (frames and boards pass by).
async fn next_chat(client: &mut SocketIoClient) -> ChatLine {
    let (args, _) = next_event(client, events::CHAT).await;
    serde_json::from_value(args.into_iter().next().unwrap_or(Value::Null)).expect("a ChatLine")
}

async fn say(client: &mut SocketIoClient, text: &str) {
    client
        .emit(events::CHAT, &[json!(text)])
        .await
        .expect("sent");
}

async fn chat_metric(server: &TestServer, name: &str, reason: Option<&str>) -> f64 {
    let (_, text) = server.get("/metrics").await.expect("metrics");
    let line = match reason {
        Some(reason) => format!("petri_{name}_total{{room=\"main\",reason=\"{reason}\"}}"),
        None => format!("petri_{name}_total{{room=\"main\"}}"),
    };
    metric(&text, &line).unwrap_or(0.0)
}

/// Waits (bounded) until a chat counter reaches `at_least`; returns its value.
async fn counted(server: &TestServer, name: &str, reason: Option<&str>, at_least: f64) -> f64 {
    let mut now = 0.0;
    for _ in 0..250 {
        now = chat_metric(server, name, reason).await;
        if now >= at_least {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{name}{{{reason:?}}} reached only {now}, wanted {at_least}");
}

async fn player(server: &TestServer, room: &str, name: &str) -> (SocketIoClient, u32) {
    let mut client = play_client(server).await;
    let joined = join(&mut client, named(room, name)).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let id = joined["player"].as_u64().expect("a player") as u32;
    (client, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_reaches_the_room_and_only_the_room() {
    let server = TestServer::start(quick_config()).await;
    let mut lobby = lobby_client(&server).await;
    let created = lobby
        .call(events::CREATE, &[json!({ "bots": 1 })], WAIT)
        .await
        .expect("answered");
    let other_room = created[0]["room"]["id"].as_str().expect("an id").to_owned();

    let (mut alice, alice_id) = player(&server, "main", "alice").await;
    let mut watcher = play_client(&server).await;
    let spectate = JoinRequest {
        spectate: true,
        ..named("main", "watcher")
    };
    assert_eq!(join(&mut watcher, spectate).await["ok"], true);
    let (mut elsewhere, _) = player(&server, &other_room, "carol").await;

    say(&mut alice, "hello main").await;
    for client in [&mut alice, &mut watcher] {
        let line = next_chat(client).await;
        assert_eq!(line.text, "hello main");
        assert_eq!(line.name, "alice");
        assert_eq!(line.player, Some(alice_id));
    }
    // a spectator chats too, under the name it joined with
    say(&mut watcher, "hi from the stands").await;
    let line = next_chat(&mut alice).await;
    assert_eq!((line.name.as_str(), line.player), ("watcher", None));
    assert_eq!(next_chat(&mut watcher).await.text, "hi from the stands");

    // the other room heard nothing of main: its first line is its own
    say(&mut elsewhere, "hello other").await;
    assert_eq!(next_chat(&mut elsewhere).await.text, "hello other");

    // a player who left the room hears no more of it
    alice.call(events::LEAVE, &[], WAIT).await.expect("left");
    say(&mut watcher, "after alice left").await;
    assert_eq!(next_chat(&mut watcher).await.text, "after alice left");
    let (mut alice_again, _) = player(&server, &other_room, "alice").await;
    say(&mut alice_again, "alice in other").await;
    assert_eq!(next_chat(&mut alice_again).await.text, "alice in other");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_floods_and_repeats_are_refused_and_counted() {
    let server = TestServer::start(quick_config()).await;
    let (mut spammer, _) = player(&server, "main", "spammer").await;
    let (mut reader, _) = player(&server, "main", "reader").await;
    let burst = petri_server::rooms::HostLimits::default().chat_burst as usize;
    for i in 0..burst + 15 {
        say(&mut spammer, &format!("line {i}")).await;
    }
    let floods = counted(&server, "chat_rejected", Some("flood"), 10.0).await;
    let relayed = chat_metric(&server, "chat_lines", None).await;
    assert!(
        relayed <= (burst + 2) as f64,
        "{relayed} lines relayed of a burst of {burst}"
    );
    assert!(relayed + floods <= (burst + 15) as f64);
    // the reader got the first lines in order
    assert_eq!(next_chat(&mut reader).await.text, "line 0");
    assert_eq!(next_chat(&mut reader).await.text, "line 1");

    // the same line twice in a row from a fresh sender: the second is spam
    say(&mut reader, "buy gold").await;
    say(&mut reader, "buy gold").await;
    counted(&server, "chat_rejected", Some("repeat"), 1.0).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_chat_is_cleaned_and_counted() {
    let server = TestServer::start(quick_config()).await;
    let (mut mallory, _) = player(&server, "main", "mallory").await;
    let (mut reader, _) = player(&server, "main", "reader").await;
    let max = petri_server::rooms::HostLimits::default().chat_max_chars;

    say(&mut mallory, &"A".repeat(50_000)).await;
    let huge = next_chat(&mut reader).await;
    assert_eq!(huge.text.chars().count(), max, "cut to the cap");

    say(
        &mut mallory,
        "evil\u{0}\u{7}\u{202E}txt\u{200B}\r\n<b>x</b>",
    )
    .await;
    let cleaned = next_chat(&mut reader).await;
    assert_eq!(cleaned.text, "eviltxt <b>x</b>", "markup stays text");
    assert!(cleaned.text.chars().all(|c| !c.is_control()));

    // nothing printable: refused; not a string: refused at the door
    say(&mut mallory, "\u{200B}\u{0}\u{202A}").await;
    mallory
        .emit(events::CHAT, &[json!({ "text": "hi" })])
        .await
        .expect("sent");
    counted(&server, "chat_rejected", Some("empty"), 1.0).await;
    counted(&server, "chat_rejected", Some("malformed"), 1.0).await;
    counted(&server, "chat_sanitised", None, 2.0).await;
    // and the room goes on
    next_frame(&mut reader).await;
    server.stop().await;
}
