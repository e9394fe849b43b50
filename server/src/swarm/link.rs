//! The Engine.IO link under the swarm's Socket.IO client: a WebSocket, or long-polling
//! ([`super::polling`]). The client sees whole packets either way.

use super::client::ClientError;
use super::polling::{Frame, PollingLink};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How a swarm client reaches the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// One WebSocket per client (what the web client uses when it can).
    #[default]
    Websocket,
    /// Engine.IO HTTP long-polling the whole time (a network that blocks WebSocket).
    Polling,
}

/// One client's link.
pub enum Link {
    WebSocket(Box<WebSocketStream<MaybeTlsStream<TcpStream>>>),
    Polling(PollingLink),
}

impl Link {
    /// Opens a link to `base` (`http://host:port`); also returns the open packet's text.
    pub async fn open(
        base: &str,
        transport: Transport,
        wait: Duration,
    ) -> Result<(Self, String), ClientError> {
        let opening = async {
            match transport {
                Transport::Websocket => {
                    let url = super::client::websocket_url(base);
                    let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
                        .await
                        .map_err(|source| ClientError::Connect { url, source })?;
                    let mut link = Self::WebSocket(Box::new(ws));
                    let open = match link.next().await? {
                        Frame::Text(text) => text,
                        Frame::Binary(_) => {
                            return Err(ClientError::Protocol("a binary open packet".into()));
                        }
                    };
                    Ok((link, open))
                }
                Transport::Polling => {
                    let (link, open) = PollingLink::open(base).await?;
                    Ok((Self::Polling(link), open))
                }
            }
        };
        tokio::time::timeout(wait, opening)
            .await
            .map_err(|_| ClientError::Timeout("the Engine.IO handshake"))?
    }

    /// Sends one text packet.
    pub async fn send_text(&mut self, text: String) -> Result<(), ClientError> {
        match self {
            Self::WebSocket(ws) => Ok(ws.send(Message::text(text)).await?),
            Self::Polling(p) => p
                .send(Frame::Text(text))
                .await
                .then_some(())
                .ok_or(ClientError::Closed),
        }
    }

    /// Sends one binary message.
    pub async fn send_binary(&mut self, data: Vec<u8>) -> Result<(), ClientError> {
        match self {
            Self::WebSocket(ws) => Ok(ws.send(Message::binary(data)).await?),
            Self::Polling(p) => p
                .send(Frame::Binary(data.into()))
                .await
                .then_some(())
                .ok_or(ClientError::Closed),
        }
    }

    /// The next packet (WebSocket control frames are passed by).
    pub async fn next(&mut self) -> Result<Frame, ClientError> {
        match self {
            Self::WebSocket(ws) => loop {
                match ws.next().await.ok_or(ClientError::Closed)?? {
                    Message::Text(text) => return Ok(Frame::Text(text.as_str().to_owned())),
                    Message::Binary(data) => return Ok(Frame::Binary(data)),
                    Message::Close(_) => return Err(ClientError::Closed),
                    _ => continue,
                }
            },
            Self::Polling(p) => p.next().await.ok_or(ClientError::Closed),
        }
    }

    /// Closes the link (an Engine.IO close packet on polling, the close handshake on WebSocket).
    pub async fn close(&mut self) {
        match self {
            Self::WebSocket(ws) => {
                let _ = ws.as_mut().close(None).await;
            }
            Self::Polling(p) => {
                let _ = p.send(Frame::Text("1".into())).await;
            }
        }
    }
}
