//! The byte stream tungstenite reads WebSocket frames from.
//!
//! The connection's TCP socket is shared: the connection task reads through this stream, while
//! every emitting thread writes through the connection's [`Outbox`]. What tungstenite itself
//! writes (the pong to a WebSocket ping, the close handshake) is handed to that same outbox, so
//! all bytes leave in one order from one place.

use super::outbox::Outbox;
use bytes::Bytes;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Reads from the shared socket; writes go to the outbox.
pub struct Transport {
    socket: Arc<TcpStream>,
    outbox: Arc<Outbox>,
}

impl Transport {
    /// A transport reading from `socket` and writing through `outbox`.
    pub fn new(socket: Arc<TcpStream>, outbox: Arc<Outbox>) -> Self {
        Self { socket, outbox }
    }

    /// From now on, what tungstenite writes goes through `outbox` (a long-polling session's,
    /// once its upgrade completes; before, the probe's own).
    pub fn set_outbox(&mut self, outbox: Arc<Outbox>) {
        self.outbox = outbox;
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.socket.poll_read_ready(cx))?;
            match this.socket.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Transport {
    /// Takes the whole buffer: tungstenite writes whole frames, and the outbox keeps them whole.
    /// A full backlog is an error (`BacklogFull` inside), which ends the connection.
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(
            self.outbox
                .send_control(Bytes::copy_from_slice(buf))
                .map(|()| buf.len())
                .map_err(io::Error::other),
        )
    }

    /// The outbox flushes on its own (see `Outbox::run_writer`).
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
