//! Hostile input at the game and HTTP layers (the Engine.IO / Socket.IO packet cases are in
//! realtime_malformed.rs). Each case says what must happen; after each, a bystander player in
//! the main room must still be receiving frames and the server must still answer.

mod realtime_support;

use std::time::Duration;

use petri_server::swarm::client::{Incoming, SocketIoClient};
use petri_server::testkit::*;
use petri_shared::game::{JoinRequest, events, namespaces};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn counter(server: &TestServer, reason: &str) -> f64 {
    let (_, text) = server.get("/metrics").await.expect("metrics");
    metric(
        &text,
        &format!("petri_inputs_rejected_total{{room=\"main\",reason=\"{reason}\"}}"),
    )
    .unwrap_or(0.0)
}

/// Waits (bounded) until a rejection counter passes `above`.
async fn counted(server: &TestServer, reason: &str, above: f64) -> f64 {
    for _ in 0..250 {
        let now = counter(server, reason).await;
        if now > above {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{reason} was never counted");
}

async fn joined_player(server: &TestServer, name: &str) -> (SocketIoClient, Value) {
    let mut client = play_client(server).await;
    let joined = join(&mut client, named("main", name)).await;
    assert_eq!(joined["ok"], true, "{joined}");
    (client, joined)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn game_messages_that_are_garbage_are_refused_and_counted() {
    let mut config = quick_config();
    config.main_room.capacity = 40;
    let server = TestServer::start(config).await;
    let mut bystander = Bystander::join(&server).await;

    // 1. join with the wrong types: a clear refusal, the connection stays
    let mut c = play_client(&server).await;
    for bad in [
        json!(5),
        json!(null),
        json!([1, 2]),
        json!({ "room": 7 }),
        json!({ "room": "main", "spectate": "yes" }),
    ] {
        let answer = c
            .call(events::JOIN, std::slice::from_ref(&bad), WAIT)
            .await
            .expect("answered");
        assert_eq!(answer[0]["code"], "bad-request", "{bad}: {answer:?}");
    }
    bystander.still_playing("join with wrong types").await;

    // 2. an absurdly long name is cut, 3. control and invisible characters are dropped
    let long = join(&mut c, named("main", &"W".repeat(20_000))).await;
    assert_eq!(long["ok"], true);
    let (_, board) = next_event(&mut c, events::BOARD).await;
    let board: petri_shared::game::Board = petri_shared::codec::decode(&board[0]).expect("board");
    let me = long["player"].as_u64().expect("id") as u32;
    if let Some(entry) = board.entries.iter().find(|e| e.id == me) {
        assert_eq!(
            entry.name.chars().count(),
            16,
            "names are cut to 16 characters"
        );
    }
    let mut d = play_client(&server).await;
    let sneaky = join(&mut d, named("main", "a\u{202E}b\u{0}c\u{200B}\n\td")).await;
    assert_eq!(sneaky["ok"], true);
    bystander.still_playing("hostile names").await;

    // 4-7. inputs that are not finite numbers: refused and counted, never steering anything
    let before = counter(&server, "bad_number").await;
    for args in [
        vec![json!("NaN"), json!(0)],
        vec![json!(1e308), json!(0)],
        vec![json!(null), json!(null)],
        vec![json!({ "x": 1 })],
        vec![],
    ] {
        c.emit(events::INPUT, &args).await.expect("sent");
    }
    let after = counted(&server, "bad_number", before + 4.0).await;
    assert!(
        after >= before + 5.0,
        "every bad input counted: {before} -> {after}"
    );
    bystander.still_playing("bad numbers").await;

    // 8. an unknown event: answered with a refusal that names it, and counted
    let answer = c
        .call("teleport", &[json!({ "x": 0 })], WAIT)
        .await
        .expect("answered");
    assert_eq!(answer[0]["code"], "unknown-event");
    assert!(
        answer[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("teleport")
    );
    counted(&server, "unknown_event", 0.0).await;

    // 9. spectate with a garbage follow id is ignored; 10. respawn while alive changes nothing
    c.emit(events::SPECTATE, &[json!({ "follow": "everyone" })])
        .await
        .expect("sent");
    c.emit(events::SPECTATE, &[json!(-1)]).await.expect("sent");
    c.emit(events::RESPAWN, &[]).await.expect("sent");
    next_frame(&mut c).await;
    bystander
        .still_playing("spectate and respawn garbage")
        .await;

    // 11. input after leaving: not playing, counted, nothing happens
    let answer = c.call(events::LEAVE, &[], WAIT).await.expect("answered");
    assert_eq!(answer[0]["ok"], true);
    c.emit(events::SPLIT, &[]).await.expect("sent");
    bystander.still_playing("input after leave").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_are_cut_to_the_limits_and_nobody_else_notices() {
    let mut config = quick_config();
    config.main_room.capacity = 40;
    config.limits.max_rooms = 4;
    let server = TestServer::start(config).await;
    let mut bystander = Bystander::join(&server).await;

    // 12. an input flood: most of it is dropped at the door or by the room, and counted
    let (mut flooder, _) = joined_player(&server, "flooder").await;
    let before = counter(&server, "rate_limited").await;
    for i in 0..3_000 {
        flooder
            .emit(events::INPUT, &[json!(i), json!(i)])
            .await
            .expect("sent");
    }
    // most of 3,000 inputs sent at once are over every limit: wait (bounded) until counted
    let after = counted(&server, "rate_limited", before + 1_999.0).await;
    assert!(
        after - before >= 2_000.0,
        "the flood was cut: {}",
        after - before
    );
    bystander.still_playing("input flood").await;

    // 13. a split/eject flood
    for _ in 0..500 {
        flooder.emit(events::SPLIT, &[]).await.expect("sent");
        flooder.emit(events::EJECT, &[]).await.expect("sent");
    }
    bystander.still_playing("action flood").await;

    // 14. a join flood from one connection: refused as rate-limited, at most one seat
    let mut joiner = play_client(&server).await;
    let mut refused = 0;
    for _ in 0..100 {
        let id = joiner
            .emit_with_ack(events::JOIN, &[json!({ "room": "main", "name": "j" })])
            .await
            .expect("sent");
        let _ = id;
    }
    for _ in 0..100 {
        match tokio::time::timeout(WAIT, joiner.next())
            .await
            .expect("answers")
            .expect("connected")
        {
            Incoming::Ack { args, .. } if args[0]["code"] == "rate-limited" => refused += 1,
            _ => {}
        }
        if refused > 0 {
            break;
        }
    }
    assert!(refused > 0, "a join flood meets the limit");
    bystander.still_playing("join flood").await;

    // 15. a room-creation flood: the room limit holds
    let mut lobby = lobby_client(&server).await;
    let mut made = 0;
    for _ in 0..10 {
        let answer = lobby
            .call(events::CREATE, &[json!({})], WAIT)
            .await
            .expect("answered");
        if answer[0]["ok"] == true {
            made += 1;
        } else {
            assert!(
                ["too-many-rooms", "rate-limited"]
                    .contains(&answer[0]["code"].as_str().unwrap_or("")),
                "{answer:?}"
            );
        }
    }
    assert!(made <= 3, "main plus at most three: {made}");
    let (_, rooms) = server.get("/api/rooms").await.expect("answers");
    assert!(rooms.matches("\"id\"").count() <= 4);

    // 16. guessing reconnect tokens never takes over a player
    let mut guesser = play_client(&server).await;
    for i in 0..20 {
        let answer = join(
            &mut guesser,
            JoinRequest {
                token: Some(format!("{i:032x}")),
                ..named("main", "g")
            },
        )
        .await;
        assert!(answer["resumed"] != true, "a guessed token resumed someone");
        if answer["ok"] != true {
            break; // rate-limited: also fine
        }
    }
    bystander.still_playing("token guessing").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_deep_messages_close_only_that_connection() {
    let mut config = quick_config();
    config.network.max_payload = 8 * 1024;
    let server = TestServer::start(config).await;
    let mut bystander = Bystander::join(&server).await;

    // 17. a join far beyond max_payload: that connection is closed
    let mut big = play_client(&server).await;
    let _ = big
        .emit(
            events::JOIN,
            &[json!({ "room": "main", "name": "x".repeat(100_000) })],
        )
        .await;
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            if big.next().await.is_err() {
                return true;
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "the oversized sender is disconnected");
    bystander.still_playing("oversized message").await;

    // 18. JSON nested 5,000 deep: refused (closed or a clear refusal), nothing else affected
    let mut deep = play_client(&server).await;
    let nested = format!("{}{}", "[".repeat(2_000), "]".repeat(2_000));
    let raw = format!("42{},[\"join\",{nested}]", namespaces::PLAY);
    let _ = deep.emit_raw(&raw).await;
    bystander.still_playing("deep JSON").await;

    // 19. binary attachments on a game event are not numbers
    let mut binary = play_client(&server).await;
    assert_eq!(join(&mut binary, named("main", "bin")).await["ok"], true);
    let _ = binary
        .emit_raw(&format!(
            "451-{},[\"input\",{{\"_placeholder\":true,\"num\":0}},1]",
            namespaces::PLAY
        ))
        .await;
    let _ = binary.emit_binary_raw(vec![1u8, 2, 3]).await;
    bystander.still_playing("binary input").await;

    // 20. an unknown namespace is refused with CONNECT_ERROR
    let refused = SocketIoClient::connect(&server.url, "/admin", None, WAIT).await;
    assert!(matches!(
        refused,
        Err(petri_server::swarm::client::ClientError::Refused { .. })
    ));
    bystander.still_playing("unknown namespace").await;
    server.stop().await;
}

/// Sends raw bytes over TCP and returns what came back (bounded).
async fn raw_http(server: &TestServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.address).await.expect("connects");
    let _ = stream.write_all(request).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply)).await;
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_http_requests_get_clear_errors() {
    let mut config = quick_config();
    config.network.handshake_timeout_ms = 500;
    let server = TestServer::start(config).await;
    let mut bystander = Bystander::join(&server).await;

    // 21. path traversal finds nothing
    for path in [
        "/../Cargo.toml",
        "/js/../../server/src/main.rs",
        "/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let (status, _) = server.get(path).await.expect("answers");
        assert_eq!(status, 404, "{path}");
    }
    // 22. methods other than GET on the API are not served
    let reply = raw_http(
        &server,
        b"POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 4"), "{reply}");
    // 23. a garbage request line
    let reply = raw_http(&server, b"\x16\x03\x01garbage\r\n\r\n").await;
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 4"),
        "{reply}"
    );
    // 24. enormous headers
    let mut huge = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 200_000));
    huge.extend(b"\r\n\r\n");
    let reply = raw_http(&server, &huge).await;
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 4"),
        "{}",
        &reply[..reply.len().min(80)]
    );
    // 25. an unknown transport is refused with Engine.IO's error
    let (status, body) = server
        .get("/socket.io/?EIO=4&transport=flashsocket")
        .await
        .expect("answers");
    assert_eq!(status, 400);
    assert!(body.contains("Transport unknown"), "{body}");
    // 26. a wrong Engine.IO version
    let (status, _) = server
        .get("/socket.io/?EIO=3&transport=websocket")
        .await
        .expect("answers");
    assert_eq!(status, 400);
    // 27. a slow-loris connection that never finishes its request is closed
    let mut idle = TcpStream::connect(server.address).await.expect("connects");
    idle.write_all(b"GET / HTTP/1.1\r\n").await.expect("writes");
    let mut buf = [0u8; 64];
    let outcome = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf)).await;
    assert!(
        matches!(outcome, Ok(Ok(_)) | Ok(Err(_))),
        "the idle connection was closed by the server"
    );
    bystander.still_playing("hostile HTTP").await;
    assert_eq!(server.get("/healthz").await.expect("answers").0, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_flood_meets_the_connection_limit() {
    let mut config = quick_config();
    config.network.max_connections = 20;
    let server = TestServer::start(config).await;
    let mut bystander = Bystander::join(&server).await;
    // 28. many connections from one address at once: beyond the limit they are refused
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..40 {
        match SocketIoClient::connect(&server.url, namespaces::PLAY, None, Duration::from_secs(3))
            .await
        {
            Ok(client) => held.push(client),
            Err(_) => refused += 1,
        }
    }
    assert!(
        held.len() < 20,
        "at most the limit is accepted: {}",
        held.len()
    );
    assert!(refused >= 20, "the rest are refused: {refused}");
    bystander.still_playing("handshake flood").await;
    drop(held);
    // once they are gone, new players get in again
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, joined) = joined_player(&server, "after").await;
    assert_eq!(joined["ok"], true);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_take_every_connection() {
    let mut config = quick_config();
    config.network.max_connections_per_address = 8;
    let server = TestServer::start(config).await;
    // 29. beyond the per-address limit, connections from 127.0.0.1 are closed at once
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..16 {
        match SocketIoClient::connect(&server.url, namespaces::PLAY, None, Duration::from_secs(3))
            .await
        {
            Ok(client) => held.push(client),
            Err(_) => refused += 1,
        }
    }
    assert_eq!(held.len(), 8, "exactly the per-address limit");
    assert_eq!(refused, 8);
    // 30. a slot comes back when a connection ends
    held.pop().expect("one").close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = SocketIoClient::connect(&server.url, namespaces::PLAY, None, WAIT).await;
    assert!(again.is_ok(), "a freed slot is usable");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_browser_origins_may_connect() {
    let mut config = quick_config();
    config.network.allowed_origins = vec!["https://play.example".into()];
    let server = TestServer::start(config).await;
    let upgrade = |origin: Option<&str>| {
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        format!(
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{origin}\r\n"
        )
    };
    // 31. a page from another site is refused; 32. the allowed site and non-browsers get in
    let refused = raw_http(&server, upgrade(Some("https://evil.example")).as_bytes()).await;
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    let allowed = raw_http(&server, upgrade(Some("https://play.example")).as_bytes()).await;
    assert!(allowed.starts_with("HTTP/1.1 101"), "{allowed}");
    let no_origin = raw_http(&server, upgrade(None).as_bytes()).await;
    assert!(no_origin.starts_with("HTTP/1.1 101"), "{no_origin}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deflate_bomb_closes_only_its_connection_with_1009() {
    use realtime_support::deflate::{RawClient, TEXT};
    let server = TestServer::start(quick_config()).await;
    let mut bystander = Bystander::join(&server).await;
    let offer = Some("permessage-deflate; client_max_window_bits");
    let mut bomber = RawClient::open(server.address, offer).await;
    assert!(
        bomber
            .extensions
            .as_deref()
            .is_some_and(|e| e.starts_with("permessage-deflate")),
        "compression is on by default"
    );
    bomber.send_compressed(TEXT, b"40/play,").await;
    let reply = bomber.recv_data().await;
    assert!(
        reply.payload.starts_with(b"40/play,{"),
        "connected to /play"
    );
    // 50 MB inflated, against the game's 64 KiB max_payload
    bomber.send_bomb(50_000_000).await;
    assert_eq!(bomber.close_code().await, Some(1009));
    bystander.still_playing("deflate bomb").await;
    server.stop().await;
}
