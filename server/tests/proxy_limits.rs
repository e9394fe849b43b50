//! The per-address limit behind a reverse proxy and at its edge, on real sockets: 127.0.0.1 plays
//! the trusted proxy (or, where it is not trusted, a client spoofing the forwarding headers).
//! Every loop is bounded in count and each wait by `WAIT`; sockets are closed at the end.

mod realtime_support;

use petri_server::realtime::{RealtimeConfig, RefusalReason, SocketRef, TrustedProxies};
use petri_server::testkit::{TestServer, metric, quick_config};
use realtime_support::{Client, Events, Server, WAIT, app, test_config};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

fn trusting(entries: &[&str]) -> TrustedProxies {
    TrustedProxies::parse(entries).expect("valid entries")
}

/// Opens an Engine.IO WebSocket whose upgrade says `X-Forwarded-For: forwarded_for`; the error
/// is the refusal (its HTTP status inside).
async fn open_as(addr: SocketAddr, forwarded_for: &str) -> Result<Client, WsError> {
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "x-forwarded-for",
        HeaderValue::from_str(forwarded_for).expect("header value"),
    );
    let (mut ws, _) = timeout(WAIT, tokio_tungstenite::connect_async(request))
        .await
        .expect("an answer in time")?;
    let first = timeout(WAIT, futures_util::StreamExt::next(&mut ws))
        .await
        .expect("open packet in time");
    let Some(Ok(Message::Text(text))) = first else {
        panic!("expected the open packet, got {first:?}")
    };
    let open = serde_json::from_str(&text[1..]).expect("open json");
    Ok(Client {
        ws,
        open,
        auto_pong: true,
    })
}

/// A direct connection under the per-address limit. The HTTP connections `TestServer::start`
/// polled `/readyz` with hold their places until the server has seen them close, which on a
/// loaded machine can take a moment: a 429 then is retried, boundedly.
async fn open_once_places_are_free(addr: SocketAddr) -> Client {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match open_as(addr, "203.0.113.1").await {
            Ok(client) => return client,
            Err(WsError::Http(response))
                if response.status().as_u16() == 429 && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(other) => panic!("under the limit, refused: {other}"),
        }
    }
}

/// Connects `client` to `/` and returns the server's side of that socket.
async fn connected(client: &mut Client, events: &mut Events) -> SocketRef {
    client.connect("/", None).await;
    timeout(WAIT, events.connected.recv())
        .await
        .expect("connected in time")
        .expect("a socket")
}

/// The HTTP status of a refused upgrade.
fn refused_status(result: Result<Client, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("refused without an HTTP answer: {other}"),
        Ok(_) => panic!("admitted"),
    }
}

/// A raw HTTP/1.1 GET with extra header lines; the whole response (head and body).
async fn get(addr: SocketAddr, path: &str, extra: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("tcp connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    // keep-alive connections stay open: read until the body is complete or the server closes
    timeout(WAIT, async {
        let mut chunk = [0u8; 4096];
        for _ in 0..1000 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
            }
            let text = String::from_utf8_lossy(&raw);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(str::to_owned)
                    })
                    .and_then(|v| v.trim().parse::<usize>().ok());
                if length.is_some_and(|n| body.len() >= n) {
                    return;
                }
            }
        }
    })
    .await
    .expect("response in time");
    String::from_utf8_lossy(&raw).into_owned()
}

fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn close_all(clients: Vec<Client>) {
    for mut client in clients {
        let _ = timeout(WAIT, client.ws.close(None)).await;
    }
}

#[tokio::test]
async fn three_hundred_clients_through_one_trusted_proxy_all_connect() {
    let (io, mut events) = app(RealtimeConfig {
        trusted_proxies: trusting(&["127.0.0.1"]),
        ..test_config()
    });
    assert_eq!(io.config().max_connections_per_address, 256, "the default");
    let server = Server::start(io).await;
    let mut clients = Vec::new();
    for i in 0..300u32 {
        let forwarded = format!("10.0.{}.{}", i / 256, i % 256);
        let client = open_as(server.addr, &forwarded).await;
        clients.push(client.unwrap_or_else(|e| panic!("client {i} ({forwarded}): {e}")));
    }
    assert_eq!(server.io.stats().open(), 300);
    assert_eq!(server.io.stats().refused(RefusalReason::PerAddress), 0);

    // handlers see the forwarded client, not the proxy
    let first = clients.first_mut().expect("a client");
    let socket = connected(first, &mut events).await;
    assert_eq!(
        socket.peer_addr(),
        Some("10.0.0.0:0".parse().expect("addr"))
    );
    close_all(clients).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing() {
    let (io, mut events) = app(RealtimeConfig {
        max_connections_per_address: 4,
        // some other proxy is trusted, not 127.0.0.1
        trusted_proxies: trusting(&["10.9.9.9"]),
        ..test_config()
    });
    let server = Server::start(io).await;
    let mut clients = Vec::new();
    for i in 1..=4 {
        let client = open_as(server.addr, &format!("192.0.2.{i}")).await;
        clients.push(client.expect("under the limit"));
    }
    let fifth = open_as(server.addr, "192.0.2.99").await;
    assert_eq!(refused_status(fifth), 429, "whatever its header says");
    assert!(server.io.stats().refused(RefusalReason::PerAddress) >= 1);

    let first = clients.first_mut().expect("a client");
    let socket = connected(first, &mut events).await;
    let peer = socket.peer_addr().expect("a peer address");
    assert_eq!(
        peer.ip(),
        std::net::IpAddr::from([127, 0, 0, 1]),
        "the TCP peer"
    );
    close_all(clients).await;
    server.shutdown().await;
}

/// CONNECT to `/play`, `join` the main room, then wait for a `frame` event and its attachment.
async fn plays(client: &mut Client, name: &str) {
    client.send("40/play,").await;
    for _ in 0..100 {
        if client.recv_text().await.starts_with("40/play,") {
            break;
        }
    }
    client
        .send(format!(
            r#"42/play,1["join",{{"room":"main","name":"{name}"}}]"#
        ))
        .await;
    for _ in 0..1000 {
        if let Message::Text(text) = client.recv().await
            && text.contains(r#"["frame","#)
        {
            assert!(!client.recv_bin().await.is_empty(), "the frame's bytes");
            return;
        }
    }
    panic!("no frame for {name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_forwarded_address_is_limited_while_others_play() {
    let mut config = quick_config();
    config.network.max_connections_per_address = 4;
    config.network.trusted_proxies = vec!["127.0.0.1".parse().expect("range")];
    let server = TestServer::start(config).await;
    let mut flood = Vec::new();
    for _ in 0..4 {
        flood.push(
            open_as(server.address, "10.0.0.1")
                .await
                .expect("under the limit"),
        );
    }
    for _ in 0..3 {
        let refused = open_as(server.address, "198.51.100.7, 10.0.0.1").await;
        assert_eq!(refused_status(refused), 429, "the fifth from 10.0.0.1");
    }
    let mut other = open_as(server.address, "10.0.0.2")
        .await
        .expect("another address");
    plays(&mut other, "other").await;

    let (code, metrics) = server.get("/metrics").await.expect("metrics");
    assert_eq!(code, 200);
    let refused = metric(
        &metrics,
        r#"petri_connections_refused_total{reason="per_address"}"#,
    );
    assert_eq!(refused, Some(3.0), "{metrics}");
    // the proxy's own health checks are never limited
    assert_eq!(status(&get(server.address, "/healthz", "").await), 200);
    flood.push(other);
    close_all(flood).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_answer_at_the_per_address_limit() {
    let mut config = quick_config();
    config.network.max_connections_per_address = 4;
    let server = TestServer::start(config).await;
    let url = format!(
        "ws://{}/socket.io/?EIO=4&transport=websocket",
        server.address
    );
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(open_once_places_are_free(server.address).await);
    }
    for path in ["/healthz", "/readyz"] {
        let response = get(server.address, path, "").await;
        assert_eq!(status(&response), 200, "{path}: {response}");
        assert!(
            response.to_ascii_lowercase().contains("connection: close"),
            "one request per probe connection: {response}"
        );
    }
    assert_eq!(status(&get(server.address, "/api/rooms", "").await), 429);
    assert_eq!(status(&get(server.address, "/", "").await), 429);
    let upgrade = timeout(WAIT, tokio_tungstenite::connect_async(url.as_str()))
        .await
        .expect("an answer in time");
    match upgrade {
        Err(WsError::Http(response)) => assert_eq!(response.status().as_u16(), 429),
        other => panic!("expected a 429, got {other:?}"),
    }
    // every connection over the limit was counted (and answered, none reset); once the held
    // ones close, the address gets its places back
    close_all(held).await;
    let mut metrics = String::new();
    for _ in 0..100 {
        if let Ok((200, body)) = server.get("/metrics").await {
            metrics = body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let refused = metric(
        &metrics,
        r#"petri_connections_refused_total{reason="per_address"}"#,
    );
    assert!(refused.is_some_and(|n| n >= 5.0), "{metrics}");
    server.stop().await;
}
