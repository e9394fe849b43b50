//! A minimal HTTP/1.1 client connection over a tokio `TcpStream`, for the swarm's long-polling
//! transport: requests with a body and a `Content-Length` answer, keep-alive, nothing else.
//!
//! Why hand-written rather than a client crate: the tree has hyper with only its server side
//! enabled; hyper's client (or reqwest) would add a connection pool, a body abstraction and a
//! dozen crates to do what the polling transport needs, two requests on two connections. Petri's
//! own answers always carry `Content-Length` (hyper's `Full` bodies), so the reader needs no
//! chunked decoding; anything else is a typed error. Every read is bounded in size.

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most a response's head may take.
const MAX_HEAD: usize = 16 * 1024;
/// The most a response's body may take (a poll answer is far smaller).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("the server closed the connection")]
    Closed,
    #[error("malformed response: {0}")]
    Malformed(&'static str),
}

/// One keep-alive connection.
pub struct HttpConn {
    stream: TcpStream,
    host: String,
    buf: BytesMut,
}

impl HttpConn {
    /// Connects to `host` (`host:port`).
    pub async fn connect(host: &str) -> Result<Self, HttpError> {
        let stream = TcpStream::connect(host).await?;
        let _ = stream.set_nodelay(true);
        Ok(Self {
            stream,
            host: host.to_owned(),
            buf: BytesMut::with_capacity(4096),
        })
    }

    /// Sends `method path` with `body` (none when empty) and reads the answer: (status, body).
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(u16, Bytes), HttpError> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if method == "POST" {
            head.push_str("Content-Type: text/plain;charset=UTF-8\r\n");
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        self.stream.write_all(head.as_bytes()).await?;
        if !body.is_empty() {
            self.stream.write_all(body).await?;
        }
        self.read_response().await
    }

    async fn read_response(&mut self) -> Result<(u16, Bytes), HttpError> {
        let head_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(HttpError::Malformed("response head too large"));
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|_| HttpError::Malformed("response head is not UTF-8"))?;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or(HttpError::Malformed("no status"))?;
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .ok_or(HttpError::Malformed("no Content-Length"))?;
        if length > MAX_BODY {
            return Err(HttpError::Malformed("response body too large"));
        }
        self.buf.advance(head_end + 4);
        while self.buf.len() < length {
            self.fill().await?;
        }
        Ok((status, self.buf.split_to(length).freeze()))
    }

    async fn fill(&mut self) -> Result<(), HttpError> {
        self.buf.reserve(4096);
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(HttpError::Closed);
        }
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
