//! The permessage-deflate handshake (RFC 7692 §5, §7.1): read the client's offers in
//! `Sec-WebSocket-Extensions`, accept the first one we can honour, and answer with the
//! parameters both sides then use.
//!
//! What we answer is chosen for memory, not ratio (see [`super`] for the figures): the server's
//! LZ77 window is `window_bits` (we always say so with `server_max_window_bits`, which the RFC
//! allows even unasked), and when the client lets us (`client_max_window_bits` in its offer,
//! which Chromium and Node's `ws` send) its window is limited the same way, so our inflater's
//! window is small too. An offer we cannot honour (an unknown or repeated parameter, a bad value,
//! `server_max_window_bits=8`, which zlib cannot produce for raw deflate) is declined and the
//! next one tried; declining all of them simply means no compression.

use std::fmt::Write as _;

/// Smallest LZ77 window zlib produces for raw deflate (it turns 8 into 9).
const MIN_WINDOW_BITS: u8 = 9;
/// The largest window RFC 7692 allows (32 KiB), used for a client we cannot limit.
pub const MAX_WINDOW_BITS: u8 = 15;

/// What both sides agreed on for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    /// log2 of the window our compressor uses.
    pub server_window_bits: u8,
    /// log2 of the window the client's compressor uses (15 unless the client let us limit it).
    pub client_window_bits: u8,
    /// Our compressor starts afresh for every message (the client asked for it).
    pub server_no_context_takeover: bool,
}

impl DeflateParams {
    /// The `Sec-WebSocket-Extensions` value of the 101 answer; `client_bits` is the client's
    /// window limit we answer, when its offer let us set one.
    fn response_header(&self, client_bits: Option<u8>) -> String {
        let mut value = format!(
            "permessage-deflate; server_max_window_bits={}",
            self.server_window_bits
        );
        if self.server_no_context_takeover {
            value.push_str("; server_no_context_takeover");
        }
        if let Some(bits) = client_bits {
            let _ = write!(value, "; client_max_window_bits={bits}");
        }
        value
    }
}

/// The outcome of a successful negotiation: the parameters and the header that says them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub params: DeflateParams,
    pub header: String,
}

/// Picks the first acceptable permessage-deflate offer among `headers` (each a
/// `Sec-WebSocket-Extensions` value; offers are comma-separated, in the client's order of
/// preference). `window_bits` is our choice for both windows (9..=15).
pub fn negotiate<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    window_bits: u8,
) -> Option<Agreement> {
    let ours = window_bits.clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS);
    headers
        .into_iter()
        .flat_map(|h| h.split(','))
        .find_map(|offer| accept(offer, ours))
}

/// One offer, accepted or not.
fn accept(offer: &str, ours: u8) -> Option<Agreement> {
    let mut parts = offer.split(';').map(str::trim);
    if !parts.next()?.eq_ignore_ascii_case("permessage-deflate") {
        return None;
    }
    let mut seen = Vec::with_capacity(4);
    let mut server_bits = ours;
    let mut client_bits = None;
    let mut server_no_context_takeover = false;
    for part in parts {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (part, None),
        };
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return None; // RFC 7692 §7: a repeated parameter invalidates the offer
        }
        match (name.as_str(), value) {
            ("server_no_context_takeover", None) => server_no_context_takeover = true,
            ("client_no_context_takeover", None) => {}
            ("server_max_window_bits", Some(v)) => server_bits = server_bits.min(bits(v)?),
            ("client_max_window_bits", None) => client_bits = Some(ours),
            ("client_max_window_bits", Some(v)) => client_bits = Some(ours.min(bits(v)?)),
            _ => return None,
        }
        seen.push(name);
    }
    if server_bits < MIN_WINDOW_BITS {
        return None;
    }
    let params = DeflateParams {
        server_window_bits: server_bits,
        // a client limiting itself to 8 is answered 8; our inflater takes 9, which decodes an
        // 8-bit stream too
        client_window_bits: client_bits.unwrap_or(MAX_WINDOW_BITS).max(MIN_WINDOW_BITS),
        server_no_context_takeover,
    };
    let header = params.response_header(client_bits);
    Some(Agreement { params, header })
}

/// A window-bits value: a decimal from 8 to 15 without leading zeros (RFC 7692 §7.1.2).
fn bits(v: &str) -> Option<u8> {
    if v.starts_with('0') {
        return None;
    }
    v.parse::<u8>().ok().filter(|b| (8..=15).contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(offer: &str) -> Option<Agreement> {
        negotiate([offer], 10)
    }

    #[test]
    fn chromium_and_node_ws_offers_get_small_windows_on_both_sides() {
        let a = agree("permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(
            a.header,
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits=10"
        );
        assert_eq!(a.params.client_window_bits, 10);
        assert!(!a.params.server_no_context_takeover);
    }

    #[test]
    fn a_client_that_does_not_let_us_limit_its_window_is_inflated_with_32_kib() {
        let a = agree("permessage-deflate").unwrap();
        assert_eq!(a.header, "permessage-deflate; server_max_window_bits=10");
        assert_eq!(a.params.client_window_bits, 15);
    }

    #[test]
    fn the_clients_limits_and_context_takeover_wishes_are_honoured() {
        let a = agree(
            "permessage-deflate; server_max_window_bits=9; server_no_context_takeover; \
             client_max_window_bits=12; client_no_context_takeover",
        )
        .unwrap();
        assert_eq!(a.params.server_window_bits, 9);
        assert!(a.params.server_no_context_takeover);
        assert_eq!(a.params.client_window_bits, 10);
        let b = agree("permessage-deflate; client_max_window_bits=8").unwrap();
        assert!(
            b.header.ends_with("client_max_window_bits=8"),
            "{}",
            b.header
        );
        assert_eq!(b.params.client_window_bits, 9);
    }

    #[test]
    fn invalid_offers_are_declined_and_the_next_one_is_tried() {
        for bad in [
            "permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; x_unknown",
            "x-webkit-deflate-frame",
            "",
        ] {
            assert_eq!(agree(bad), None, "{bad}");
        }
        let a = negotiate(
            ["permessage-deflate; x_unknown, permessage-deflate; client_max_window_bits=11"],
            10,
        )
        .unwrap();
        assert_eq!(a.params.client_window_bits, 10);
    }
}
