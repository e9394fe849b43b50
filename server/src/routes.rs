//! Petri's HTTP routes beside Socket.IO: the web client at `/`, the room list at `/api/rooms`,
//! `/metrics` for Prometheus and `/readyz` for load balancers (`/healthz` is the realtime
//! layer's own: the process answers).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use crate::http::HttpResponse;
use crate::metrics::Metrics;
use crate::realtime::SocketIo;
use crate::rooms::{Lobby, MAIN_ROOM};
use crate::web::{self, WebRoot};

/// What the routes read.
pub struct RouteState {
    pub lobby: Arc<Lobby>,
    pub metrics: Arc<Metrics>,
    pub io: SocketIo,
    pub web_root: WebRoot,
    /// Set when shutdown begins: `/readyz` then says not ready, so balancers drain us.
    pub stopping: Arc<AtomicBool>,
}

fn respond(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

impl RouteState {
    pub fn route(&self, request: &Request<Incoming>) -> Option<HttpResponse> {
        if request.method() != Method::GET {
            return None;
        }
        match request.uri().path() {
            "/metrics" => {
                let open: usize = crate::rooms::NAMESPACES
                    .iter()
                    .filter_map(|ns| self.io.of(ns))
                    .map(|ns| ns.len())
                    .sum();
                self.metrics.connections.set(open as i64);
                Some(respond(
                    StatusCode::OK,
                    "text/plain; version=0.0.4; charset=utf-8",
                    self.metrics.render(),
                ))
            }
            "/readyz" => {
                let ready =
                    !self.stopping.load(Ordering::Relaxed) && self.lobby.get(MAIN_ROOM).is_some();
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
