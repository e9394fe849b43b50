//! The realtime layer's HTTP entry point (hyper 1): the Engine.IO endpoint, `/healthz`, and
//! pluggable extra routes; everything else is 404.
//!
//! A request to the Engine.IO path is checked as the JS `engine.io` server does
//! ([`super::handshake`]) and admitted under the limits (`admission.rs`). A WebSocket is
//! then upgraded: hyper does the HTTP part, then [`super::connection::run`] takes the TCP stream
//! back from hyper and runs the session: tokio-tungstenite reads it, emits write to it directly.
//! HTTP long-polling requests (handshake, polls, POSTs, the upgrade of a polling session) go to
//! [`super::polling`]. Every refusal is counted in the service's [`ConnectionStats`].
//!
//! The per-address limit (`address_limit`), decided at accept for each TCP connection
//! (`Standing`): a direct peer claims a place for its TCP connection; one over its limit is
//! served as a probe connection that answers only the health checks (`/healthz` here, `/readyz`
//! through the extra routes) and refuses anything else with 429, one request and then
//! `Connection: close`, so a load balancer on a crowded address still sees the server alive. A
//! trusted proxy ([`super::trusted_proxy`]) claims nothing at accept: each WebSocket upgrade
//! claims its forwarded client's place, and one over the limit gets 429 (Socket.IO clients
//! treat any non-101 answer as a failed attempt and retry with backoff).
//!
//! Shutdown: when the `shutdown` future completes, the listener stops accepting, every live
//! connection is told to close (WebSocket close frame; idle HTTP keep-alive connections are shut
//! down gracefully), and `serve` waits up to `shutdown_grace` for them to finish (a
//! [`Shutdown`] whose in-flight tasks are the connections).

use super::admission::{Admission, SessionPermits, Standing};
use super::deflate::{Agreement, DeflateParams};
use super::handshake::{self, HandshakeError};
use super::polling::{self, Sessions};
use super::shutdown::Shutdown;
use super::stats::ConnectionStats;
use super::{EngineService, RealtimeConfig, SocketIo, connection};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// The most a request line plus headers may take: larger requests are refused (431/400) before
/// they cost more memory. Browsers send a few KiB.
pub const MAX_REQUEST_HEAD_BYTES: usize = 16 * 1024;

/// How long to wait before accepting again after `accept` failed (e.g. EMFILE).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The response type of every route.
pub type HttpResponse = Response<Full<Bytes>>;

/// Extra routes, boxed: return `Some(response)` to handle a request, `None` to fall through
/// (404). Checked after the Engine.IO path and `/healthz`.
type Routes = Box<dyn Fn(&Request<Incoming>) -> Option<HttpResponse> + Send + Sync>;

/// The readiness check a probe connection still passes to the extra routes (the application
/// owns readiness; `/healthz`, liveness, is answered here). The Kubernetes names, which Petri uses.
const READINESS_PATH: &str = "/readyz";

/// No extra routes.
pub fn no_routes(_: &Request<Incoming>) -> Option<HttpResponse> {
    None
}

/// Serves Socket.IO (and `extra_routes`) on `listener` until `shutdown` completes.
///
/// `extra_routes` returns `Some(response)` for the requests it handles (a web client at `/`,
/// `/api/...`, `/metrics`) and `None` otherwise (404). It must not block.
pub async fn serve<R>(
    listener: TcpListener,
    io: SocketIo,
    extra_routes: R,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    R: Fn(&Request<Incoming>) -> Option<HttpResponse> + Send + Sync + 'static,
{
    serve_engine(listener, Arc::new(io), extra_routes, shutdown).await
}

/// Like [`serve`], for any Engine.IO service (used by the conformance example's raw echo).
pub async fn serve_engine<R>(
    listener: TcpListener,
    service: Arc<dyn EngineService>,
    extra_routes: R,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    R: Fn(&Request<Incoming>) -> Option<HttpResponse> + Send + Sync + 'static,
{
    let grace = service.config().shutdown_grace;
    let cfg = service.config();
    let gateway = Arc::new(Gateway {
        admission: Admission::new(
            Arc::clone(service.stats()),
            cfg.max_connections,
            cfg.max_connections_per_address,
            cfg.trusted_proxies.clone(),
        ),
        sessions: Arc::default(),
        service,
        routes: Box::new(extra_routes),
        shutdown: Shutdown::new(),
    });
    gateway.accept_until(&listener, shutdown).await;
    drop(listener);
    let connections = gateway.shutdown.clone();
    connections.begin();
    drop(gateway);
    if tokio::time::timeout(grace, connections.drained())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period");
    }
    Ok(())
}

/// What every connection of one `serve` call shares: the service, the routes, the admission
/// limits, the long-polling sessions and the connections' shutdown signal.
pub(crate) struct Gateway {
    pub(crate) service: Arc<dyn EngineService>,
    routes: Routes,
    pub(crate) admission: Admission,
    /// The live long-polling sessions, by sid.
    pub(crate) sessions: Arc<Sessions>,
    /// Begins when `serve` stops accepting; every connection task is in flight on it.
    pub(crate) shutdown: Shutdown,
}

impl Gateway {
    pub(crate) fn config(&self) -> &RealtimeConfig {
        self.service.config()
    }

    pub(crate) fn stats(&self) -> &Arc<ConnectionStats> {
        self.service.stats()
    }

    /// Accepts connections until `stop` completes, each served on its own task.
    async fn accept_until(
        self: &Arc<Self>,
        listener: &TcpListener,
        stop: impl Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        loop {
            let (stream, peer) = tokio::select! {
                () = &mut stop => return,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // E.g. EMFILE: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                },
            };
            let Some(standing) = self.admission.standing(peer) else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(Arc::clone(self).serve_connection(stream, peer, standing));
        }
    }

    /// Serves HTTP/1 on one TCP connection until it ends or shutdown asks it to.
    async fn serve_connection(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        standing: Standing,
    ) {
        let _in_flight = self.shutdown.in_flight();
        let keep_alive = !matches!(standing, Standing::Probe { .. });
        let gateway = Arc::clone(&self);
        let service = service_fn(move |req: Request<Incoming>| {
            let (gateway, standing) = (Arc::clone(&gateway), standing.clone());
            async move { Ok::<_, Infallible>(gateway.route(req, peer, &standing).await) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            // a probe connection answers one request, then closes
            .keep_alive(keep_alive)
            .header_read_timeout(self.config().handshake_timeout)
            // no request Petri serves needs more; hyper's own default is ~400 KB
            .max_buf_size(MAX_REQUEST_HEAD_BYTES)
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        tokio::pin!(conn);
        let result = tokio::select! {
            r = conn.as_mut() => r,
            () = self.shutdown.begun() => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(%peer, error = %e, "http connection error");
        }
    }

    async fn route(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        standing: &Standing,
    ) -> HttpResponse {
        if let Standing::Probe { .. } = standing {
            return self.probe(&req);
        }
        let path = req.uri().path();
        let engine_path = &self.config().path;
        if path == engine_path || path == engine_path.trim_end_matches('/') {
            // the client: the peer itself, or whom a trusted proxy forwards
            let client = self
                .config()
                .trusted_proxies
                .client_address(peer, req.headers());
            return self.engine(req, client, standing).await;
        }
        if path == "/healthz" {
            return text(StatusCode::OK, "ok");
        }
        if let Some(resp) = (self.routes)(&req) {
            return resp;
        }
        text(StatusCode::NOT_FOUND, "not found")
    }

    /// A connection over its address's limit: `/healthz` and the readiness route answer,
    /// anything else is 429; every answer closes the connection.
    fn probe(&self, req: &Request<Incoming>) -> HttpResponse {
        let mut resp = match req.uri().path() {
            "/healthz" => text(StatusCode::OK, "ok"),
            READINESS_PATH => {
                (self.routes)(req).unwrap_or_else(|| text(StatusCode::NOT_FOUND, "not found"))
            }
            _ => too_many_from_this_address(),
        };
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        resp
    }

    /// The Engine.IO endpoint: check the request, then open a session (WebSocket or polling)
    /// or serve a polling session's request (a poll, a POST, the upgrade to WebSocket).
    async fn engine(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
        standing: &Standing,
    ) -> HttpResponse {
        if req.method() == Method::OPTIONS {
            return polling::cors::preflight(&req, self.config());
        }
        let (sid, websocket, accept) = match handshake::check(&req, self.config()) {
            Ok(checked) => (
                checked.sid.map(str::to_owned),
                checked.websocket,
                checked.accept,
            ),
            Err(error) => {
                tracing::debug!(%client, %error, "refused");
                self.stats().refuse(error.reason());
                return refusal(error);
            }
        };
        let origin = req.headers().get(header::ORIGIN).cloned();
        let resp = match (websocket, sid) {
            (true, None) => {
                let accept = accept.unwrap_or_default();
                return self.open_websocket(req, client, standing, &accept);
            }
            (true, Some(sid)) => return polling::upgrade(self, req, standing, &sid, accept),
            (false, None) => polling::open(self, client, standing),
            (false, Some(sid)) => polling::request(self, req, &sid).await,
        };
        polling::cors::allow(origin, resp)
    }

    /// A new WebSocket session: admit, then upgrade.
    fn open_websocket(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
        standing: &Standing,
        accept: &str,
    ) -> HttpResponse {
        let permits = match self.permits(standing, client) {
            Ok(permits) => permits,
            Err(refused) => return refused.response(),
        };
        let deflate = self.agree_deflate(&req);
        let params = deflate.as_ref().map(|a| a.params);
        self.spawn_session(req, client, permits, params);
        switching_protocols(accept, deflate.as_ref())
    }

    /// permessage-deflate for this upgrade, if compression is on and the client offers it
    /// (counted).
    pub(crate) fn agree_deflate(&self, req: &Request<Incoming>) -> Option<Agreement> {
        let offers = req.headers().get_all(header::SEC_WEBSOCKET_EXTENSIONS);
        let agreement = self
            .config()
            .compression
            .agree(offers.iter().filter_map(|v| v.to_str().ok()))?;
        self.stats().count_compressed();
        Some(agreement)
    }

    /// A new session's places under both limits, or the answer refusing it (429 over the
    /// per-address limit, 503 at `max_connections`; the refusal is counted).
    pub(crate) fn permits(
        &self,
        standing: &Standing,
        client: SocketAddr,
    ) -> Result<SessionPermits, OverLimit> {
        let address = self
            .admission
            .address_place(standing, client)
            .ok_or(OverLimit::PerAddress)?;
        self.admission.admit(address).ok_or(OverLimit::Total)
    }

    /// Completes the upgrade on a task of its own and runs the Engine.IO session there.
    fn spawn_session(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
        permits: SessionPermits,
        deflate: Option<DeflateParams>,
    ) {
        let service = self.service.clone();
        let shutdown = self.shutdown.clone();
        let in_flight = self.shutdown.in_flight();
        let handshake_timeout = self.config().handshake_timeout;
        tokio::spawn(async move {
            let _held = (permits, in_flight);
            let Some((socket, prefix)) = upgraded_socket(req, handshake_timeout).await else {
                return;
            };
            connection::run(socket, prefix, service, Some(client), shutdown, deflate).await;
        });
    }
}

/// Waits (at most `within`) for hyper to finish a WebSocket upgrade, and takes the TCP stream
/// back from it, with whatever hyper read past the upgrade request: emits write to the socket
/// directly (realtime::outbox).
pub(crate) async fn upgraded_socket(
    req: Request<Incoming>,
    within: Duration,
) -> Option<(TcpStream, Bytes)> {
    let upgraded = match tokio::time::timeout(within, hyper::upgrade::on(req)).await {
        Ok(Ok(u)) => u,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "websocket upgrade failed");
            return None;
        }
        Err(_) => {
            tracing::debug!("websocket upgrade timed out");
            return None;
        }
    };
    let Ok(parts) = upgraded.downcast::<TokioIo<TcpStream>>() else {
        tracing::error!("websocket upgrade is not over a TCP stream");
        return None;
    };
    Some((parts.io.into_inner(), parts.read_buf))
}

/// Why a new session was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OverLimit {
    /// Its client holds `max_connections_per_address` places (429).
    PerAddress,
    /// `max_connections` sessions are open (503).
    Total,
}

impl OverLimit {
    pub(crate) fn response(self) -> HttpResponse {
        match self {
            Self::PerAddress => too_many_from_this_address(),
            Self::Total => text(StatusCode::SERVICE_UNAVAILABLE, "too many connections"),
        }
    }
}

/// A response with a body.
pub fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> HttpResponse {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// A plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> HttpResponse {
    response(status, "text/plain; charset=utf-8", body)
}

/// The answer over the per-address limit (a probe connection's non-health request, or a
/// forwarded client's upgrade).
fn too_many_from_this_address() -> HttpResponse {
    text(
        StatusCode::TOO_MANY_REQUESTS,
        "too many connections from this address",
    )
}

/// The answer to a refused handshake: the Engine.IO JSON error, or 403 for an origin.
pub(crate) fn refusal(error: HandshakeError) -> HttpResponse {
    match error {
        HandshakeError::Engine(code) => {
            response(StatusCode::BAD_REQUEST, "application/json", code.to_json())
        }
        HandshakeError::OriginNotAllowed => text(StatusCode::FORBIDDEN, "origin not allowed"),
    }
}

/// The 101 answer; with `deflate`, it accepts permessage-deflate.
pub(crate) fn switching_protocols(accept: &str, deflate: Option<&Agreement>) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Some(Ok(v)) = deflate.map(|a| HeaderValue::from_str(&a.header)) {
        h.insert(header::SEC_WEBSOCKET_EXTENSIONS, v);
    }
    resp
}
