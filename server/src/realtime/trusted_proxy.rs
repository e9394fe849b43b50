//! Who the client is when a reverse proxy sits in front: the trusted-proxy rule.
//!
//! Behind nginx every TCP connection comes from the proxy, so the per-address limit would count
//! the whole server as one address (256 players in all). A proxy that the operator lists in
//! `trusted_proxies` says who its client is in `X-Forwarded-For` or RFC 7239 `Forwarded`; from
//! anyone else those headers are ignored, since any client can write them. The address found
//! here is what the per-address limit counts, what logs show and what `Socket::peer_addr` gives.
//!
//! Which header: `X-Forwarded-For` when present, else `Forwarded`. nginx appends to
//! `X-Forwarded-For` (`$proxy_add_x_forwarded_for`) and passes a client's own `Forwarded`
//! through untouched, so preferring `Forwarded` would let any client behind nginx choose its
//! address. Lists are walked from the right (the entry the nearest proxy wrote), skipping
//! entries that are trusted proxies themselves; the first untrusted one is the client, so what
//! a client prepends is never believed. A header that cannot be read (not ASCII, an entry that
//! is no address, `for=unknown`, an obfuscated node) gives the proxy's own address: wrong for
//! the limit (it lumps such clients together) but never a panic and never a spoofable answer.
//!
//! Costs: the list is a few ranges checked linearly, once per TCP accept and once per request
//! from a trusted proxy (no allocation for `X-Forwarded-For`; `Forwarded` splits into a small
//! `Vec` per request). Nothing here runs per packet.

use super::ip_range::{InvalidIpRange, IpRange};
use hyper::header::{FORWARDED, HeaderMap, HeaderName};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The de-facto header nginx, HAProxy and cloud balancers set (not in `http`'s constants).
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The proxies whose forwarding headers are believed (`RealtimeConfig::trusted_proxies`).
/// Empty (the default): no one's are, every peer is its own client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    /// Trusts the proxies in `ranges`.
    pub fn new(ranges: Vec<IpRange>) -> Self {
        Self(ranges)
    }

    /// Parses every entry; the first invalid one is the error (it names the entry).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, InvalidIpRange> {
        entries
            .iter()
            .map(|e| e.as_ref().parse())
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// The ranges, as configured.
    pub fn ranges(&self) -> &[IpRange] {
        &self.0
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }

    /// The client behind `peer`: from the forwarding headers when `peer` is a trusted proxy,
    /// else `peer` itself. A forwarded address without a port gets port 0 (unknown).
    pub fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.contains(peer.ip()) {
            return peer;
        }
        let forwarded = if headers.contains_key(X_FORWARDED_FOR) {
            self.client_in_x_forwarded_for(headers)
        } else if headers.contains_key(FORWARDED) {
            self.client_in_forwarded(headers)
        } else {
            // a trusted proxy that says nothing is its own client (e.g. its health checks)
            return peer;
        };
        forwarded.unwrap_or(peer)
    }

    /// `X-Forwarded-For: client, proxy1, proxy2` (several header lines are one list).
    fn client_in_x_forwarded_for(&self, headers: &HeaderMap) -> Option<SocketAddr> {
        let mut leftmost = None;
        for value in headers.get_all(X_FORWARDED_FOR).iter().rev() {
            for entry in value.to_str().ok()?.rsplit(',') {
                let node = parse_node(entry.trim())?;
                if !self.contains(node.ip()) {
                    return Some(node);
                }
                leftmost = Some(node);
            }
        }
        // every hop is a trusted proxy: the first of them is the client
        leftmost
    }

    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1` (several lines are one list).
    fn client_in_forwarded(&self, headers: &HeaderMap) -> Option<SocketAddr> {
        let mut leftmost = None;
        for value in headers.get_all(FORWARDED).iter().rev() {
            let value = value.to_str().ok()?;
            for element in split_outside_quotes(value, ',').into_iter().rev() {
                let node = forwarded_for(element)?;
                if !self.contains(node.ip()) {
                    return Some(node);
                }
                leftmost = Some(node);
            }
        }
        leftmost
    }
}

/// The `for=` of one `Forwarded` element (`for=1.2.3.4;proto=http;by=...`).
fn forwarded_for(element: &str) -> Option<SocketAddr> {
    split_outside_quotes(element, ';')
        .into_iter()
        .find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("for")
                .then_some(value.trim())
        })
        .and_then(|value| {
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            parse_node(unquoted)
        })
}

/// Splits on `separator` where it is not inside a quoted string (RFC 7230 quoted-string).
fn split_outside_quotes(s: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// One hop: `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]`, `[::1]:80`. An obfuscated port (`_x`,
/// RFC 7239 6.3) reads as 0; `unknown` and obfuscated nodes are no address.
fn parse_node(node: &str) -> Option<SocketAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let ip: Ipv6Addr = ip.parse().ok()?;
        let port = match after {
            "" => 0,
            _ => parse_port(after.strip_prefix(':')?)?,
        };
        return Some(SocketAddr::new(IpAddr::V6(ip), port));
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, 0));
    }
    let (ip, port) = node.split_once(':')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    Some(SocketAddr::new(IpAddr::V4(ip), parse_port(port)?))
}

fn parse_port(port: &str) -> Option<u16> {
    if port.starts_with('_') {
        return Some(0);
    }
    port.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(entries).expect("valid entries")
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("socket address")
    }

    const PROXY: &str = "127.0.0.1:40000";

    #[test]
    fn an_invalid_entry_is_an_error_naming_it() {
        for bad in [
            "",
            "localhost",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.300",
            "10.0.0.0/x",
        ] {
            let error = TrustedProxies::parse(&["127.0.0.1", bad]).expect_err(bad);
            assert_eq!(error.entry, bad);
            assert!(error.to_string().contains(&format!("{bad:?}")), "{error}");
        }
    }

    #[test]
    fn x_forwarded_for_is_walked_from_the_right() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let client =
            |h: &[(&'static str, &'static str)]| p.client_address(addr(PROXY), &headers(h));
        let xff = "x-forwarded-for";
        assert_eq!(client(&[(xff, "203.0.113.7")]), addr("203.0.113.7:0"));
        // what the client wrote itself (left) is not believed past the first untrusted hop
        assert_eq!(
            client(&[(xff, "6.6.6.6, 203.0.113.7, 10.1.1.1")]),
            addr("203.0.113.7:0")
        );
        // several lines are one list, the last line is the nearest hop
        assert_eq!(
            client(&[(xff, "6.6.6.6"), (xff, "198.51.100.1:5000, 10.0.0.2")]),
            addr("198.51.100.1:5000")
        );
        assert_eq!(
            client(&[(xff, "[2001:db8::5]:443")]),
            addr("[2001:db8::5]:443")
        );
        assert_eq!(client(&[(xff, "2001:db8::5")]), addr("[2001:db8::5]:0"));
        assert_eq!(
            client(&[(xff, "10.0.0.3, 10.0.0.4")]),
            addr("10.0.0.3:0"),
            "all trusted"
        );
        // X-Forwarded-For wins over Forwarded
        assert_eq!(
            client(&[(xff, "203.0.113.7"), ("forwarded", "for=6.6.6.6")]),
            addr("203.0.113.7:0")
        );
    }

    #[test]
    fn forwarded_for_handles_quotes_ipv6_and_ports() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let client = |v: &'static str| p.client_address(addr(PROXY), &headers(&[("forwarded", v)]));
        assert_eq!(
            client("for=192.0.2.60;proto=http;by=203.0.113.43"),
            addr("192.0.2.60:0")
        );
        assert_eq!(
            client(r#"for="[2001:db8:cafe::17]:4711""#),
            addr("[2001:db8:cafe::17]:4711")
        );
        assert_eq!(client(r#"For="[::1]:80""#), addr("[::1]:80"));
        assert_eq!(
            client(r#"for="192.0.2.43:47011""#),
            addr("192.0.2.43:47011")
        );
        assert_eq!(
            client(r#"for="[2001:db8::1]:_hidden""#),
            addr("[2001:db8::1]:0")
        );
        assert_eq!(
            client(r#"for=6.6.6.6, for=198.51.100.17;proto="a,b;c", for=10.0.0.1"#),
            addr("198.51.100.17:0")
        );
    }

    #[test]
    fn unreadable_headers_fall_back_to_the_peer() {
        let p = proxies(&["127.0.0.1"]);
        let peer = addr(PROXY);
        let cases: &[(&'static str, &'static str)] = &[
            ("x-forwarded-for", ""),
            ("x-forwarded-for", "not an address"),
            ("x-forwarded-for", "1.2.3.4, garbage"),
            ("x-forwarded-for", "1.2.3.4:99999"),
            ("x-forwarded-for", "[::1"),
            ("x-forwarded-for", "[::1]x"),
            ("forwarded", "for=unknown"),
            ("forwarded", "for=_hidden"),
            ("forwarded", "proto=https"),
            ("forwarded", r#"for="[::1]:80"#),
            ("forwarded", "for"),
            ("forwarded", ""),
        ];
        for (name, value) in cases {
            assert_eq!(
                p.client_address(peer, &headers(&[(*name, *value)])),
                peer,
                "{value}"
            );
        }
        let mut opaque = HeaderMap::new();
        opaque.insert(
            X_FORWARDED_FOR,
            HeaderValue::from_bytes(b"\xff1.2.3.4").expect("opaque"),
        );
        assert_eq!(p.client_address(peer, &opaque), peer, "not ASCII");
        assert_eq!(p.client_address(peer, &HeaderMap::new()), peer, "no header");
    }

    #[test]
    fn an_untrusted_peer_is_its_own_client() {
        let p = proxies(&["10.0.0.1"]);
        let peer = addr("127.0.0.1:5000");
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=1.2.3.4")]);
        assert_eq!(p.client_address(peer, &h), peer);
        assert_eq!(TrustedProxies::default().client_address(peer, &h), peer);
        let mapped = addr("[::ffff:10.0.0.1]:80");
        assert_eq!(
            p.client_address(mapped, &h),
            addr("1.2.3.4:0"),
            "IPv4-mapped peer"
        );
    }
}
