//! The HTTP requests of long-polling: the handshake GET that opens a session, GETs that poll,
//! POSTs that send, and the WebSocket request that upgrades a session. Each answers as the JS
//! `engine.io` server does (status and body), so the official clients and test suites see what
//! they expect.
//!
//! Limits: a session is admitted under `max_connections` and the per-address limit like a
//! WebSocket ([`super::super::admission`]); a POST body over `max_payload` is refused with 413
//! (by its `Content-Length`, or while it is read) and must arrive within `handshake_timeout`;
//! one POST and one GET at a time per session (a second concurrent one closes the session, as
//! the protocol says: it means two clients share a sid, or a broken client).

use super::super::DisconnectReason;
use super::super::admission::Standing;
use super::super::connection::Connection;
use super::super::engine::{EngineConn, new_id};
use super::super::handshake::HandshakeError;
use super::super::http::{self, Gateway, HttpResponse, refusal, response};
use super::super::outbox::{Outbox, RawSink};
use super::buffer::{Closing, PollBuffer, PollRefused};
use super::link::PollLink;
use super::sessions::{Inbound, PollSession, UpgradeOffer};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::{Body, Incoming};
use hyper::{Method, Request, StatusCode};
use petri_shared::engineio::HttpErrorCode;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The content type of every polling payload (text: binary travels as base64).
const PAYLOAD_TYPE: &str = "text/plain; charset=UTF-8";

/// A handshake GET: admits and opens a session, answers with its open packet.
pub(crate) fn open(gw: &Gateway, client: SocketAddr, standing: &Standing) -> HttpResponse {
    let permits = match gw.permits(standing, client) {
        Ok(permits) => permits,
        Err(refused) => return refused.response(),
    };
    let cfg = gw.config();
    let buffer = Arc::new(PollBuffer::default());
    let sink: Arc<dyn RawSink> = buffer.clone();
    let outbox = Arc::new(Outbox::new(sink, cfg.send_queue_depth));
    let conn = EngineConn::new(new_id(), Some(client), outbox.clone());
    let (session, inbox) = PollSession::new(buffer.clone(), conn.clone());
    let link = PollLink::new(session.clone(), inbox, gw.sessions.clone(), permits, cfg);
    let Some(connection) = Connection::polling(link, outbox, conn, gw.service.as_ref()) else {
        return http::text(
            StatusCode::SERVICE_UNAVAILABLE,
            "could not open the session",
        );
    };
    gw.sessions.insert(session);
    let shutdown = gw.shutdown.clone();
    let in_flight = gw.shutdown.in_flight();
    tokio::spawn(async move {
        let _in_flight = in_flight;
        connection.drive(&shutdown).await;
    });
    response(StatusCode::OK, PAYLOAD_TYPE, buffer.take_now())
}

/// A GET or POST naming session `sid`.
pub(crate) async fn request(gw: &Gateway, req: Request<Incoming>, sid: &str) -> HttpResponse {
    let Some(session) = gw.sessions.get(sid) else {
        return engine_error(HttpErrorCode::UnknownSid);
    };
    match *req.method() {
        Method::GET => poll(&session).await,
        Method::POST => post(gw, &session, req).await,
        _ => engine_error(HttpErrorCode::BadRequest),
    }
}

/// A poll: waits for what the session has to send.
async fn poll(session: &PollSession) -> HttpResponse {
    match session.buffer.poll().await {
        Ok(body) => response(StatusCode::OK, PAYLOAD_TYPE, body),
        Err(PollRefused::Gone) => engine_error(HttpErrorCode::UnknownSid),
        Err(PollRefused::Overlap) => {
            close_session(
                session,
                DisconnectReason::TransportError("overlapping polls".into()),
            );
            engine_error(HttpErrorCode::BadRequest)
        }
    }
}

/// A POST: its body goes to the session's task, and the answer says whether it was taken.
async fn post(gw: &Gateway, session: &PollSession, req: Request<Incoming>) -> HttpResponse {
    let Some(_slot) = session.begin_post() else {
        close_session(
            session,
            DisconnectReason::TransportError("overlapping posts".into()),
        );
        return engine_error(HttpErrorCode::BadRequest);
    };
    let cfg = gw.config();
    let limit = cfg.max_payload;
    let too_large = || {
        close_session(
            session,
            DisconnectReason::Oversized(format!("POST body over {limit} bytes")),
        );
        http::text(StatusCode::PAYLOAD_TOO_LARGE, "payload too large")
    };
    if req.body().size_hint().lower() > limit as u64 {
        return too_large();
    }
    let read = Limited::new(req.into_body(), limit).collect();
    let body = match tokio::time::timeout(cfg.handshake_timeout, read).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Ok(Err(e)) => {
            tracing::debug!(sid = session.conn.sid(), error = %e, "POST body not read");
            return engine_error(HttpErrorCode::BadRequest);
        }
        Err(_) => {
            close_session(
                session,
                DisconnectReason::TransportError("POST body too slow".into()),
            );
            return http::text(StatusCode::REQUEST_TIMEOUT, "request timeout");
        }
    };
    let (done, answer) = oneshot::channel();
    if !session.hand(Inbound::Post { body, done }) {
        return engine_error(HttpErrorCode::UnknownSid);
    }
    match answer.await {
        Ok(Ok(())) => http::text(StatusCode::OK, "ok"),
        _ => engine_error(HttpErrorCode::BadRequest),
    }
}

/// A WebSocket naming session `sid`: accepted (101) and handed to the session's task, which
/// probes it and completes the upgrade. One upgrade per session; after it, the sid is gone.
pub(crate) fn upgrade(
    gw: &Gateway,
    req: Request<Incoming>,
    standing: &Standing,
    sid: &str,
    accept: Option<String>,
) -> HttpResponse {
    let refuse = |code| {
        gw.stats().refuse(HandshakeError::Engine(code).reason());
        engine_error(code)
    };
    let Some(session) = gw.sessions.get(sid) else {
        return refuse(HttpErrorCode::UnknownSid);
    };
    // the session exists: now the request must be a real WebSocket upgrade
    let Some(accept) = accept else {
        return refuse(HttpErrorCode::BadRequest);
    };
    let within = gw.config().handshake_timeout;
    let in_flight = gw.shutdown.in_flight();
    if !session.claim_upgrade() {
        tokio::spawn(async move {
            let _in_flight = in_flight;
            if let Some((socket, _)) = http::upgraded_socket(req, within).await {
                close_at_once(&socket);
            }
        });
        return http::switching_protocols(&accept, None);
    }
    let place = match standing {
        Standing::Counted(place) => Some(Arc::clone(place)),
        Standing::Proxy | Standing::Probe { .. } => None,
    };
    let deflate = gw.agree_deflate(&req);
    let params = deflate.as_ref().map(|a| a.params);
    tokio::spawn(async move {
        let _in_flight = in_flight;
        let Some((socket, prefix)) = http::upgraded_socket(req, within).await else {
            session.release_upgrade();
            return;
        };
        let offer = UpgradeOffer {
            socket,
            prefix,
            place,
            deflate: params,
        };
        // a session gone meanwhile drops the socket, which closes it
        let _ = session.hand(Inbound::Upgrade(offer));
    });
    http::switching_protocols(&accept, deflate.as_ref())
}

/// Closes a WebSocket that may not join its session (one already upgraded or upgrading): a
/// close frame (1008, policy), then the TCP connection (dropped by the caller).
fn close_at_once(socket: &tokio::net::TcpStream) {
    const CLOSE_POLICY: [u8; 4] = [0x88, 0x02, 0x03, 0xf0];
    let _ = socket.try_write(&CLOSE_POLICY);
}

/// Closes the session for a request's fault: the poll buffer is closed at once (a waiting GET
/// gets `1`, any later request 400), before the answer to the faulty request goes out; the
/// session's task then ends it.
fn close_session(session: &PollSession, reason: DisconnectReason) {
    session.buffer.finish(Closing::Close, false);
    session.conn.close(reason);
}

/// The JS server's JSON error answer (HTTP 400).
fn engine_error(code: HttpErrorCode) -> HttpResponse {
    refusal(HandshakeError::Engine(code))
}
