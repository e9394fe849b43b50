//! An address or CIDR range, as `trusted_proxies` lists them ([`super::trusted_proxy`]).
//!
//! Parsed here rather than with a crate (ipnet) because Petri needs only "does this range
//! hold that address", a dozen lines over `u32`/`u128` masks. IPv4-mapped IPv6 addresses
//! (`::ffff:10.0.0.1`, what a dual-stack listener reports for an IPv4 peer) match IPv4 ranges.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IP address (`10.0.0.1`, `::1`) or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
///
/// Host bits under the prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`), as `ip route` does. An
/// IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) is stored as the IPv4 range it maps, so both
/// spellings match the same peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

/// A `trusted_proxies` entry that is neither an address nor a CIDR range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid trusted proxy {entry:?}: {why}")]
pub struct InvalidIpRange {
    /// The entry as written.
    pub entry: String,
    why: &'static str,
}

impl IpRange {
    /// Whether `ip` lies in this range (an IPv4-mapped IPv6 `ip` counts as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => mask_v4(ip, self.prefix) == net,
            (IpAddr::V6(net), IpAddr::V6(ip)) => mask_v6(ip, self.prefix) == net,
            _ => false,
        }
    }
}

fn mask_v4(ip: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let bits = u32::from(ip);
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Ipv4Addr::from(bits & mask)
}

fn mask_v6(ip: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let bits = u128::from(ip);
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    Ipv6Addr::from(bits & mask)
}

impl FromStr for IpRange {
    type Err = InvalidIpRange;

    fn from_str(entry: &str) -> Result<Self, Self::Err> {
        let invalid = |why| InvalidIpRange {
            entry: entry.to_owned(),
            why,
        };
        let (address, prefix) = match entry.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (entry.trim(), None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| invalid("not an IPv4 or IPv6 address"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| invalid("the prefix length is not a number in range"))?,
        };
        Ok(match address {
            IpAddr::V4(v4) => Self {
                network: IpAddr::V4(mask_v4(v4, prefix)),
                prefix,
            },
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) if prefix >= 96 => Self {
                    network: IpAddr::V4(mask_v4(v4, prefix - 96)),
                    prefix: prefix - 96,
                },
                _ => Self {
                    network: IpAddr::V6(mask_v6(v6, prefix)),
                    prefix,
                },
            },
        })
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = if self.network.is_ipv4() { 32 } else { 128 };
        if self.prefix == full {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_match_and_print() {
        let ranges: Vec<IpRange> = [
            "127.0.0.1",
            "10.0.0.0/8",
            "fd00::/8",
            "::ffff:192.168.0.0/112",
        ]
        .iter()
        .map(|e| e.parse().expect("valid"))
        .collect();
        let contains = |ip: &str| ranges.iter().any(|r| r.contains(ip.parse().expect("ip")));
        for ip in [
            "127.0.0.1",
            "10.200.3.4",
            "fd12::1",
            "::ffff:10.0.0.9",
            "192.168.7.7",
        ] {
            assert!(contains(ip), "{ip}");
        }
        for ip in ["127.0.0.2", "11.0.0.1", "fe80::1", "::1", "::ffff:11.0.0.1"] {
            assert!(!contains(ip), "{ip}");
        }
        let printed: Vec<String> = ranges.iter().map(ToString::to_string).collect();
        assert_eq!(
            printed,
            ["127.0.0.1", "10.0.0.0/8", "fd00::/8", "192.168.0.0/16"]
        );
        assert_eq!("10.1.2.3/8".parse::<IpRange>(), "10.0.0.0/8".parse());
        let any: IpRange = "0.0.0.0/0".parse().expect("valid");
        assert!(any.contains("8.8.8.8".parse().expect("ip")));
        let any6: IpRange = "::/0".parse().expect("valid");
        assert!(any6.contains("2001:db8::1".parse().expect("ip")));
    }
}
