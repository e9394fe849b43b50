//! Hostile input on the long-polling surface: malformed payloads, wrong lengths, bad base64,
//! huge bodies, POST floods, requests on unknown or closed sids, overlapping requests and
//! interleaved upgrades, and the connection limits applied to polling sessions. Each case gets a
//! clear error or a clean close of that one session; after each, a bystander player (on a
//! WebSocket) must still be receiving frames.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use petri_server::config::ServerConfig;
use petri_server::testkit::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Quick heartbeats, so a held poll ends within half a second and a silent session is reaped
/// within a second.
fn config() -> ServerConfig {
    let mut config = quick_config();
    config.network.ping_interval_ms = 400;
    config.network.ping_timeout_ms = 400;
    config.network.handshake_timeout_ms = 1_000;
    config.network.max_payload = 100_000;
    config
}

/// Sends `request` on a fresh connection and reads the whole answer (bounded).
async fn raw(server: &TestServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.address).await.expect("connects");
    let _ = stream.write_all(request).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut reply)).await;
    String::from_utf8_lossy(&reply).into_owned()
}

/// `method` on session `sid` with `body`: (status, body).
async fn call(server: &TestServer, method: &str, sid: &str, body: &[u8]) -> (u16, String) {
    let mut request = format!(
        "{method} /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    split(&raw(server, &request).await)
}

fn split(reply: &str) -> (u16, String) {
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

/// Opens a polling session; its sid. A 429 is retried for a while: each HTTP connection holds a
/// place under the per-address limit while it is open, and on a loaded machine the server may
/// not yet have seen an earlier request's connection (the test server's readiness probe, the
/// last handshake) close. Sessions only ever hold their places longer, so a test's later
/// "over the limit" assertion means the same with or without the wait.
async fn open(server: &TestServer) -> String {
    let (mut status, mut body) = (0, String::new());
    for _ in 0..40 {
        (status, body) = server
            .get("/socket.io/?EIO=4&transport=polling")
            .await
            .expect("answers");
        if status != 429 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200, "{body}");
    let open: serde_json::Value = serde_json::from_str(&body[1..]).expect("open packet");
    open["sid"].as_str().expect("sid").to_owned()
}

/// Asserts the session is gone: a poll gets Engine.IO's "Session ID unknown".
async fn gone(server: &TestServer, sid: &str, case: &str) {
    let (status, body) = call(server, "GET", sid, b"").await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"code":1,"message":"Session ID unknown"}"#),
        "{case}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_payloads_close_only_their_session() {
    let server = TestServer::start(config()).await;
    let mut bystander = Bystander::join(&server).await;
    for (case, body) in [
        ("not a packet", &b"abc"[..]),
        ("bad base64", b"b!!!"),
        ("base64 with bad padding", b"bAQI"),
        ("an empty packet between two", b"40\x1e\x1e3"),
        ("an empty body", b""),
        ("not UTF-8", b"4\xff\xfe"),
        ("a Socket.IO packet of an unknown type", b"4abc"),
        ("an open packet from the client", b"0{}"),
    ] {
        let sid = open(&server).await;
        let (status, _) = call(&server, "POST", &sid, body).await;
        assert_eq!(status, 400, "{case}");
        gone(&server, &sid, case).await;
        bystander.still_playing(case).await;
    }
    // a Content-Length shorter than the body: the session reads "4h" (not Socket.IO) and
    // closes; the rest is not HTTP and gets a 400 from the HTTP layer
    let sid = open(&server).await;
    let request = format!(
        "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
         Content-Length: 2\r\n\r\n4hello"
    );
    let reply = raw(&server, request.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    gone(&server, &sid, "short Content-Length").await;
    // a Content-Length longer than what comes: the body is never complete; refused, and the
    // session (which got nothing) goes on
    let sid = open(&server).await;
    let request = format!(
        "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
         Content-Length: 50\r\n\r\n40"
    );
    let mut stream = TcpStream::connect(server.address).await.expect("connects");
    stream.write_all(request.as_bytes()).await.expect("writes");
    stream.shutdown().await.expect("half-closes");
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut reply)).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 4"),
        "{reply}"
    );
    assert_eq!(
        call(&server, "POST", &sid, b"40").await.0,
        200,
        "the session goes on"
    );
    bystander.still_playing("long Content-Length").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_bodies_and_post_floods() {
    let server = TestServer::start(config()).await;
    let mut bystander = Bystander::join(&server).await;
    // announced over max_payload: 413 before a byte of the body is read
    let sid = open(&server).await;
    let request = format!(
        "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
         Connection: close\r\nContent-Length: 2000000\r\n\r\n4"
    );
    assert_eq!(split(&raw(&server, request.as_bytes()).await).0, 413);
    gone(&server, &sid, "announced huge body").await;
    // chunked, with no length announced: 413 once the body passes max_payload
    let sid = open(&server).await;
    let mut request = format!(
        "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
         Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    let chunk = vec![b'4'; 50_000];
    for _ in 0..3 {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(split(&raw(&server, &request).await).0, 413);
    gone(&server, &sid, "chunked huge body").await;
    bystander.still_playing("huge bodies").await;
    // a flood of POSTs, one after another: each is answered, the session survives
    let sid = open(&server).await;
    assert_eq!(call(&server, "POST", &sid, b"40").await.0, 200);
    for i in 0..200 {
        let (status, body) = call(&server, "POST", &sid, b"3\x1e3\x1e6").await;
        assert_eq!((status, body.as_str()), (200, "ok"), "POST {i}");
    }
    let (status, _) = call(&server, "GET", &sid, b"").await;
    assert_eq!(status, 200, "the session survived the flood");
    bystander.still_playing("POST flood").await;
    // two POSTs at once: the second closes the session (the protocol's rule)
    let sid = open(&server).await;
    let mut first = TcpStream::connect(server.address).await.expect("connects");
    let head = format!(
        "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
         Connection: close\r\nContent-Length: 4\r\n\r\n40"
    );
    first.write_all(head.as_bytes()).await.expect("writes");
    let mut second = (0, String::new());
    for _ in 0..50 {
        // until the first POST is in flight (its body is incomplete, so it stays so)
        second = call(&server, "POST", &sid, b"3").await;
        if second.0 != 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(second.0, 400, "{second:?}");
    drop(first);
    gone(&server, &sid, "overlapping POSTs").await;
    bystander.still_playing("overlapping POSTs").await;
    server.stop().await;
}

/// A WebSocket to the Engine.IO path naming `sid`.
async fn websocket(
    server: &TestServer,
    sid: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    let url = format!(
        "ws://{}/socket.io/?EIO=4&transport=websocket&sid={sid}",
        server.address
    );
    tokio_tungstenite::connect_async(url)
        .await
        .map(|(ws, _)| ws)
}

async fn next_text<S>(ws: &mut S) -> Option<String>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    for _ in 0..10 {
        match tokio::time::timeout(WAIT, ws.next()).await.ok()?? {
            Ok(Message::Text(t)) if t.as_str() != "2" => return Some(t.as_str().to_owned()),
            Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_closed_sids_overlapping_polls_and_interleaved_upgrades() {
    let server = TestServer::start(config()).await;
    let mut bystander = Bystander::join(&server).await;
    // unknown sids, both methods and the upgrade
    for method in ["GET", "POST"] {
        let (status, body) = call(&server, method, "no-such-sid", b"40").await;
        assert_eq!(
            (status, body.as_str()),
            (400, r#"{"code":1,"message":"Session ID unknown"}"#)
        );
    }
    assert!(
        websocket(&server, "no-such-sid").await.is_err(),
        "refused with 400"
    );
    // a session the client closed
    let sid = open(&server).await;
    assert_eq!(call(&server, "POST", &sid, b"1").await.0, 200);
    // a GET racing the close gets the noop (for a moment), then the sid is gone
    let (status, body) = call(&server, "GET", &sid, b"").await;
    assert!(
        (status, body.as_str()) == (200, "6") || status == 400,
        "{status} {body}"
    );
    gone(&server, &sid, "closed by the client").await;
    // two polls at once: the first gets the close packet, the second 400, then the sid is gone
    let sid = open(&server).await;
    let first = {
        let server_address = server.address;
        let sid = sid.clone();
        tokio::spawn(async move {
            let request = format!(
                "GET /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
                 Connection: close\r\n\r\n"
            );
            let mut stream = TcpStream::connect(server_address).await.expect("connects");
            stream.write_all(request.as_bytes()).await.expect("writes");
            let mut reply = Vec::new();
            let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut reply)).await;
            split(&String::from_utf8_lossy(&reply))
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, _) = call(&server, "GET", &sid, b"").await;
    assert_eq!(status, 400, "the overlapping poll");
    let (status, body) = first.await.expect("the first poll");
    assert_eq!(status, 200);
    assert!(
        body == "1" || body.ends_with("\x1e1"),
        "the first poll ends with close: {body:?}"
    );
    gone(&server, &sid, "overlapping polls").await;
    bystander.still_playing("overlapping polls").await;

    // a probe that is not a probe: that WebSocket is dropped, polling goes on
    let sid = open(&server).await;
    let mut ws = websocket(&server, &sid).await.expect("101");
    ws.send(Message::text("hello")).await.expect("sends");
    assert_eq!(
        next_text(&mut ws).await,
        None,
        "the probe WebSocket is closed"
    );
    // a pong keeps the session alive (the test answers no pings otherwise)
    assert_eq!(
        call(&server, "POST", &sid, b"3").await.0,
        200,
        "polling goes on"
    );
    // `5` without a probe: the same
    let mut ws = websocket(&server, &sid).await.expect("101");
    ws.send(Message::text("5")).await.expect("sends");
    assert_eq!(
        next_text(&mut ws).await,
        None,
        "an unprobed upgrade is dropped"
    );
    // a pong keeps the session alive (the test answers no pings otherwise)
    assert_eq!(
        call(&server, "POST", &sid, b"3").await.0,
        200,
        "polling goes on"
    );
    // a real upgrade, with a second WebSocket interleaved: the second is closed at once
    let mut ws = websocket(&server, &sid).await.expect("101");
    let mut intruder = websocket(&server, &sid).await.expect("101, then closed");
    assert_eq!(
        next_text(&mut intruder).await,
        None,
        "the second WebSocket is closed"
    );
    ws.send(Message::text("2probe")).await.expect("sends");
    assert_eq!(next_text(&mut ws).await.as_deref(), Some("3probe"));
    ws.send(Message::text("5")).await.expect("sends");
    ws.send(Message::text("40/play,")).await.expect("sends");
    let connected = next_text(&mut ws)
        .await
        .expect("the CONNECT answer over the WebSocket");
    assert!(connected.starts_with("40/play,{\"sid\""), "{connected}");
    gone(&server, &sid, "after the upgrade, HTTP is refused").await;
    let mut late = websocket(&server, &sid).await.expect("101, then closed");
    assert_eq!(
        next_text(&mut late).await,
        None,
        "a WebSocket after the upgrade is closed"
    );
    bystander.still_playing("upgrades").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_sessions_count_against_the_connection_limits() {
    let mut limited = config();
    limited.network.max_connections = 3;
    let server = TestServer::start(limited).await;
    let mut bystander = Bystander::join(&server).await;
    // the bystander holds one place; two polling sessions take the rest
    let a = open(&server).await;
    let _b = open(&server).await;
    let (status, _) = server
        .get("/socket.io/?EIO=4&transport=polling")
        .await
        .expect("answers");
    assert_eq!(status, 503, "max_connections counts polling sessions");
    // a session that stops polling is reaped by the heartbeat, and its place comes back
    let mut reopened = None;
    for _ in 0..100 {
        let (status, body) = server
            .get("/socket.io/?EIO=4&transport=polling")
            .await
            .expect("answers");
        if status == 200 {
            reopened = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened.is_some(), "a silent session's place came back");
    gone(&server, &a, "reaped").await;
    bystander.still_playing("max_connections").await;
    server.stop().await;

    let mut per_address = config();
    per_address.network.max_connections_per_address = 3;
    let server = TestServer::start(per_address).await;
    // each session keeps its handshake connection's place after that connection closed
    let _c = open(&server).await;
    let _d = open(&server).await;
    let _e = open(&server).await;
    let (status, _) = server
        .get("/socket.io/?EIO=4&transport=polling")
        .await
        .expect("answers");
    assert_eq!(status, 429, "the per-address limit counts polling sessions");
    let (status, _) = server.get("/healthz").await.expect("answers");
    assert_eq!(status, 200, "health checks still answer");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_follows_allowed_origins() {
    let mut config = config();
    config.network.allowed_origins = vec!["https://ok.example".into()];
    let server = TestServer::start(config).await;
    let ask = |method: &str, origin: &str| {
        format!(
            "{method} /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\
             Connection: close\r\nOrigin: {origin}\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: content-type\r\n\r\n"
        )
    };
    let preflight = raw(&server, ask("OPTIONS", "https://ok.example").as_bytes()).await;
    assert!(preflight.starts_with("HTTP/1.1 204"), "{preflight}");
    let lower = preflight.to_ascii_lowercase();
    assert!(
        lower.contains("access-control-allow-origin: https://ok.example"),
        "{preflight}"
    );
    assert!(
        lower.contains("access-control-allow-methods: get, post, options"),
        "{preflight}"
    );
    assert!(
        lower.contains("access-control-allow-headers: content-type"),
        "{preflight}"
    );
    let refused = raw(&server, ask("OPTIONS", "https://evil.example").as_bytes()).await;
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    let open = raw(&server, ask("GET", "https://ok.example").as_bytes()).await;
    assert!(open.starts_with("HTTP/1.1 200"), "{open}");
    let lower = open.to_ascii_lowercase();
    assert!(
        lower.contains("access-control-allow-origin: https://ok.example"),
        "{open}"
    );
    assert!(
        lower.contains("access-control-allow-credentials: true"),
        "{open}"
    );
    let evil = raw(&server, ask("GET", "https://evil.example").as_bytes()).await;
    assert!(evil.starts_with("HTTP/1.1 403"), "{evil}");
    server.stop().await;
}
