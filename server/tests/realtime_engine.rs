//! Engine.IO over real sockets: HTTP routing and errors, the open packet, heartbeat, timeouts,
//! shutdown.

mod realtime_support;

use realtime_support::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn open_packet_has_the_session_parameters() {
    let (io, _ev) = app(test_config());
    let server = Server::start(io).await;
    let c = Client::open(server.addr).await;
    let open = &c.open;
    let keys: Vec<&str> = open
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5, "{open}");
    assert!(open["sid"].as_str().is_some_and(|s| s.len() == 20));
    assert_eq!(open["upgrades"], json!([]));
    assert_eq!(open["pingInterval"], json!(30_000));
    assert_eq!(open["pingTimeout"], json!(30_000));
    assert_eq!(open["maxPayload"], json!(64 * 1024));
    let other = Client::open(server.addr).await;
    assert_ne!(other.open["sid"], c.open["sid"]);
    server.shutdown().await;
}

#[tokio::test]
async fn http_routes_and_engine_io_errors() {
    let (server, _ev) = start_default().await;
    let a = server.addr;
    assert_eq!(http_get(a, "/healthz").await, (200, "ok".into()));
    assert_eq!(http_get(a, "/extra").await, (200, "extra".into()));
    assert_eq!(http_get(a, "/nope").await.0, 404);
    let unknown = http_get(a, "/socket.io/?EIO=4&transport=flashsocket").await;
    assert_eq!(
        unknown,
        (400, r#"{"code":0,"message":"Transport unknown"}"#.into())
    );
    let (status, open) = http_get(a, "/socket.io/?EIO=4&transport=polling").await;
    assert_eq!(status, 200, "long-polling opens a session");
    assert!(
        open.starts_with("0{") && open.contains(r#""upgrades":["websocket"]"#),
        "{open}"
    );
    let no_transport = http_get(a, "/socket.io/?EIO=4").await;
    assert_eq!(
        no_transport,
        (400, r#"{"code":0,"message":"Transport unknown"}"#.into())
    );
    let sid = http_get(a, "/socket.io/?EIO=4&transport=websocket&sid=abc").await;
    assert_eq!(
        sid,
        (400, r#"{"code":1,"message":"Session ID unknown"}"#.into())
    );
    // transport=websocket without the upgrade headers.
    let plain = http_get(a, "/socket.io/?EIO=4&transport=websocket").await;
    assert_eq!(plain, (400, r#"{"code":3,"message":"Bad request"}"#.into()));
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_protocol_version_is_refused() {
    let (server, _ev) = start_default().await;
    for q in [
        "EIO=3&transport=websocket",
        "EIO=abc&transport=websocket",
        "transport=websocket",
    ] {
        let url = format!("ws://{}/socket.io/?{q}", server.addr);
        let res = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .unwrap();
        match res {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 400);
                let body = resp.body().clone().unwrap_or_default();
                assert_eq!(
                    String::from_utf8_lossy(&body),
                    r#"{"code":5,"message":"Unsupported protocol version"}"#
                );
            }
            other => panic!("{q}: expected HTTP 400, got {other:?}"),
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn server_pings_and_pongs_keep_the_connection() {
    let mut cfg = test_config();
    cfg.ping_interval = Duration::from_millis(30);
    cfg.ping_timeout = Duration::from_millis(2000);
    let (io, _ev) = app(cfg);
    let server = Server::start(io).await;
    let mut c = Client::open(server.addr).await;
    c.auto_pong = false;
    for _ in 0..3 {
        assert_eq!(c.recv_text().await, "2");
        c.send("3").await;
    }
    c.auto_pong = true;
    c.connect("/", None).await;
    assert!(c.recv_text().await.contains("welcome"));
    c.echo_roundtrip("alive").await;
    server.shutdown().await;
}

#[tokio::test]
async fn missing_pong_closes_the_connection() {
    let mut cfg = test_config();
    cfg.ping_interval = Duration::from_millis(20);
    cfg.ping_timeout = Duration::from_millis(20);
    let (io, mut ev) = app(cfg);
    let server = Server::start(io).await;
    let mut c = Client::open(server.addr).await;
    c.auto_pong = false;
    c.send("40").await;
    c.expect_closed().await;
    let (_, reason) = tokio::time::timeout(WAIT, ev.disconnected.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        reason,
        petri_server::realtime::DisconnectReason::PingTimeout
    );
    server.shutdown().await;
}

#[tokio::test]
async fn no_namespace_connect_in_time_closes_the_connection() {
    let mut cfg = test_config();
    cfg.connect_timeout = Duration::from_millis(50);
    let (io, _ev) = app(cfg);
    let server = Server::start(io).await;
    let mut c = Client::open(server.addr).await;
    c.expect_closed().await;
    server.shutdown().await;
}

#[tokio::test]
async fn client_ping_and_close_packets() {
    let (server, _ev) = start_default().await;
    let mut c = Client::open(server.addr).await;
    c.send("2probe").await;
    assert_eq!(c.recv_text().await, "3probe");
    c.send("6").await; // noop is ignored
    c.send("1").await; // close
    c.expect_closed().await;
    server.shutdown().await;
}

#[tokio::test]
async fn max_connections_is_enforced() {
    let mut cfg = test_config();
    cfg.max_connections = 1;
    let (io, _ev) = app(cfg);
    let server = Server::start(io).await;
    let _first = Client::open(server.addr).await;
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.addr);
    match tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .unwrap()
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 503),
        other => panic!("expected 503, got {other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_open_connections() {
    let (server, mut ev) = start_default().await;
    let (mut c, _) = Client::connected(server.addr, "/").await;
    server.shutdown().await;
    c.expect_closed().await;
    let (_, reason) = tokio::time::timeout(WAIT, ev.disconnected.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        reason,
        petri_server::realtime::DisconnectReason::ServerShutdown
    );
}
