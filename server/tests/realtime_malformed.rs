//! Hostile and broken input: each case closes only the offending connection, with nothing
//! panicking; a healthy client connected the whole time still gets its echo afterwards.

mod realtime_support;

use realtime_support::*;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// What the bad client does after the Engine.IO open packet.
enum Step {
    Text(&'static str),
    Bin(Vec<u8>),
    RawText(Vec<u8>),
    BigText(usize),
}

async fn assert_closes_alone(name: &str, connect_first: bool, steps: Vec<Step>) {
    let (server, _ev) = start_default().await;
    let (mut healthy, _) = Client::connected(server.addr, "/").await;
    let mut bad = Client::open(server.addr).await;
    if connect_first {
        bad.connect("/", None).await;
        assert!(bad.recv_text().await.contains("welcome"), "{name}");
    }
    for step in steps {
        // Sending may already fail if the server closed in between: that is fine.
        let msg = match step {
            Step::Text(t) => Message::text(t),
            Step::Bin(b) => Message::binary(b),
            Step::RawText(bytes) => {
                Message::Frame(Frame::message(bytes, OpCode::Data(Data::Text), true))
            }
            Step::BigText(n) => Message::text(format!("42[\"echo\",\"{}\"]", "x".repeat(n))),
        };
        let _ = tokio::time::timeout(WAIT, futures_util::SinkExt::send(&mut bad.ws, msg)).await;
    }
    bad.expect_closed().await;
    healthy.echo_roundtrip(name).await;
    // And new clients are still welcome.
    let (mut fresh, _) = Client::connected(server.addr, "/").await;
    fresh.echo_roundtrip(name).await;
    server.shutdown().await;
}

#[tokio::test]
async fn garbage_text_frame() {
    assert_closes_alone("garbage", true, vec![Step::Text("hello world")]).await;
}

#[tokio::test]
async fn empty_text_frame() {
    assert_closes_alone("empty", true, vec![Step::Text("")]).await;
}

#[tokio::test]
async fn unknown_engine_io_packet_type() {
    assert_closes_alone("eio-type", true, vec![Step::Text("9")]).await;
}

#[tokio::test]
async fn open_packet_from_the_client() {
    assert_closes_alone("client-open", true, vec![Step::Text("0{}")]).await;
}

#[tokio::test]
async fn unknown_socket_io_packet_type() {
    assert_closes_alone("sio-type", true, vec![Step::Text("4abc")]).await;
}

#[tokio::test]
async fn bad_json() {
    assert_closes_alone("bad-json", true, vec![Step::Text(r#"42["echo","#)]).await;
}

#[tokio::test]
async fn invalid_payload_shape_and_ack_id() {
    assert_closes_alone("shape", true, vec![Step::Text("42{}")]).await;
    assert_closes_alone("ack-id", true, vec![Step::Text(r#"42abc["echo"]"#)]).await;
    assert_closes_alone("reserved", true, vec![Step::Text(r#"42["disconnect"]"#)]).await;
}

#[tokio::test]
async fn wrong_attachment_counts() {
    // Announces 2, sends 1, then a text packet.
    assert_closes_alone(
        "too-few",
        true,
        vec![
            Step::Text(
                r#"452-["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            ),
            Step::Bin(vec![1]),
            Step::Text(r#"42["echo","x"]"#),
        ],
    )
    .await;
    // Placeholder beyond the announced count.
    assert_closes_alone(
        "num",
        true,
        vec![Step::Text(r#"451-["echo",{"_placeholder":true,"num":3}]"#)],
    )
    .await;
    // More attachments than max_attachments.
    assert_closes_alone("many", true, vec![Step::Text(r#"4511-["echo"]"#)]).await;
    // Binary packet without the count.
    assert_closes_alone("no-count", true, vec![Step::Text(r#"45["echo"]"#)]).await;
}

#[tokio::test]
async fn attachment_without_binary_event() {
    assert_closes_alone("stray-bin", true, vec![Step::Bin(vec![1, 2, 3])]).await;
    // One more attachment than announced.
    assert_closes_alone(
        "extra-bin",
        true,
        vec![
            Step::Text(r#"451-["echo",{"_placeholder":true,"num":0}]"#),
            Step::Bin(vec![1]),
            Step::Bin(vec![2]),
        ],
    )
    .await;
}

#[tokio::test]
async fn oversized_frame() {
    // max_payload is 64 KiB in the test config.
    assert_closes_alone("big", true, vec![Step::BigText(100 * 1024)]).await;
    assert_closes_alone("big-bin", true, vec![Step::Bin(vec![0; 100 * 1024])]).await;
}

#[tokio::test]
async fn attachments_over_max_payload_in_total() {
    let third = 30 * 1024; // each frame fits, the sum does not
    assert_closes_alone(
        "sum",
        true,
        vec![
            Step::Text(
                r#"453-["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#,
            ),
            Step::Bin(vec![0; third]),
            Step::Bin(vec![0; third]),
            Step::Bin(vec![0; third]),
        ],
    )
    .await;
}

#[tokio::test]
async fn event_before_connect() {
    assert_closes_alone("early", false, vec![Step::Text(r#"42["echo","x"]"#)]).await;
    assert_closes_alone(
        "early-other-nsp",
        true,
        vec![Step::Text(r#"42/custom,["echo","x"]"#)],
    )
    .await;
}

#[tokio::test]
async fn out_of_order_packets() {
    assert_closes_alone("disconnect-first", false, vec![Step::Text("41")]).await;
    assert_closes_alone("ack-first", false, vec![Step::Text("431[]")]).await;
    assert_closes_alone("double-connect", true, vec![Step::Text("40")]).await;
    assert_closes_alone(
        "client-connect-error",
        true,
        vec![Step::Text(r#"44{"message":"x"}"#)],
    )
    .await;
}

#[tokio::test]
async fn invalid_utf8_text_frame() {
    assert_closes_alone(
        "utf8",
        true,
        vec![Step::RawText(vec![b'4', b'2', 0xff, 0xfe])],
    )
    .await;
}

#[tokio::test]
async fn protocol_errors_close_with_code_1002() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let (server, _ev) = start_default().await;
    let (mut bad, _) = Client::connected(server.addr, "/").await;
    bad.send("4abc").await;
    let mut code = None;
    for _ in 0..10 {
        match tokio::time::timeout(WAIT, bad.ws.next())
            .await
            .expect("close in time")
        {
            Some(Ok(Message::Close(frame))) => {
                code = frame.map(|f| f.code);
                break;
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => break,
        }
    }
    assert_eq!(code, Some(CloseCode::Protocol));
    server.shutdown().await;
}

/// A peer that floods WebSocket pings and never reads what it is sent makes the server answer
/// with pongs it cannot deliver: those count against the connection's backlog like any reliable
/// frame, so the peer is closed as a slow consumer instead of growing the server's memory.
#[tokio::test]
async fn ping_flood_without_reading_closes_as_slow_consumer() {
    use futures_util::{SinkExt, StreamExt};
    use petri_server::realtime::DisconnectReason;
    let mut cfg = test_config();
    cfg.send_queue_depth = 8;
    // the close frame cannot reach a peer that is not reading: do not wait long for it
    cfg.write_timeout = std::time::Duration::from_secs(1);
    let (io, mut ev) = app(cfg);
    let server = Server::start(io).await;
    let (mut healthy, _) = Client::connected(server.addr, "/").await;
    let (mut bad, _) = Client::connected(server.addr, "/").await;

    // ~50 MB of pings at most; the server gives up long before that
    let ping = vec![7u8; 125];
    let flood = async {
        for i in 0..400_000 {
            if bad
                .ws
                .feed(Message::Ping(ping.clone().into()))
                .await
                .is_err()
            {
                return;
            }
            if i % 1_000 == 999 && bad.ws.flush().await.is_err() {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), flood).await;

    let (_, reason) = tokio::time::timeout(WAIT, ev.disconnected.recv())
        .await
        .expect("the flooding socket is disconnected in time")
        .expect("an event");
    assert_eq!(reason, DisconnectReason::SlowConsumer);
    // what the kernel still holds for it drains, then the connection ends
    let drained = async {
        for _ in 0..2_000_000 {
            match bad.ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
        false
    };
    assert!(
        tokio::time::timeout(std::time::Duration::from_secs(30), drained)
            .await
            .unwrap_or(false),
        "the server closed the flooding connection"
    );
    healthy.echo_roundtrip("ping flood").await;
    server.shutdown().await;
}
