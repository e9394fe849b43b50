//! permessage-deflate (RFC 7692) on a raw socket: the handshake's answer, compressed messages
//! both ways (small ones under the threshold going plain), and every way a compressing client can
//! break the extension (a bomb, bad deflate data, RSV1 on a control or continuation frame, RSV2,
//! compressing without having negotiated): each closes that one connection with the right code,
//! and a client connected the whole time still gets its echo. Real server on 127.0.0.1; every
//! read is bounded by `WAIT`.

mod realtime_support;

use petri_server::realtime::deflate::CompressionConfig;
use realtime_support::{Client, Server, WAIT, app, test_config};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush};

const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];
const MASK: [u8; 4] = [7, 13, 42, 99];
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CONTINUATION: u8 = 0x0;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;
const CLOSE: u8 = 0x8;
const FIN: u8 = 0x80;
const RSV1: u8 = 0x40;

/// A client speaking WebSocket by hand, with its own deflate streams (context takeover).
struct RawClient {
    stream: TcpStream,
    buf: Vec<u8>,
    /// The 101 answer's `Sec-WebSocket-Extensions`, if any.
    extensions: Option<String>,
    deflate: Deflate,
    inflate: Inflate,
}

/// A server frame: its first byte and its payload (inflated if it had RSV1).
struct Received {
    first: u8,
    payload: Vec<u8>,
}

impl RawClient {
    async fn open(addr: SocketAddr, offer: Option<&str>) -> Self {
        let mut stream = TcpStream::connect(addr).await.expect("tcp connect");
        let extensions = offer
            .map(|o| format!("Sec-WebSocket-Extensions: {o}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\n\
             Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extensions}\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut client = Self {
            stream,
            buf: Vec::new(),
            extensions: None,
            deflate: Deflate::new(6, false, 10),
            inflate: Inflate::new(false, 10),
        };
        for _ in 0..100 {
            if let Some(end) = client.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&client.buf[..end]).into_owned();
                assert!(head.starts_with("HTTP/1.1 101"), "{head}");
                client.extensions = head
                    .lines()
                    .find_map(|l| l.strip_prefix("sec-websocket-extensions: "))
                    .map(str::to_owned);
                client.buf.drain(..end + 4);
                let open = client.recv().await.expect("the open packet");
                assert!(open.payload.starts_with(b"0{"), "open packet");
                return client;
            }
            assert!(client.fill_some().await, "closed during the handshake");
        }
        panic!("no end of the response head");
    }

    async fn fill_some(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match timeout(WAIT, self.stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Ok(_) => false,
            Err(_) => panic!("no bytes in time"),
        }
    }

    async fn fill(&mut self, n: usize) -> bool {
        for _ in 0..10_000 {
            if self.buf.len() >= n {
                return true;
            }
            if !self.fill_some().await {
                return false;
            }
        }
        false
    }

    /// The next server frame; `None` once the stream ended.
    async fn recv(&mut self) -> Option<Received> {
        if !self.fill(2).await {
            return None;
        }
        let (first, short) = (self.buf[0], usize::from(self.buf[1] & 0x7f));
        let (header, len) = match short {
            126 => {
                self.fill(4).await;
                (
                    4,
                    usize::from(u16::from_be_bytes([self.buf[2], self.buf[3]])),
                )
            }
            127 => {
                self.fill(10).await;
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.buf[2..10]);
                (10, u64::from_be_bytes(b) as usize)
            }
            n => (2, n),
        };
        if !self.fill(header + len).await {
            return None;
        }
        let mut payload: Vec<u8> = self.buf.drain(..header + len).skip(header).collect();
        if first & RSV1 != 0 {
            payload.extend_from_slice(&TAIL);
            let mut out = vec![0; 1 << 20];
            let before = self.inflate.total_out();
            self.inflate
                .decompress(&payload, &mut out, InflateFlush::SyncFlush)
                .expect("the server's deflate data inflates");
            out.truncate((self.inflate.total_out() - before) as usize);
            payload = out;
        }
        Some(Received { first, payload })
    }

    /// The next data frame, skipping WebSocket pongs (answering Engine.IO pings is not needed:
    /// the test heartbeat is slow).
    async fn recv_data(&mut self) -> Received {
        for _ in 0..100 {
            let frame = self.recv().await.expect("a frame");
            if frame.first & 0x0f != PONG {
                return frame;
            }
        }
        panic!("only pongs");
    }

    /// Deflates `message` with this client's stream (tail cut).
    fn compress(&mut self, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; message.len() + 1024];
        let before = self.deflate.total_out();
        self.deflate
            .compress(message, &mut out, DeflateFlush::SyncFlush)
            .expect("deflate");
        out.truncate((self.deflate.total_out() - before) as usize);
        out.truncate(out.len() - TAIL.len());
        out
    }

    /// Writes a masked frame with the given first byte.
    async fn send_raw(&mut self, first: u8, payload: &[u8]) {
        let mut frame = vec![first];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65_536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&MASK);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
        // the server may already have closed: fine
        let _ = self.stream.write_all(&frame).await;
    }

    async fn send_compressed(&mut self, opcode: u8, message: &[u8]) {
        let z = self.compress(message);
        self.send_raw(FIN | RSV1 | opcode, &z).await;
    }

    /// Reads until the server's close frame; its status code (`None`: no close frame).
    async fn close_code(&mut self) -> Option<u16> {
        for _ in 0..1000 {
            let frame = self.recv().await?;
            if frame.first & 0x0f == CLOSE {
                return frame
                    .payload
                    .get(..2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]));
            }
        }
        panic!("no close frame");
    }
}

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
        // 10 MB of zeros deflate to about 10 KB: far past the 64 KiB max_payload once inflated
        let mut bomb = br#"42["echo",""#.to_vec();
        bomb.extend(std::iter::repeat_n(b'a', 10_000_000));
        let z = c.compress(&bomb);
        assert!(z.len() < 64 * 1024, "the frame itself is small");
        c.send_raw(FIN | RSV1 | TEXT, &z).await;
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
