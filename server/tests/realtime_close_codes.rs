//! The WebSocket closing handshake seen on a raw socket (RFC 6455 5.5.1, 7.4): a close frame from
//! the client is answered with a close frame, echoing a valid status code and answering an
//! invalid one (1004 reserved, 1005/1006/1015 never on the wire, below 1000, 5000 and above)
//! with 1002 (protocol error), never with a bare TCP close. Real server on 127.0.0.1; every read
//! is bounded by `WAIT`.

mod realtime_support;

use realtime_support::{WAIT, start_default};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Reads until `buf` holds `n` bytes; `false` if the stream ended first.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, n: usize) -> bool {
    let mut chunk = [0u8; 512];
    while buf.len() < n {
        let read = timeout(WAIT, stream.read(&mut chunk))
            .await
            .expect("bytes in time");
        match read {
            Ok(0) | Err(_) => return false,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
    true
}

/// Opens an Engine.IO WebSocket by hand; returns the stream and the bytes read past the 101
/// response head.
async fn raw_websocket(addr: SocketAddr) -> (TcpStream, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.expect("tcp connect");
    let request = format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    for _ in 0..100 {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            assert!(head.starts_with("HTTP/1.1 101"), "{head}");
            return (stream, buf[end + 4..].to_vec());
        }
        let n = timeout(WAIT, stream.read(&mut chunk))
            .await
            .expect("response in time")
            .expect("read");
        assert!(n > 0, "closed during the handshake");
        buf.extend_from_slice(&chunk[..n]);
    }
    panic!("no end of the response head");
}

/// A masked client close frame carrying `code` (mask 0: the XOR changes nothing).
fn close_frame(code: u16) -> Vec<u8> {
    let [hi, lo] = code.to_be_bytes();
    vec![0x88, 0x82, 0, 0, 0, 0, hi, lo]
}

/// Sends a close frame with `code` and returns the status code of the server's close frame
/// (`None`: the server closed the TCP connection without one).
async fn close_reply(addr: SocketAddr, code: u16) -> Option<u16> {
    let (mut stream, mut buf) = raw_websocket(addr).await;
    stream.write_all(&close_frame(code)).await.expect("write");
    // Skip the frames before the close (the Engine.IO open packet): unmasked server frames,
    // payloads under 64 KiB.
    for _ in 0..16 {
        if !fill(&mut stream, &mut buf, 2).await {
            return None;
        }
        let (opcode, short_len) = (buf[0] & 0x0f, usize::from(buf[1] & 0x7f));
        let (header, len) = if short_len == 126 {
            if !fill(&mut stream, &mut buf, 4).await {
                return None;
            }
            (4, usize::from(u16::from_be_bytes([buf[2], buf[3]])))
        } else {
            (2, short_len)
        };
        if !fill(&mut stream, &mut buf, header + len).await {
            return None;
        }
        if opcode == 0x8 {
            assert!(len >= 2, "a close frame with a status code");
            return Some(u16::from_be_bytes([buf[header], buf[header + 1]]));
        }
        buf.drain(..header + len);
    }
    panic!("no close frame among the first frames");
}

#[tokio::test]
async fn an_invalid_close_code_is_answered_with_1002() {
    let (server, _events) = start_default().await;
    for code in [999, 1004, 1005, 1006, 1015, 5000] {
        assert_eq!(
            close_reply(server.addr, code).await,
            Some(1002),
            "code {code}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_valid_close_code_is_echoed() {
    let (server, _events) = start_default().await;
    for code in [1000, 1001, 3000, 4999] {
        assert_eq!(
            close_reply(server.addr, code).await,
            Some(code),
            "code {code}"
        );
    }
    server.shutdown().await;
}
