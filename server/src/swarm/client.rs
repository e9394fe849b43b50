//! A minimal Socket.IO v5 client over one Engine.IO connection (a WebSocket, or long-polling:
//! [`super::link`]): what a swarm bot needs and no more (one namespace per connection, events
//! and acks, binary attachments, answering pings). It speaks to Petri exactly as a browser
//! does, with the packet codecs from `petri_shared`.

use std::time::Duration;

use bytes::Bytes;
use petri_shared::engineio::{self, PacketType};
use petri_shared::socketio::{self, PacketKind};
use serde_json::Value;

use super::link::{Link, Transport};
use super::polling::{Frame, PollingError};

/// Attachments one incoming packet may announce.
const MAX_ATTACHMENTS: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("could not connect to {url}: {source}")]
    Connect {
        url: String,
        source: tokio_tungstenite::tungstenite::Error,
    },
    #[error("the WebSocket failed: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("long-polling failed: {0}")]
    Polling(#[from] PollingError),
    #[error("the server refused namespace {namespace}: {message}")]
    Refused { namespace: String, message: String },
    #[error("the server broke the protocol: {0}")]
    Protocol(String),
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    #[error("the connection closed")]
    Closed,
}

/// Something the server sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Event {
        name: String,
        args: Vec<Value>,
        attachments: Vec<Bytes>,
    },
    Ack {
        id: u64,
        args: Vec<Value>,
    },
    /// The server disconnected us from the namespace.
    Disconnected,
}

pub struct SocketIoClient {
    link: Link,
    namespace: String,
    next_ack: u64,
    /// Bytes received (all frames), for bandwidth figures.
    pub bytes_received: u64,
}

/// `http://host:port` -> `ws://host:port/socket.io/?EIO=4&transport=websocket`.
pub fn websocket_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{ws}/socket.io/?EIO=4&transport=websocket")
}

impl SocketIoClient {
    /// Opens a WebSocket connection and joins `namespace` with `auth`.
    pub async fn connect(
        base_url: &str,
        namespace: &str,
        auth: Option<Value>,
        wait: Duration,
    ) -> Result<Self, ClientError> {
        Self::connect_via(base_url, Transport::Websocket, namespace, auth, wait).await
    }

    /// Opens a connection over `transport` and joins `namespace` with `auth`.
    pub async fn connect_via(
        base_url: &str,
        transport: Transport,
        namespace: &str,
        auth: Option<Value>,
        wait: Duration,
    ) -> Result<Self, ClientError> {
        let (link, open) = Link::open(base_url, transport, wait).await?;
        if !open.starts_with('0') {
            return Err(ClientError::Protocol(format!(
                "expected the open packet, got {open:?}"
            )));
        }
        let mut client = Self {
            link,
            namespace: namespace.to_owned(),
            next_ack: 0,
            bytes_received: open.len() as u64,
        };
        // Socket.IO CONNECT, answered by CONNECT or CONNECT_ERROR
        let mut connect = String::from("4");
        socketio::write_header(&mut connect, PacketKind::Connect, 0, namespace, None);
        if let Some(auth) = auth {
            connect.push_str(&auth.to_string());
        }
        client.link.send_text(connect).await?;
        loop {
            let text = client.next_text(wait).await?;
            let Some(body) = text.strip_prefix('4') else {
                continue;
            };
            let packet = socketio::decode(body, MAX_ATTACHMENTS)
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
            if packet.nsp != namespace {
                continue;
            }
            return match packet.kind {
                PacketKind::Connect => Ok(client),
                PacketKind::ConnectError => Err(ClientError::Refused {
                    namespace: namespace.to_owned(),
                    message: packet
                        .data
                        .as_ref()
                        .and_then(|d| d.get("message"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                }),
                _ => Err(ClientError::Protocol(format!(
                    "unexpected packet while connecting: {text:?}"
                ))),
            };
        }
    }

    /// Reads packets until a text one arrives (answering pings on the way).
    async fn next_text(&mut self, wait: Duration) -> Result<String, ClientError> {
        loop {
            let frame = tokio::time::timeout(wait, self.next_frame())
                .await
                .map_err(|_| ClientError::Timeout("the server"))??;
            match frame {
                Frame::Text(text) if text == "2" => self.pong().await?,
                Frame::Text(text) => return Ok(text),
                Frame::Binary(_) => continue,
            }
        }
    }

    /// The next packet, counted.
    async fn next_frame(&mut self) -> Result<Frame, ClientError> {
        let frame = self.link.next().await?;
        self.bytes_received += match &frame {
            Frame::Text(t) => t.len(),
            Frame::Binary(b) => b.len(),
        } as u64;
        Ok(frame)
    }

    async fn pong(&mut self) -> Result<(), ClientError> {
        self.link
            .send_text(engineio::encode_text(PacketType::Pong, ""))
            .await
    }

    /// Sends an event with JSON arguments.
    pub async fn emit(&mut self, event: &str, args: &[Value]) -> Result<(), ClientError> {
        let packet = format!(
            "4{}",
            socketio::encode_event(&self.namespace, event, args, None, 0)
        );
        self.link.send_text(packet).await
    }

    /// Sends an event asking for an ack; the answer arrives as `Incoming::Ack` with this id.
    pub async fn emit_with_ack(&mut self, event: &str, args: &[Value]) -> Result<u64, ClientError> {
        let id = self.next_ack;
        self.next_ack += 1;
        let packet = format!(
            "4{}",
            socketio::encode_event(&self.namespace, event, args, Some(id), 0)
        );
        self.link.send_text(packet).await?;
        Ok(id)
    }

    /// Emits and waits (bounded) for the ack, passing other traffic by.
    pub async fn call(
        &mut self,
        event: &str,
        args: &[Value],
        wait: Duration,
    ) -> Result<Vec<Value>, ClientError> {
        let id = self.emit_with_ack(event, args).await?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.next()).await {
                Err(_) => return Err(ClientError::Timeout("an ack")),
                Ok(Ok(Incoming::Ack { id: got, args })) if got == id => return Ok(args),
                Ok(Ok(Incoming::Disconnected)) => return Err(ClientError::Closed),
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => return Err(e),
            }
        }
    }

    /// The next event or ack (pings are answered here).
    pub async fn next(&mut self) -> Result<Incoming, ClientError> {
        loop {
            let text = match self.next_frame().await? {
                Frame::Text(text) => text,
                Frame::Binary(_) => continue,
            };
            match text.as_bytes().first() {
                Some(b'2') => {
                    self.pong().await?;
                    continue;
                }
                Some(b'1') => return Err(ClientError::Closed),
                Some(b'4') => {}
                _ => continue,
            }
            let packet = socketio::decode(&text[1..], MAX_ATTACHMENTS)
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
            if packet.nsp != self.namespace {
                continue;
            }
            let mut attachments = Vec::with_capacity(packet.attachments);
            while attachments.len() < packet.attachments {
                match self.next_frame().await? {
                    Frame::Binary(bytes) => attachments.push(bytes),
                    Frame::Text(t) if t == "2" => self.pong().await?,
                    other => {
                        return Err(ClientError::Protocol(format!(
                            "expected an attachment, got {other:?}"
                        )));
                    }
                }
            }
            let list = match packet.data {
                Some(Value::Array(list)) => list,
                Some(other) => vec![other],
                None => Vec::new(),
            };
            return match packet.kind {
                PacketKind::Event | PacketKind::BinaryEvent => {
                    let mut list = list.into_iter();
                    let name = list
                        .next()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    Ok(Incoming::Event {
                        name,
                        args: list.collect(),
                        attachments,
                    })
                }
                PacketKind::Ack | PacketKind::BinaryAck => Ok(Incoming::Ack {
                    id: packet.id.unwrap_or(u64::MAX),
                    args: list,
                }),
                PacketKind::Disconnect => Ok(Incoming::Disconnected),
                _ => continue,
            };
        }
    }

    /// Sends one Engine.IO text packet exactly as given (tests of what hostile clients send).
    pub async fn emit_raw(&mut self, frame: &str) -> Result<(), ClientError> {
        self.link.send_text(frame.to_owned()).await
    }

    /// Sends one binary message exactly as given.
    pub async fn emit_binary_raw(&mut self, frame: Vec<u8>) -> Result<(), ClientError> {
        self.link.send_binary(frame).await
    }

    /// Leaves politely: a Socket.IO DISCONNECT, then the WebSocket close.
    pub async fn close(mut self) {
        let mut packet = String::from("4");
        socketio::write_header(
            &mut packet,
            PacketKind::Disconnect,
            0,
            &self.namespace,
            None,
        );
        let _ = self.link.send_text(packet).await;
        self.link.close().await;
    }
}
