//! CORS for long-polling, driven by `allowed_origins`: a browser page on another origin polls
//! with XHR/fetch, which the browser lets it read only if the answer names its origin, and which
//! it preflights (OPTIONS) when the request is not "simple" (`withCredentials`, extra headers).
//!
//! The origin itself is checked where every Engine.IO request is ([`super::super::handshake`]):
//! an origin not in a non-empty `allowed_origins` is refused with 403, preflight included. An
//! allowed origin is echoed (never `*`), with credentials allowed, so clients that send cookies
//! (`withCredentials: true`) work too; `Vary: Origin` keeps caches honest. WebSocket needs none of
//! this (browsers do not apply CORS to it).

use super::super::RealtimeConfig;
use super::super::handshake::origin_allowed;
use super::super::http::{HttpResponse, text};
use hyper::header::{self, HeaderValue};
use hyper::{Request, StatusCode};

/// How long a browser may cache a preflight's answer: a day (browsers cap it lower anyway).
const PREFLIGHT_MAX_AGE: &str = "86400";

/// The answer to a preflight (OPTIONS) on the Engine.IO path.
pub(crate) fn preflight<B>(req: &Request<B>, cfg: &RealtimeConfig) -> HttpResponse {
    let headers = req.headers();
    if !origin_allowed(headers, &cfg.allowed_origins) {
        return text(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let mut resp = allow(
        headers.get(header::ORIGIN).cloned(),
        text(StatusCode::NO_CONTENT, ""),
    );
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    let asked = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("content-type"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    resp
}

/// Lets the page at `origin` (already checked) read `resp`.
pub(crate) fn allow(origin: Option<HeaderValue>, mut resp: HttpResponse) -> HttpResponse {
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    resp
}
