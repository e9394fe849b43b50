//! Petri's HTTP routes beside Socket.IO: the web client at `/`, the room list at `/api/rooms`,
//! the replays to watch at `/api/replays` (docs/REPLAYS.md),
//! `/metrics` for Prometheus and `/readyz` for load balancers (`/healthz` is the realtime
//! layer's own: the process answers).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::CACHE_CONTROL;
use hyper::{Method, Request, StatusCode};

use crate::metrics::Metrics;
use crate::realtime::http::{HttpResponse, response as respond};
use crate::realtime::{Shutdown, SocketIo};
use crate::rooms::{MAIN_ROOM, Placement};
use crate::watch::Library;
use crate::web::{self, WebRoot};

/// What the routes read.
pub struct RouteState {
    pub lobby: Arc<Placement>,
    pub metrics: Arc<Metrics>,
    pub io: SocketIo,
    pub web_root: WebRoot,
    /// Begins when shutdown does: `/readyz` then says not ready, so balancers drain us.
    pub shutdown: Shutdown,
    /// The replays this server offers to watch, if any (`GET /api/replays`).
    pub replays: Option<Arc<Library>>,
}

impl RouteState {
    pub fn route(&self, request: &Request<Incoming>) -> Option<HttpResponse> {
        if request.method() != Method::GET {
            return None;
        }
        match request.uri().path() {
            "/metrics" => {
                // WebSockets, not namespace sockets: a browser has one and joins two namespaces
                let open = self.io.stats().open();
                self.metrics
                    .connections
                    .set(i64::try_from(open).unwrap_or(i64::MAX));
                Some(respond(
                    StatusCode::OK,
                    "text/plain; version=0.0.4; charset=utf-8",
                    self.metrics.render(),
                ))
            }
            "/readyz" => {
                let ready =
                    !self.shutdown.is_begun() && self.lobby.lobby().get(MAIN_ROOM).is_some();
                Some(if ready {
                    respond(StatusCode::OK, "text/plain", "ready\n")
                } else {
                    respond(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "not ready\n")
                })
            }
            "/api/rooms" => {
                let body = serde_json::to_vec(&self.lobby.list_public()).unwrap_or_default();
                Some(respond(StatusCode::OK, "application/json", body))
            }
            "/api/replays" => {
                let listed = self.replays.as_ref().map(|l| l.list()).unwrap_or_default();
                let body = serde_json::to_vec(listed.as_slice()).unwrap_or_default();
                Some(respond(StatusCode::OK, "application/json", body))
            }
            path => web::lookup(&self.web_root, path).map(|asset| {
                let mut response =
                    respond(StatusCode::OK, asset.content_type, asset.body.into_owned());
                response.headers_mut().insert(
                    CACHE_CONTROL,
                    hyper::header::HeaderValue::from_static("no-cache"),
                );
                response
            }),
        }
    }
}
