//! Petri's single HTTP entry point (hyper 1): the Engine.IO endpoint, `/healthz`, and pluggable
//! extra routes; everything else is 404.
//!
//! Only the WebSocket transport exists. A request to the Engine.IO path is checked in the same
//! order as the JS `engine.io` server, answering with its JSON error codes, and then upgraded:
//! hyper does the HTTP part, then [`crate::realtime::connection::run`] takes the TCP stream back
//! from hyper and runs the session: tokio-tungstenite reads it, emits write to it directly.
//!
//! Shutdown: when the `shutdown` future completes, the listener stops accepting, every live
//! connection is told to close (WebSocket close frame; idle HTTP keep-alive connections are shut
//! down gracefully), and `serve` waits up to `shutdown_grace` for them to finish.

use crate::realtime::connection;
use crate::realtime::{EngineService, RealtimeConfig, SocketIo};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use petri_shared::engineio::{HttpErrorCode, PROTOCOL_VERSION};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// The most a request line plus headers may take: larger requests are refused (431/400) before
/// they cost more memory. Browsers send a few KiB.
pub const MAX_REQUEST_HEAD_BYTES: usize = 16 * 1024;

/// The response type of every route.
pub type HttpResponse = Response<Full<Bytes>>;

/// Extra routes, boxed: return `Some(response)` to handle a request, `None` to fall through
/// (404). Checked after the Engine.IO path and `/healthz`.
type Routes = Box<dyn Fn(&Request<Incoming>) -> Option<HttpResponse> + Send + Sync>;

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
    let cfg = service.config().clone();
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    // Every connection task holds a clone of `drain_tx`; when all are dropped, `recv` returns.
    let (drain_tx, mut drain_rx) = mpsc::channel::<()>(1);
    let per_address = Arc::new(PerAddress::new(cfg.max_connections_per_address));
    let ctx = Arc::new(Ctx {
        service,
        routes: Box::new(extra_routes),
        active: Arc::new(AtomicUsize::new(0)),
        shutdown_rx: shutdown_rx.clone(),
        drain_tx,
    });
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // E.g. EMFILE: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // one address may hold only so many TCP connections at once
                let Some(address_slot) = per_address.claim(peer.ip()) else {
                    tracing::debug!(%peer, "refused: too many connections from this address");
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let ctx = ctx.clone();
                let mut shutdown_rx = shutdown_rx.clone();
                let drain = ctx.drain_tx.clone();
                tokio::spawn(async move {
                    let _drain = drain;
                    // shared with a WebSocket this connection upgrades to, which outlives it
                    let address_slot = Arc::new(address_slot);
                    let svc_ctx = ctx.clone();
                    let svc = service_fn(move |mut req: Request<Incoming>| {
                        let ctx = svc_ctx.clone();
                        req.extensions_mut().insert(Arc::clone(&address_slot));
                        async move { Ok::<_, Infallible>(ctx.handle(req, peer)) }
                    });
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(ctx.service.config().handshake_timeout)
                        // no request Petri serves needs more; hyper's own default is ~400 KB
                        .max_buf_size(MAX_REQUEST_HEAD_BYTES)
                        .serve_connection(TokioIo::new(stream), svc)
                        .with_upgrades();
                    tokio::pin!(conn);
                    let result = tokio::select! {
                        r = conn.as_mut() => r,
                        _ = shutdown_rx.changed() => {
                            conn.as_mut().graceful_shutdown();
                            conn.await
                        }
                    };
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "http connection error");
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = shutdown_tx.send(true);
    drop(ctx);
    if tokio::time::timeout(cfg.shutdown_grace, drain_rx.recv())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period");
    }
    drop(shutdown_tx);
    Ok(())
}

struct Ctx {
    service: Arc<dyn EngineService>,
    routes: Routes,
    active: Arc<AtomicUsize>,
    shutdown_rx: watch::Receiver<bool>,
    drain_tx: mpsc::Sender<()>,
}

/// Open TCP connections per client address, capped at `max_connections_per_address`.
struct PerAddress {
    limit: usize,
    open: parking_lot::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>,
}

impl PerAddress {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            open: parking_lot::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// A slot for one more connection from `address`, or `None` at the limit.
    fn claim(self: &Arc<Self>, address: std::net::IpAddr) -> Option<AddressSlot> {
        let mut open = self.open.lock();
        let count = open.entry(address).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            owner: Arc::clone(self),
            address,
        })
    }
}

/// Gives the address's slot back when its connection ends.
struct AddressSlot {
    owner: Arc<PerAddress>,
    address: std::net::IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.owner.open.lock();
        if let Some(count) = open.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// Frees a connection slot when the WebSocket task ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Ctx {
    fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let path = req.uri().path();
        let engine_path = &self.service.config().path;
        if path == engine_path || path == engine_path.trim_end_matches('/') {
            return self.engine(req, peer);
        }
        if path == "/healthz" {
            return text(StatusCode::OK, "ok");
        }
        if let Some(resp) = (self.routes)(&req) {
            return resp;
        }
        text(StatusCode::NOT_FOUND, "not found")
    }

    /// The Engine.IO endpoint, checks in the JS server's order: transport, sid, method,
    /// upgrade headers, protocol version.
    fn engine(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let query = Query::parse(req.uri().query().unwrap_or(""));
        if query.transport != Some("websocket") {
            return engine_error(HttpErrorCode::TransportUnknown);
        }
        if query.sid.is_some() {
            // Only long-polling sessions could be upgraded by sid; there are none.
            return engine_error(HttpErrorCode::UnknownSid);
        }
        if req.method() != Method::GET {
            return engine_error(HttpErrorCode::BadHandshakeMethod);
        }
        let headers = req.headers();
        // A browser always says where the page came from; only listed origins may connect
        // (no list: any). Non-browser clients send no Origin and are not affected.
        let allowed = &self.service.config().allowed_origins;
        if !allowed.is_empty()
            && let Some(origin) = headers.get(header::ORIGIN)
            && !allowed.iter().any(|a| origin.as_bytes() == a.as_bytes())
        {
            tracing::debug!(%peer, origin = ?origin, "refused: origin not allowed");
            return text(StatusCode::FORBIDDEN, "origin not allowed");
        }
        let is_upgrade = header_has(headers, header::CONNECTION, "upgrade")
            && header_has(headers, header::UPGRADE, "websocket");
        let key = headers
            .get(header::SEC_WEBSOCKET_KEY)
            .map(HeaderValue::as_bytes);
        let version_ok = headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v == "13");
        let Some(key) = key.filter(|_| is_upgrade && version_ok) else {
            return engine_error(HttpErrorCode::BadRequest);
        };
        if query.eio.and_then(|v| v.parse::<u32>().ok()) != Some(PROTOCOL_VERSION) {
            return engine_error(HttpErrorCode::UnsupportedProtocolVersion);
        }
        let cfg: &RealtimeConfig = self.service.config();
        if self.active.fetch_add(1, Ordering::AcqRel) >= cfg.max_connections {
            self.active.fetch_sub(1, Ordering::AcqRel);
            tracing::warn!(
                max = cfg.max_connections,
                "connection refused: max_connections reached"
            );
            return text(StatusCode::SERVICE_UNAVAILABLE, "too many connections");
        }
        let slot = Slot(self.active.clone());
        let address_slot = req.extensions().get::<Arc<AddressSlot>>().cloned();
        let accept = derive_accept_key(key);

        let service = self.service.clone();
        let shutdown_rx = self.shutdown_rx.clone();
        let drain = self.drain_tx.clone();
        let handshake_timeout = cfg.handshake_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let _address_slot = address_slot;
            let _drain = drain;
            let upgraded =
                match tokio::time::timeout(handshake_timeout, hyper::upgrade::on(req)).await {
                    Ok(Ok(u)) => u,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "websocket upgrade failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!("websocket upgrade timed out");
                        return;
                    }
                };
            // Emits write to the TCP socket directly (realtime::outbox), so take it back from
            // hyper, with whatever hyper read past the upgrade request.
            let parts = match upgraded.downcast::<TokioIo<TcpStream>>() {
                Ok(parts) => parts,
                Err(_) => {
                    tracing::error!("websocket upgrade is not over a TCP stream");
                    return;
                }
            };
            connection::run(
                parts.io.into_inner(),
                parts.read_buf,
                service,
                Some(peer),
                shutdown_rx,
            )
            .await;
        });

        let mut resp = Response::new(Full::new(Bytes::new()));
        *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = resp.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(v) = HeaderValue::from_str(&accept) {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        resp
    }
}

/// The query parameters Engine.IO looks at (values are plain ASCII tokens; no decoding needed).
#[derive(Default)]
struct Query<'a> {
    eio: Option<&'a str>,
    transport: Option<&'a str>,
    sid: Option<&'a str>,
}

impl<'a> Query<'a> {
    fn parse(q: &'a str) -> Self {
        let mut out = Self::default();
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "EIO" => out.eio = Some(v),
                "transport" => out.transport = Some(v),
                "sid" => out.sid = Some(v),
                _ => {}
            }
        }
        out
    }
}

fn header_has(h: &hyper::HeaderMap, name: header::HeaderName, token: &str) -> bool {
    h.get_all(name).iter().any(|v| {
        v.to_str()
            .map(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            .unwrap_or(false)
    })
}

/// A plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

fn engine_error(code: HttpErrorCode) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(code.to_json())));
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::Query;

    #[test]
    fn query_parsing() {
        let q = Query::parse("EIO=4&transport=websocket&t=abc&sid=x");
        assert_eq!(
            (q.eio, q.transport, q.sid),
            (Some("4"), Some("websocket"), Some("x"))
        );
        let q = Query::parse("");
        assert_eq!((q.eio, q.transport, q.sid), (None, None, None));
        let q = Query::parse("EIO&transport=&&=&x=1");
        assert_eq!((q.eio, q.transport), (Some(""), Some("")));
    }
}
