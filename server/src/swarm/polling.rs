//! The swarm's Engine.IO long-polling transport: what `petri swarm --transport polling` plays
//! over, as a browser whose WebSocket is blocked does.
//!
//! Two HTTP/1.1 keep-alive connections (`http1.rs`), one for GETs and one for POSTs, each
//! driven by a task of its own, so a poll that waits never holds a send back, and the client
//! reads incoming packets from a channel (cancel-safe: a bot that `select!`s over `next()` loses
//! nothing). Both channels are bounded: a bot that stops reading stops polling, and the server's
//! slow-consumer policy takes over, as it would for a WebSocket.

use super::http1::{HttpConn, HttpError};
use bytes::Bytes;
use petri_shared::polling::{self, Packet};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Packets waiting for the bot to read them.
const INCOMING: usize = 1024;
/// Packets waiting to be POSTed; a POST carries all that are waiting, up to [`POST_BATCH`].
const OUTGOING: usize = 256;
const POST_BATCH: usize = 64;

/// One packet as the Engine.IO layer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Bytes),
}

/// Why the polling transport could not open.
#[derive(Debug, thiserror::Error)]
pub enum PollingError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("only http:// URLs can be polled by the swarm: {0}")]
    Url(String),
    #[error("the handshake was refused: {0}")]
    Refused(String),
}

/// An open long-polling session.
pub struct PollingLink {
    outgoing: mpsc::Sender<Frame>,
    incoming: mpsc::Receiver<Frame>,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for PollingLink {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl PollingLink {
    /// Opens a session at `base` (`http://host:port`); also returns the open packet's text.
    pub async fn open(base: &str) -> Result<(Self, String), PollingError> {
        let host = base
            .trim_end_matches('/')
            .strip_prefix("http://")
            .ok_or_else(|| PollingError::Url(base.to_owned()))?
            .to_owned();
        let mut polls = HttpConn::connect(&host).await?;
        let (status, body) = polls
            .request("GET", "/socket.io/?EIO=4&transport=polling", b"")
            .await?;
        let open = String::from_utf8_lossy(&body).into_owned();
        let sid = open
            .strip_prefix('0')
            .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
            .and_then(|v| v["sid"].as_str().map(str::to_owned))
            .filter(|_| status == 200)
            .ok_or_else(|| PollingError::Refused(format!("{status} {open}")))?;
        let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
        let posts = HttpConn::connect(&host).await?;
        let (in_tx, incoming) = mpsc::channel(INCOMING);
        let (outgoing, out_rx) = mpsc::channel(OUTGOING);
        let tasks = [
            tokio::spawn(poll_loop(polls, path.clone(), in_tx)),
            tokio::spawn(post_loop(posts, path, out_rx)),
        ];
        Ok((
            Self {
                outgoing,
                incoming,
                tasks,
            },
            open,
        ))
    }

    /// Queues a packet for the next POST; `false` once the session is gone.
    pub async fn send(&self, frame: Frame) -> bool {
        self.outgoing.send(frame).await.is_ok()
    }

    /// The next packet; `None` once the session is gone.
    pub async fn next(&mut self) -> Option<Frame> {
        self.incoming.recv().await
    }
}

/// GETs until the session ends, handing each packet to the bot.
async fn poll_loop(mut conn: HttpConn, path: String, incoming: mpsc::Sender<Frame>) {
    loop {
        let body = match conn.request("GET", &path, b"").await {
            Ok((200, body)) => body,
            Ok((status, _)) => return tracing::debug!(status, "poll refused: session over"),
            Err(e) => return tracing::debug!(error = %e, "poll failed"),
        };
        for packet in polling::decode(&body) {
            let frame = match packet {
                Ok(Packet::Text(text)) => Frame::Text(text.to_owned()),
                Ok(Packet::Binary(data)) => Frame::Binary(Bytes::from(data)),
                Err(e) => return tracing::debug!(error = %e, "malformed poll answer"),
            };
            let closing = frame == Frame::Text("1".into());
            if incoming.send(frame).await.is_err() || closing {
                return;
            }
        }
    }
}

/// POSTs what the bot sends, batching what waits.
async fn post_loop(mut conn: HttpConn, path: String, mut outgoing: mpsc::Receiver<Frame>) {
    let mut body = Vec::new();
    while let Some(first) = outgoing.recv().await {
        body.clear();
        push(&mut body, &first);
        for _ in 1..POST_BATCH {
            match outgoing.try_recv() {
                Ok(frame) => push(&mut body, &frame),
                Err(_) => break,
            }
        }
        match conn.request("POST", &path, &body).await {
            Ok((200, _)) => {}
            Ok((status, _)) => return tracing::debug!(status, "POST refused: session over"),
            Err(e) => return tracing::debug!(error = %e, "POST failed"),
        }
    }
}

fn push(body: &mut Vec<u8>, frame: &Frame) {
    match frame {
        Frame::Text(text) => polling::push_text(body, text.as_bytes()),
        Frame::Binary(data) => polling::push_binary(body, data),
    }
}
