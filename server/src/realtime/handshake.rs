//! Checking a request to the Engine.IO path before it may become a WebSocket.
//!
//! The checks run in the JS `engine.io` server's order (transport, sid, method, origin, upgrade
//! headers, protocol version), and a failure names the JS server's error code, so clients and
//! the official test suites see the answers they expect. Pure functions of the request: the
//! HTTP side ([`super::http`]) turns a [`HandshakeError`] into a response and counts it.

use super::RealtimeConfig;
use super::stats::RefusalReason;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request};
use petri_shared::engineio::{HttpErrorCode, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Why a request to the Engine.IO path is not a WebSocket handshake Petri accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// Refused with the Engine.IO error `code` (HTTP 400).
    #[error("bad engine.io handshake: {0:?}")]
    Engine(HttpErrorCode),
    /// A browser page from an origin not in `allowed_origins` (HTTP 403).
    #[error("origin not allowed")]
    OriginNotAllowed,
}

impl HandshakeError {
    /// The refusal counter this error goes to.
    pub fn reason(self) -> RefusalReason {
        match self {
            Self::Engine(_) => RefusalReason::BadHandshake,
            Self::OriginNotAllowed => RefusalReason::Origin,
        }
    }
}

/// Checks `req` against `cfg`; on success, the `Sec-WebSocket-Accept` value to answer with.
pub fn check<B>(req: &Request<B>, cfg: &RealtimeConfig) -> Result<String, HandshakeError> {
    use HttpErrorCode::*;
    let query = Query::parse(req.uri().query().unwrap_or(""));
    if query.transport != Some("websocket") {
        return Err(HandshakeError::Engine(TransportUnknown));
    }
    if query.sid.is_some() {
        // Only long-polling sessions could be upgraded by sid; there are none.
        return Err(HandshakeError::Engine(UnknownSid));
    }
    if req.method() != Method::GET {
        return Err(HandshakeError::Engine(BadHandshakeMethod));
    }
    let headers = req.headers();
    if !origin_allowed(headers, &cfg.allowed_origins) {
        return Err(HandshakeError::OriginNotAllowed);
    }
    let is_upgrade = header_has(headers, header::CONNECTION, "upgrade")
        && header_has(headers, header::UPGRADE, "websocket");
    let version_ok = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v == "13");
    let Some(key) = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|_| is_upgrade && version_ok)
    else {
        return Err(HandshakeError::Engine(BadRequest));
    };
    if query.eio.and_then(|v| v.parse::<u32>().ok()) != Some(PROTOCOL_VERSION) {
        return Err(HandshakeError::Engine(UnsupportedProtocolVersion));
    }
    Ok(derive_accept_key(key.as_bytes()))
}

/// A browser always says where the page came from; only listed origins may connect (no list:
/// any). Non-browser clients send no `Origin` and are not affected.
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    match headers.get(header::ORIGIN) {
        Some(origin) if !allowed.is_empty() => {
            allowed.iter().any(|a| origin.as_bytes() == a.as_bytes())
        }
        _ => true,
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

fn header_has(h: &HeaderMap, name: HeaderName, token: &str) -> bool {
    h.get_all(name).iter().any(|v: &HeaderValue| {
        v.to_str()
            .map(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn request(uri: &str, origin: Option<&str>) -> Request<()> {
        let mut b = Request::get(uri)
            .header(header::CONNECTION, "keep-alive, Upgrade")
            .header(header::UPGRADE, "websocket")
            .header(header::SEC_WEBSOCKET_VERSION, "13")
            .header(header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(()).expect("request")
    }

    #[test]
    fn checks_run_in_the_js_servers_order() {
        let cfg = RealtimeConfig {
            allowed_origins: vec!["https://petri.example".into()],
            ..RealtimeConfig::default()
        };
        let ok = "/socket.io/?EIO=4&transport=websocket";
        assert_eq!(
            check(&request(ok, None), &cfg).as_deref(),
            Ok("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        );
        assert_eq!(
            check(&request(ok, Some("https://petri.example")), &cfg).map(|_| ()),
            Ok(())
        );
        assert_eq!(
            check(&request(ok, Some("https://evil.example")), &cfg),
            Err(HandshakeError::OriginNotAllowed)
        );
        assert_eq!(
            check(&request("/socket.io/?EIO=3&transport=polling", None), &cfg),
            Err(HandshakeError::Engine(HttpErrorCode::TransportUnknown)),
            "transport is checked before the version"
        );
        assert_eq!(
            check(
                &request("/socket.io/?EIO=3&transport=websocket", None),
                &cfg
            ),
            Err(HandshakeError::Engine(
                HttpErrorCode::UnsupportedProtocolVersion
            ))
        );
        assert_eq!(
            HandshakeError::OriginNotAllowed.reason(),
            RefusalReason::Origin
        );
    }
}
