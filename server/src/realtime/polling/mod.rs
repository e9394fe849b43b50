//! Engine.IO v4 HTTP long-polling, and the upgrade from it to WebSocket, so that every
//! Socket.IO client with default options connects (they start on polling and upgrade).
//!
//! Design: the polling transport is a *sink behind the outbox*, not a second outbox. A
//! session's [`Outbox`](super::outbox::Outbox) writes its WebSocket frames, made once per packet
//! for every receiver, into a [`buffer::PollBuffer`] instead of a TCP socket; the buffer is a
//! [`RawSink`](super::outbox::RawSink) with a bounded "send buffer", and a GET takes what it
//! holds and lays the frames' payloads out as a polling payload. So the WebSocket hot path (the
//! game's per-socket emits and broadcasts) costs exactly what it did: same outbox, same
//! `dyn RawSink` call, no extra lock, allocation or branch per emit. Only a polling receiver pays
//! for polling: one copy into its buffer per emit, and per GET the framing into a payload
//! (base64 for binary). Backpressure, corking and the slow-consumer policy are the outbox's,
//! unchanged: a full buffer is a full socket.
//!
//! The upgrade (`link`) exploits the same fact: what the buffer holds when `5` arrives is
//! already WebSocket frames, so it is put first in the outbox's backlog as the sink becomes the
//! WebSocket's socket, under the outbox's lock: in order, nothing lost or sent twice.
//!
//! Files: [`payload`] (poll answers from WebSocket frames; the payload codec itself is
//! `petri_shared::polling`), [`buffer`] (the sink and the session's phase as HTTP sees
//! it), `sessions` (sids to sessions, the inbox to a session's task), `link` (the task's
//! polling side and the upgrade), `requests` (the HTTP requests), `cors`.

pub mod buffer;
pub(crate) mod cors;
pub(crate) mod link;
pub mod payload;
pub(crate) mod requests;
pub(crate) mod sessions;

pub(crate) use requests::{open, request, upgrade};
pub(crate) use sessions::Sessions;
