//! The realtime layer's counters, seen from outside: open WebSocket connections (one per client,
//! however many namespaces it joined) and refusals by reason, both on the realtime layer itself
//! and through Petri's `/metrics`. Real servers on 127.0.0.1; every wait is bounded.

mod realtime_support;

use petri_server::realtime::{RealtimeConfig, RefusalReason};
use realtime_support::{Client, Server, WAIT, app, http_get, test_config};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::{Instant, sleep};

/// Polls `probe` until it holds, at most `WAIT`.
async fn eventually(mut probe: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if probe().await {
            return true;
        }
        sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Sends CONNECT for `nsp` and reads until its answer (events of other namespaces may come
/// first).
async fn join(client: &mut Client, nsp: &str) {
    client.send(format!("40{nsp},")).await;
    for _ in 0..100 {
        if client.recv_text().await.starts_with(&format!("40{nsp},")) {
            return;
        }
    }
    panic!("no CONNECT answer for {nsp}");
}

async fn metrics(addr: SocketAddr) -> String {
    let (status, body) = http_get(addr, "/metrics").await;
    assert_eq!(status, 200);
    body
}

#[tokio::test]
async fn petri_connections_counts_websockets_not_namespaces() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut config = petri_server::config::ServerConfig::default();
    config.main_room.bots = 2;
    config.shutdown_grace_ms = 1_000;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(petri_server::serve::serve(config, listener, async move {
        let _ = stopped.await;
    }));
    assert!(
        eventually(async || http_get(addr, "/readyz").await.0 == 200).await,
        "the server comes up"
    );

    const N: usize = 3;
    let mut clients = Vec::new();
    for _ in 0..N {
        let mut c = Client::open(addr).await;
        join(&mut c, "/play").await;
        join(&mut c, "/lobby").await;
        clients.push(c);
    }
    let (status, _) = http_get(addr, "/socket.io/?EIO=3&transport=polling").await;
    assert_eq!(status, 400, "an Engine.IO v3 handshake is refused");
    let body = metrics(addr).await;
    assert!(body.contains(&format!("petri_connections {N}\n")), "{body}");
    assert!(
        body.contains("petri_connections_refused_total{reason=\"bad_handshake\"} 1\n"),
        "{body}"
    );
    assert!(
        body.contains("petri_connections_refused_total{reason=\"max_connections\"} 0\n"),
        "{body}"
    );

    drop(clients);
    assert!(
        eventually(async || metrics(addr).await.contains("petri_connections 0\n")).await,
        "closed WebSockets leave the gauge"
    );
    let _ = stop.send(());
    tokio::time::timeout(WAIT * 2, server)
        .await
        .expect("serve returns after shutdown")
        .expect("serve task")
        .expect("serve result");
}

#[tokio::test]
async fn refusals_are_counted_by_reason() {
    let (io, _events) = app(RealtimeConfig {
        max_connections: 1,
        max_connections_per_address: 3,
        ..test_config()
    });
    let server = Server::start(io).await;
    let stats = server.io.stats().clone();

    let _held = Client::open(server.addr).await;
    assert_eq!(stats.open(), 1);
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.addr);
    let second = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .expect("an answer in time");
    assert!(
        second.is_err(),
        "a second WebSocket is over max_connections"
    );
    assert_eq!(stats.refused(RefusalReason::MaxConnections), 1);
    assert_eq!(stats.open(), 1);

    // The held WebSocket takes one of the address's three places: idle TCP connections take
    // the rest, then the next ones are refused (served as health-check-only probe connections).
    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(
            tokio::net::TcpStream::connect(server.addr)
                .await
                .expect("tcp connect"),
        );
    }
    assert!(
        eventually(async || stats.refused(RefusalReason::PerAddress) >= 3).await,
        "refused per address: {}",
        stats.refused(RefusalReason::PerAddress)
    );
    assert_eq!(stats.refused(RefusalReason::BadHandshake), 0);
    assert_eq!(stats.accepted(), 1);
    drop(idle);
    server.shutdown().await;
}
