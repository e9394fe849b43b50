//! A WebSocket client written by hand that speaks permessage-deflate (its own deflate streams,
//! context takeover), for the tests of compressed traffic: it sends frames exactly as given
//! (masked, any RSV bits) and inflates what the server compresses. Every read is bounded by
//! `WAIT`.

use super::WAIT;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush};

pub const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];
pub const MASK: [u8; 4] = [7, 13, 42, 99];
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CONTINUATION: u8 = 0x0;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;
pub const CLOSE: u8 = 0x8;
pub const FIN: u8 = 0x80;
pub const RSV1: u8 = 0x40;

/// A client speaking WebSocket by hand, with its own deflate streams (context takeover).
pub struct RawClient {
    pub stream: TcpStream,
    buf: Vec<u8>,
    /// The 101 answer's `Sec-WebSocket-Extensions`, if any.
    pub extensions: Option<String>,
    deflate: Deflate,
    inflate: Inflate,
}

/// A server frame: its first byte and its payload (inflated if it had RSV1).
pub struct Received {
    pub first: u8,
    pub payload: Vec<u8>,
}

impl RawClient {
    pub async fn open(addr: SocketAddr, offer: Option<&str>) -> Self {
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
    pub async fn recv(&mut self) -> Option<Received> {
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
    pub async fn recv_data(&mut self) -> Received {
        for _ in 0..100 {
            let frame = self.recv().await.expect("a frame");
            if frame.first & 0x0f != PONG {
                return frame;
            }
        }
        panic!("only pongs");
    }

    /// Deflates `message` with this client's stream (tail cut).
    pub fn compress(&mut self, message: &[u8]) -> Vec<u8> {
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
    pub async fn send_raw(&mut self, first: u8, payload: &[u8]) {
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

    /// Sends one compressed text message that inflates to `inflated` bytes (an event whose
    /// string is that many `a`s): a few KB on the wire for megabytes inflated.
    pub async fn send_bomb(&mut self, inflated: usize) {
        let mut bomb = br#"42["echo",""#.to_vec();
        bomb.extend(std::iter::repeat_n(b'a', inflated));
        let z = self.compress(&bomb);
        self.send_raw(FIN | RSV1 | TEXT, &z).await;
    }

    pub async fn send_compressed(&mut self, opcode: u8, message: &[u8]) {
        let z = self.compress(message);
        self.send_raw(FIN | RSV1 | opcode, &z).await;
    }

    /// Reads until the server's close frame; its status code (`None`: no close frame).
    pub async fn close_code(&mut self) -> Option<u16> {
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
