//! Checking a request to the Engine.IO path before it may open or reach a session.
//!
//! The checks run in the JS `engine.io` server's order (transport, method, origin, upgrade
//! headers, protocol version; whether a `sid` names a live session is the caller's to check), and a failure names the JS server's error code, so clients and
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

/// A request to the Engine.IO path that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked<'q> {
    /// The session it names (`sid`): a poll, a POST, or a WebSocket upgrading a polling
    /// session. `None`: a new session.
    pub sid: Option<&'q str>,
    /// Whether the request is for the WebSocket transport.
    pub websocket: bool,
    /// For a well-formed WebSocket upgrade, the `Sec-WebSocket-Accept` value to answer with
    /// (always there for a new WebSocket session; for one naming a session, whether the session
    /// exists is checked first, as the JS server does).
    pub accept: Option<String>,
}

/// Checks `req` against `cfg`.
pub fn check<'q, B>(
    req: &'q Request<B>,
    cfg: &RealtimeConfig,
) -> Result<Checked<'q>, HandshakeError> {
    use HttpErrorCode::*;
    let query = Query::parse(req.uri().query().unwrap_or(""));
    let websocket = match query.transport {
        Some("websocket") => true,
        Some("polling") => false,
        _ => return Err(HandshakeError::Engine(TransportUnknown)),
    };
    if query.sid.is_none() && req.method() != Method::GET {
        return Err(HandshakeError::Engine(BadHandshakeMethod));
    }
    let headers = req.headers();
    if !origin_allowed(headers, &cfg.allowed_origins) {
        return Err(HandshakeError::OriginNotAllowed);
    }
    let accept = websocket.then(|| websocket_accept(req)).flatten();
    if websocket && accept.is_none() && query.sid.is_none() {
        return Err(HandshakeError::Engine(BadRequest));
    }
    // A session's later requests are not checked for the version again (as the JS server).
    if query.sid.is_none()
        && query.eio.and_then(|v| v.parse::<u32>().ok()) != Some(PROTOCOL_VERSION)
    {
        return Err(HandshakeError::Engine(UnsupportedProtocolVersion));
    }
    Ok(Checked {
        sid: query.sid,
        websocket,
        accept,
    })
}

/// The `Sec-WebSocket-Accept` answer to a well-formed WebSocket upgrade request.
fn websocket_accept<B>(req: &Request<B>) -> Option<String> {
    let headers = req.headers();
    let is_upgrade = req.method() == Method::GET
        && header_has(headers, header::CONNECTION, "upgrade")
        && header_has(headers, header::UPGRADE, "websocket");
    let version_ok = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v == "13");
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|_| is_upgrade && version_ok)?;
    Some(derive_accept_key(key.as_bytes()))
}

/// A browser always says where the page came from; only listed origins may connect (no list:
/// any). Non-browser clients send no `Origin` and are not affected.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
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
            check(&request(ok, None), &cfg).map(|c| c.accept),
            Ok(Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".to_owned()))
        );
        assert_eq!(
            check(
                &request("/socket.io/?EIO=4&transport=polling&sid=x", None),
                &cfg
            ),
            Ok(Checked {
                sid: Some("x"),
                websocket: false,
                accept: None
            })
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
            check(&request("/socket.io/?EIO=3&transport=flash", None), &cfg),
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
