//! Socket.IO over real sockets: namespaces, events and acks both ways, binary both ways, rooms,
//! broadcast, server-side disconnects, emitting from a non-tokio thread.

mod realtime_support;

use petri_server::realtime::{DisconnectReason, Payload};
use realtime_support::*;
use serde_json::{Value, json};

fn welcome_of(text: &str) -> Value {
    let v: Value = serde_json::from_str(text.trim_start_matches("42")).unwrap();
    assert_eq!(v[0], "welcome");
    v[1].clone()
}

#[tokio::test]
async fn connect_to_two_namespaces_over_one_connection() {
    let (server, _ev) = start_default().await;
    let mut c = Client::open(server.addr).await;
    let main_sid = c.connect("/", Some(json!({ "token": "abc" }))).await;
    let w = welcome_of(&c.recv_text().await);
    assert_eq!(w, json!({ "id": main_sid, "auth": { "token": "abc" } }));

    let custom_sid = c.connect("/custom", None).await;
    assert_ne!(custom_sid, main_sid);
    assert_eq!(
        c.recv_text().await,
        r#"42/custom,["welcome",{"nsp":"/custom"}]"#
    );

    c.send(r#"42/custom,["echo","hi"]"#).await;
    assert_eq!(c.recv_text().await, r#"42/custom,["echo","hi"]"#);
    c.echo_roundtrip("main").await;

    // No auth: the handshake auth is `{}`, like the JS server.
    let (mut d, sid) = (Client::open(server.addr).await, String::new());
    let sid2 = d.connect("/", None).await;
    assert_ne!(sid, sid2);
    assert_eq!(welcome_of(&d.recv_text().await)["auth"], json!({}));
    server.shutdown().await;
}

#[tokio::test]
async fn connect_errors_from_middleware_and_unknown_namespace() {
    let (server, _ev) = start_default().await;
    let mut c = Client::open(server.addr).await;
    c.send("40/nope,").await;
    assert_eq!(
        c.recv_text().await,
        r#"44/nope,{"message":"Invalid namespace"}"#
    );
    c.send(r#"40/secure,{"token":"wrong"}"#).await;
    assert_eq!(
        c.recv_text().await,
        r#"44/secure,{"message":"invalid token"}"#
    );
    c.send("40/secure,").await;
    assert_eq!(
        c.recv_text().await,
        r#"44/secure,{"message":"invalid token"}"#
    );
    // The connection survives refusals; the right token gets in.
    c.connect("/secure", Some(json!({ "token": "let-me-in" })))
        .await;
    assert_eq!(
        c.recv_text().await,
        r#"42/secure,["welcome",{"nsp":"/secure"}]"#
    );
    server.shutdown().await;
}

#[tokio::test]
async fn event_with_ack_from_the_client() {
    let (server, _ev) = start_default().await;
    let (mut c, _) = Client::connected(server.addr, "/").await;
    c.send(r#"42456["echo-ack",1,"2",{"3":[false]}]"#).await;
    assert_eq!(c.recv_text().await, r#"43456[1,"2",{"3":[false]}]"#);
    c.send(r#"427["echo-ack"]"#).await;
    assert_eq!(c.recv_text().await, "437[]");
    server.shutdown().await;
}

#[tokio::test]
async fn server_emit_with_ack_resolves_and_times_out() {
    let (server, _ev) = start_default().await;
    let (mut c, _) = Client::connected(server.addr, "/").await;
    c.send(r#"421["ask","what?"]"#).await;
    let q = c.recv_text().await;
    // 2<id>["question","what?"]
    let rest = q.strip_prefix("42").unwrap();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    assert!(!digits.is_empty(), "question carries an ack id: {q}");
    assert_eq!(&rest[digits.len()..], r#"["question","what?"]"#);
    c.send(format!(r#"43{digits}[42]"#)).await;
    assert_eq!(c.recv_text().await, r#"431[{"answer":42}]"#);

    // Not answering: the server-side ack times out (300 ms in the test app).
    c.send(r#"422["ask","again?"]"#).await;
    assert!(c.recv_text().await.contains("question"));
    assert_eq!(c.recv_text().await, r#"432[{"error":"ack timed out"}]"#);
    server.shutdown().await;
}

#[tokio::test]
async fn binary_event_and_ack_both_ways() {
    let (server, _ev) = start_default().await;
    let (mut c, _) = Client::connected(server.addr, "/").await;
    // Client -> server binary event, echoed back as a binary event with the same attachments.
    c.send(r#"452-["echo",{"_placeholder":true,"num":0},"mid",{"_placeholder":true,"num":1}]"#)
        .await;
    c.send_bin(vec![1, 2, 3]).await;
    c.send_bin(vec![]).await;
    assert_eq!(
        c.recv_text().await,
        r#"452-["echo",{"_placeholder":true,"num":0},"mid",{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(c.recv_bin().await, vec![1, 2, 3]);
    assert_eq!(c.recv_bin().await, Vec::<u8>::new());

    // Binary ack from the server.
    c.send(r#"429["make-binary",300]"#).await;
    assert_eq!(
        c.recv_text().await,
        r#"461-9[{"_placeholder":true,"num":0}]"#
    );
    let bin = c.recv_bin().await;
    assert_eq!(bin.len(), 300);
    assert!(bin.iter().enumerate().all(|(i, b)| *b == (i % 256) as u8));

    // Binary event with an ack id, answered with a binary ack.
    c.send(r#"451-77["echo-ack",{"_placeholder":true,"num":0}]"#)
        .await;
    c.send_bin(vec![9; 10]).await;
    assert_eq!(
        c.recv_text().await,
        r#"461-77[{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(c.recv_bin().await, vec![9; 10]);

    // Binary answer to a server question (BINARY_ACK from the client).
    c.send(r#"423["ask","bytes?"]"#).await;
    let q = c.recv_text().await;
    let id: String = q
        .strip_prefix("42")
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    c.send(format!(r#"461-{id}[{{"_placeholder":true,"num":0}}]"#))
        .await;
    c.send_bin(vec![5, 6]).await;
    assert_eq!(
        c.recv_text().await,
        r#"461-3[{"answer":{"_placeholder":true,"num":0}}]"#
    );
    assert_eq!(c.recv_bin().await, vec![5, 6]);
    server.shutdown().await;
}

#[tokio::test]
async fn rooms_and_broadcast_except_sender() {
    let (server, _ev) = start_default().await;
    let (mut a, _) = Client::connected(server.addr, "/").await;
    let (mut b, _) = Client::connected(server.addr, "/").await;
    let (mut c, _) = Client::connected(server.addr, "/").await;
    for x in [&mut a, &mut b] {
        x.send(r#"421["join","red"]"#).await;
        assert_eq!(x.recv_text().await, "431[true]");
    }
    // c is not a member: a and b get it, c does not.
    c.send(r#"42["to-room","red",{"n":1}]"#).await;
    assert_eq!(a.recv_text().await, r#"42["room-msg",{"n":1}]"#);
    assert_eq!(b.recv_text().await, r#"42["room-msg",{"n":1}]"#);
    // a is a member: it gets its own room message.
    a.send(r#"42["to-room","red",2]"#).await;
    assert_eq!(a.recv_text().await, r#"42["room-msg",2]"#);
    assert_eq!(b.recv_text().await, r#"42["room-msg",2]"#);
    // Broadcast: everyone but the sender.
    b.send(r#"42["broadcast","yo"]"#).await;
    assert_eq!(a.recv_text().await, r#"42["broadcast-msg","yo"]"#);
    assert_eq!(c.recv_text().await, r#"42["broadcast-msg","yo"]"#);
    // The sender got nothing in between: its next packet is its own echo.
    b.echo_roundtrip("after").await;
    c.echo_roundtrip("after").await;
    server.shutdown().await;
}

#[tokio::test]
async fn server_disconnect_and_close_and_on_disconnect_reasons() {
    let (server, mut ev) = start_default().await;
    let (mut c, sid) = Client::connected(server.addr, "/").await;
    c.send(r#"42["disconnect-me"]"#).await;
    assert_eq!(c.recv_text().await, "41");
    let (id, reason) = tokio::time::timeout(WAIT, ev.disconnected.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (id, reason),
        (sid, DisconnectReason::ServerNamespaceDisconnect)
    );
    // A packet the client sent before learning it was disconnected is ignored, not fatal.
    c.send(r#"42["echo","in flight"]"#).await;
    c.send("41").await;
    // The connection is still up: join another namespace, then come back.
    c.connect("/custom", None).await;
    assert!(c.recv_text().await.contains("welcome"));
    c.connect("/", None).await;
    assert!(c.recv_text().await.contains("welcome"));

    // Client-side namespace disconnect.
    c.send("41").await;
    let (_, reason) = tokio::time::timeout(WAIT, ev.disconnected.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reason, DisconnectReason::ClientNamespaceDisconnect);
    c.send(r#"42/custom,["echo",1]"#).await;
    assert_eq!(c.recv_text().await, r#"42/custom,["echo",1]"#);

    // Forced close of the whole connection.
    let (mut d, _) = Client::connected(server.addr, "/").await;
    d.send(r#"42["close-me"]"#).await;
    d.expect_closed().await;
    let (_, reason) = tokio::time::timeout(WAIT, ev.disconnected.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reason, DisconnectReason::ForcedClose);
    server.shutdown().await;
}

#[tokio::test]
async fn emit_and_broadcast_from_a_plain_thread() {
    let (server, mut ev) = start_default().await;
    let (mut a, _) = Client::connected(server.addr, "/").await;
    let socket = tokio::time::timeout(WAIT, ev.connected.recv())
        .await
        .unwrap()
        .unwrap();
    let (mut b, _) = Client::connected(server.addr, "/").await;
    let _ = tokio::time::timeout(WAIT, ev.connected.recv())
        .await
        .unwrap()
        .unwrap();
    socket.join("tick");
    let ns = server.io.of("/").unwrap();
    // A room tick thread: no tokio runtime here.
    let t = std::thread::spawn(move || {
        socket
            .emit("direct", Payload::new().arg(1).bin(vec![7u8; 3]))
            .unwrap();
        ns.to("tick")
            .volatile()
            .emit("frame", Payload::from(json!({ "t": 1 })))
            .unwrap();
        ns.emit("all", json!("everyone")).unwrap();
        assert!(
            ns.emit("disconnect", json!(null)).is_err(),
            "reserved names are refused"
        );
    });
    t.join().unwrap();
    // One encoding shared by several sockets (the leaderboard case), reliable and volatile.
    let main_ns = server.io.of("/").unwrap();
    let board = main_ns
        .prepare("board", Payload::new().bin(vec![1u8]))
        .unwrap();
    for (i, s) in main_ns.sockets().iter().enumerate() {
        s.emit_prepared(&board, i % 2 == 1).unwrap();
    }
    let custom = server.io.of("/custom").unwrap().prepare("x", ()).unwrap();
    let any = main_ns.sockets().pop().unwrap();
    assert_eq!(
        any.emit_prepared(&custom, false),
        Err(petri_server::realtime::EmitError::WrongNamespace)
    );
    assert_eq!(
        a.recv_text().await,
        r#"451-["direct",1,{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(a.recv_bin().await, vec![7, 7, 7]);
    assert_eq!(a.recv_text().await, r#"42["frame",{"t":1}]"#);
    assert_eq!(a.recv_text().await, r#"42["all","everyone"]"#);
    assert_eq!(b.recv_text().await, r#"42["all","everyone"]"#);
    for c in [&mut a, &mut b] {
        assert_eq!(
            c.recv_text().await,
            r#"451-["board",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(c.recv_bin().await, vec![1]);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn typed_socket_data() {
    #[derive(Clone, Debug, PartialEq)]
    struct PlayerId(u32);
    let (server, mut ev) = start_default().await;
    let (_c, _) = Client::connected(server.addr, "/").await;
    let s = tokio::time::timeout(WAIT, ev.connected.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(s.peer_addr().is_some_and(|a| a.ip().is_loopback()));
    assert_eq!(s.data::<PlayerId>(), None);
    s.set_data(PlayerId(7));
    assert_eq!(s.data::<PlayerId>(), Some(PlayerId(7)));
    s.extensions.with(|p: &mut PlayerId| p.0 += 1);
    assert_eq!(s.extensions.remove::<PlayerId>(), Some(PlayerId(8)));
    server.shutdown().await;
}

/// The slow-consumer policy. The client never reads, so the kernel's buffers fill and emits start
/// to wait in the connection's backlog (depth 4): from then on volatile packets are dropped once
/// three slots are taken, and a reliable one that finds all four taken closes the connection.
#[tokio::test]
async fn full_send_queue_drops_volatile_and_closes_on_reliable() {
    use petri_server::realtime::EmitError;
    let mut cfg = test_config();
    cfg.send_queue_depth = 4;
    let (io, mut ev) = app(cfg);
    let server = Server::start(io).await;
    let (mut c, _) = Client::connected(server.addr, "/").await;
    let socket = tokio::time::timeout(WAIT, ev.connected.recv())
        .await
        .unwrap()
        .unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut accepted = 0;
    let mut first_drop = None;
    for i in 0..10_000 {
        match socket
            .volatile()
            .emit("v", Payload::new().bin(chunk.clone()))
        {
            Ok(()) => accepted += 1,
            Err(EmitError::QueueFull) => {
                first_drop = Some(i);
                break;
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert!(
        first_drop.is_some(),
        "the buffers filled within 10,000 emits of 64 KiB"
    );
    assert!(
        accepted > 3,
        "the socket took frames directly before the backlog began"
    );
    for _ in 0..5 {
        assert_eq!(
            socket.volatile().emit("v", json!(0)),
            Err(EmitError::QueueFull),
            "volatile packets leave the last quarter free"
        );
    }
    assert!(socket.connected(), "volatile overflow does not close");
    assert_eq!(
        socket.emit("r", json!(0)),
        Ok(()),
        "a reliable message still fits"
    );
    assert_eq!(socket.emit("r", json!(1)), Err(EmitError::QueueFull));
    c.expect_closed().await;
    let (_, reason) = tokio::time::timeout(WAIT, ev.disconnected.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reason, DisconnectReason::SlowConsumer);
    assert_eq!(socket.emit("r", json!(2)), Err(EmitError::Disconnected));
    server.shutdown().await;
}

/// Clients that connect, join rooms and go (closing politely or just dropping the TCP
/// connection) leave nothing in the namespace or its rooms (issue 17).
#[tokio::test]
async fn clients_that_connect_join_and_go_leave_no_sockets_or_rooms_behind() {
    let (server, _ev) = start_default().await;
    let ns = server.io.of("/").expect("the default namespace");
    let (before_sockets, before_rooms) = (ns.len(), ns.room_count());
    for round in 0..3 {
        let mut clients = Vec::new();
        for n in 0..20 {
            let (mut c, _) = Client::connected(server.addr, "/").await;
            c.send(format!(r#"42["join","room-{round}-{}"]"#, n % 4))
                .await;
            clients.push(c);
        }
        for _ in 0..200 {
            if (0..4).all(|r| ns.room_len(&format!("room-{round}-{r}")) == 5) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(ns.room_count(), before_rooms + 4, "round {round}: joined");
        for (n, mut c) in clients.into_iter().enumerate() {
            if n % 2 == 0 {
                let _ = c.ws.close(None).await;
            }
        }
        for _ in 0..500 {
            if ns.len() == before_sockets && ns.room_count() == before_rooms {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(
            (ns.len(), ns.room_count()),
            (before_sockets, before_rooms),
            "round {round}: every socket and room is gone"
        );
    }
    server.shutdown().await;
}
