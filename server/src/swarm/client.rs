//! A minimal Socket.IO v5 client over one WebSocket: what a swarm bot needs and no more (one
//! namespace per connection, events and acks, binary attachments, answering pings). It speaks
//! to Petri exactly as a browser does, with the packet codecs from `petri_shared`.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use petri_shared::engineio::{self, PacketType};
use petri_shared::socketio::{self, PacketKind};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

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
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
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
    /// Opens the connection and joins `namespace` with `auth`.
    pub async fn connect(
        base_url: &str,
        namespace: &str,
        auth: Option<Value>,
        wait: Duration,
    ) -> Result<Self, ClientError> {
        let url = websocket_url(base_url);
        let (ws, _) = tokio::time::timeout(wait, tokio_tungstenite::connect_async(url.as_str()))
            .await
            .map_err(|_| ClientError::Timeout("the WebSocket handshake"))?
            .map_err(|source| ClientError::Connect {
                url: url.clone(),
                source,
            })?;
        let mut client = Self {
            ws,
            namespace: namespace.to_owned(),
            next_ack: 0,
            bytes_received: 0,
        };
        // Engine.IO open
        match client.next_text(wait).await? {
            t if t.starts_with('0') => {}
            other => {
                return Err(ClientError::Protocol(format!(
                    "expected the open packet, got {other:?}"
                )));
            }
        }
        // Socket.IO CONNECT, answered by CONNECT or CONNECT_ERROR
        let mut connect = String::from("4");
        socketio::write_header(&mut connect, PacketKind::Connect, 0, namespace, None);
        if let Some(auth) = auth {
            connect.push_str(&auth.to_string());
        }
        client.ws.send(Message::text(connect)).await?;
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

    /// Reads frames until a text one arrives (answering pings on the way).
    async fn next_text(&mut self, wait: Duration) -> Result<String, ClientError> {
        loop {
            let message = tokio::time::timeout(wait, self.ws.next())
                .await
                .map_err(|_| ClientError::Timeout("the server"))?
                .ok_or(ClientError::Closed)??;
            self.bytes_received += message.len() as u64;
            match message {
                Message::Text(text) => {
                    if text.as_str() == "2" {
                        self.ws
                            .send(Message::text(engineio::encode_text(PacketType::Pong, "")))
                            .await?;
                        continue;
                    }
                    return Ok(text.as_str().to_owned());
                }
                Message::Close(_) => return Err(ClientError::Closed),
                _ => continue,
            }
        }
    }

    /// Sends an event with JSON arguments.
    pub async fn emit(&mut self, event: &str, args: &[Value]) -> Result<(), ClientError> {
        let packet = format!(
            "4{}",
            socketio::encode_event(&self.namespace, event, args, None, 0)
        );
        self.ws.send(Message::text(packet)).await?;
        Ok(())
    }

    /// Sends an event asking for an ack; the answer arrives as `Incoming::Ack` with this id.
    pub async fn emit_with_ack(&mut self, event: &str, args: &[Value]) -> Result<u64, ClientError> {
        let id = self.next_ack;
        self.next_ack += 1;
        let packet = format!(
            "4{}",
            socketio::encode_event(&self.namespace, event, args, Some(id), 0)
        );
        self.ws.send(Message::text(packet)).await?;
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
            let message = self.ws.next().await.ok_or(ClientError::Closed)??;
            self.bytes_received += message.len() as u64;
            let text = match message {
                Message::Text(text) => text,
                Message::Close(_) => return Err(ClientError::Closed),
                _ => continue,
            };
            let text = text.as_str();
            match text.as_bytes().first() {
                Some(b'2') => {
                    self.ws
                        .send(Message::text(engineio::encode_text(PacketType::Pong, "")))
                        .await?;
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
                let message = self.ws.next().await.ok_or(ClientError::Closed)??;
                self.bytes_received += message.len() as u64;
                match message {
                    Message::Binary(bytes) => attachments.push(bytes),
                    Message::Close(_) => return Err(ClientError::Closed),
                    Message::Text(t) if t.as_str() == "2" => {
                        self.ws
                            .send(Message::text(engineio::encode_text(PacketType::Pong, "")))
                            .await?;
                    }
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

    /// Sends one WebSocket text frame exactly as given (tests of what hostile clients send).
    pub async fn emit_raw(&mut self, frame: &str) -> Result<(), ClientError> {
        self.ws.send(Message::text(frame.to_owned())).await?;
        Ok(())
    }

    /// Sends one WebSocket binary frame exactly as given.
    pub async fn emit_binary_raw(&mut self, frame: Vec<u8>) -> Result<(), ClientError> {
        self.ws.send(Message::binary(frame)).await?;
        Ok(())
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
        let _ = self.ws.send(Message::text(packet)).await;
        let _ = self.ws.close(None).await;
    }
}
