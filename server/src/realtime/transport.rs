//! The byte stream tungstenite reads WebSocket frames from.
//!
//! The connection's TCP socket is shared: the connection task reads through this stream, while
//! every emitting thread writes through the connection's [`Outbox`]. What tungstenite itself
//! writes (the pong to a WebSocket ping, the close handshake) is handed to that same outbox, so
//! all bytes leave in one order from one place.
//!
//! On a connection that negotiated permessage-deflate, what is read passes through the
//! connection's [`Inflater`] first, which hands tungstenite compressed messages as plain frames
//! (the reasons are in [`super::deflate`]'s inflate module); other connections read straight
//! from the socket, as before.

use super::deflate::{InflateError, Inflater};
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
    /// The read filter of a connection that negotiated permessage-deflate.
    inflater: Option<Box<Inflater>>,
    /// The filter refused the stream: every later read fails the same way.
    failed: Option<InflateError>,
}

impl Transport {
    /// A transport reading from `socket` and writing through `outbox`.
    pub fn new(socket: Arc<TcpStream>, outbox: Arc<Outbox>) -> Self {
        Self {
            socket,
            outbox,
            inflater: None,
            failed: None,
        }
    }

    /// Reads through `inflater` (the connection negotiated permessage-deflate). `prefix` is what
    /// the HTTP layer read past the upgrade request; the bytes for tungstenite's own prefix are
    /// returned (with a filter, it sees them through the filter instead).
    pub fn with_inflater(mut self, inflater: Option<Inflater>, prefix: &[u8]) -> (Self, Vec<u8>) {
        let Some(mut inflater) = inflater else {
            return (self, prefix.to_vec());
        };
        if let Err(e) = inflater.feed(prefix) {
            self.failed = Some(e);
        }
        self.inflater = Some(Box::new(inflater));
        (self, Vec::new())
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
        if this.inflater.is_some() {
            return this.poll_read_inflating(cx, buf);
        }
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

impl Transport {
    /// A read through the filter: its output first; else socket bytes, fed to it.
    fn poll_read_inflating(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if let Some(e) = &self.failed {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, e.clone())));
            }
            let Some(inflater) = self.inflater.as_deref_mut() else {
                return Poll::Ready(Ok(()));
            };
            if inflater.has_output() {
                match inflater.read_into(buf.initialize_unfilled()) {
                    Ok(n) => {
                        buf.advance(n);
                        return Poll::Ready(Ok(()));
                    }
                    Err(e) => {
                        self.failed = Some(e);
                        continue;
                    }
                }
            }
            ready!(self.socket.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match self.socket.try_read(unfilled) {
                // end of stream
                Ok(0) => return Poll::Ready(Ok(())),
                Ok(n) => {
                    if let Err(e) = inflater.feed(&unfilled[..n]) {
                        self.failed = Some(e);
                    }
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
