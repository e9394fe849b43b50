//! permessage-deflate (RFC 7692) on a raw socket: the handshake's answer, compressed messages
//! both ways (small ones under the threshold going plain), and every way a compressing client can
//! break the extension (a bomb, bad deflate data, RSV1 on a control or continuation frame, RSV2,
//! compressing without having negotiated): each closes that one connection with the right code,
//! and a client connected the whole time still gets its echo. Real server on 127.0.0.1; every
//! read is bounded by `WAIT`.

mod realtime_support;

use petri_server::realtime::deflate::CompressionConfig;
use realtime_support::deflate::*;
use realtime_support::{Client, Server, app, test_config};
use std::net::SocketAddr;

async fn server(compression: CompressionConfig) -> Server {
    let mut cfg = test_config();
    cfg.compression = compression;
    Server::start(app(cfg).0).await
}

/// A compressing client connected to `/`, its `welcome` read.
async fn connected(addr: SocketAddr) -> RawClient {
    let mut c = RawClient::open(addr, Some("permessage-deflate; client_max_window_bits")).await;
    c.send_compressed(TEXT, b"40").await;
    let reply = c.recv_data().await;
    assert!(reply.payload.starts_with(b"40{\"sid\""), "connect reply");
    let welcome = c.recv_data().await;
    assert!(welcome.payload.starts_with(b"42[\"welcome\""));
    c
}

#[tokio::test]
async fn compressed_messages_flow_both_ways_and_small_ones_stay_plain() {
    let server = server(CompressionConfig::default()).await;
    let mut c = connected(server.addr).await;
    assert_eq!(
        c.extensions.as_deref(),
        Some("permessage-deflate; server_max_window_bits=10; client_max_window_bits=10")
    );
    for round in 0..3 {
        let big = format!(r#"42["echo","{}{round}"]"#, "petri ".repeat(2000));
        c.send_compressed(TEXT, big.as_bytes()).await;
        let echo = c.recv_data().await;
        assert_ne!(echo.first & RSV1, 0, "a big echo comes back compressed");
        assert_eq!(echo.payload, big.as_bytes());
        // under the threshold (16 bytes) a message goes as it is
        c.send_compressed(TEXT, br#"42["echo",1]"#).await;
        let small = c.recv_data().await;
        assert_eq!(small.first & RSV1, 0, "a small echo is not compressed");
        assert_eq!(small.payload, br#"42["echo",1]"#);
    }
    // a binary event: the text header and its attachment, both compressed by the client
    c.send_compressed(TEXT, br#"451-["echo",{"_placeholder":true,"num":0}]"#)
        .await;
    c.send_compressed(BINARY, &[9u8; 300]).await;
    let header = c.recv_data().await;
    assert_eq!(
        header.payload,
        br#"451-["echo",{"_placeholder":true,"num":0}]"#
    );
    let attachment = c.recv_data().await;
    assert_eq!(attachment.first & 0x0f, BINARY);
    assert_eq!(attachment.payload, vec![9u8; 300]);
    assert_eq!(server.io.stats().compressed(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_fragmented_compressed_message_is_read_whole() {
    let server = server(CompressionConfig::default()).await;
    let mut c = connected(server.addr).await;
    let message = format!(r#"42["echo","{}"]"#, "fragmented ".repeat(500));
    let z = c.compress(message.as_bytes());
    let (a, b) = z.split_at(z.len() / 2);
    c.send_raw(RSV1 | TEXT, a).await;
    c.send_raw(FIN | PING, b"between").await;
    c.send_raw(FIN | CONTINUATION, b).await;
    let echo = c.recv_data().await;
    assert_eq!(echo.payload, message.as_bytes());
    server.shutdown().await;
}

#[tokio::test]
async fn with_compression_off_nothing_is_negotiated_and_compressed_frames_are_refused() {
    let off = CompressionConfig {
        enabled: false,
        ..CompressionConfig::default()
    };
    let server = server(off).await;
    let mut c = RawClient::open(
        server.addr,
        Some("permessage-deflate; client_max_window_bits"),
    )
    .await;
    assert_eq!(c.extensions, None);
    c.send_compressed(TEXT, b"40").await;
    assert_eq!(c.close_code().await, Some(1002));
    assert_eq!(server.io.stats().compressed(), 0);
    server.shutdown().await;
}

/// What a hostile compressing client sends after connecting.
async fn assert_closes_alone(
    name: &str,
    offer: bool,
    code: u16,
    send: impl AsyncFnOnce(&mut RawClient),
) {
    let mut cfg = test_config();
    cfg.max_payload = 64 * 1024;
    let server = Server::start(app(cfg).0).await;
    let (mut bystander, _) = Client::connected(server.addr, "/").await;
    let mut bad = if offer {
        connected(server.addr).await
    } else {
        RawClient::open(server.addr, None).await
    };
    send(&mut bad).await;
    assert_eq!(bad.close_code().await, Some(code), "{name}");
    bystander.echo_roundtrip(name).await;
    let mut fresh = connected(server.addr).await;
    fresh.send_compressed(TEXT, br#"42["echo","after"]"#).await;
    assert_eq!(fresh.recv_data().await.payload, br#"42["echo","after"]"#);
    server.shutdown().await;
}

#[tokio::test]
async fn a_deflate_bomb_closes_with_1009() {
    assert_closes_alone("bomb", true, 1009, async |c: &mut RawClient| {
        // 10 MB of `a`s deflate to about 10 KB: far past the 64 KiB max_payload once inflated
        c.send_bomb(10_000_000).await;
    })
    .await;
}

#[tokio::test]
async fn bad_deflate_data_closes_with_1002() {
    assert_closes_alone("bad-data", true, 1002, async |c: &mut RawClient| {
        c.send_raw(FIN | RSV1 | TEXT, &[0xff; 32]).await;
    })
    .await;
}

#[tokio::test]
async fn rsv1_on_a_control_frame_closes_with_1002() {
    assert_closes_alone("rsv1-ping", true, 1002, async |c: &mut RawClient| {
        c.send_raw(FIN | RSV1 | PING, b"x").await;
    })
    .await;
}

#[tokio::test]
async fn rsv1_on_a_continuation_frame_closes_with_1002() {
    assert_closes_alone(
        "rsv1-continuation",
        true,
        1002,
        async |c: &mut RawClient| {
            let z = c.compress(br#"42["echo","split"]"#);
            c.send_raw(RSV1 | TEXT, &z[..2]).await;
            c.send_raw(FIN | RSV1 | CONTINUATION, &z[2..]).await;
        },
    )
    .await;
}

#[tokio::test]
async fn rsv2_and_rsv3_close_with_1002() {
    for (name, bit) in [("rsv2", 0x20), ("rsv3", 0x10)] {
        assert_closes_alone(name, true, 1002, async |c: &mut RawClient| {
            c.send_raw(FIN | bit | TEXT, br#"42["echo","x"]"#).await;
        })
        .await;
    }
}

#[tokio::test]
async fn compressing_without_having_negotiated_closes_with_1002() {
    assert_closes_alone("not-negotiated", false, 1002, async |c: &mut RawClient| {
        c.send_compressed(TEXT, b"40").await;
    })
    .await;
}
