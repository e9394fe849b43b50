//! At most `max_connections_per_address` connections per client address, so one host cannot
//! take every slot. A direct peer's TCP connections are counted on accept, before any HTTP is
//! read, and a WebSocket keeps its connection's place for as long as it lives; behind a trusted
//! proxy the forwarded client's WebSockets are counted at upgrade ([`super::http`]).
//!
//! A direct peer over its limit is not cut off from health checks: its connection becomes a
//! probe connection (one request, `/healthz` or `/readyz`). Those are bounded for the whole
//! server by [`MAX_PROBE_CONNECTIONS`], so a flood past the per-address limit still costs at
//! most that many open sockets; beyond it connections are closed at accept.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most probe connections (from addresses over their limit) open at once, server-wide. A load
/// balancer's health checker holds one or two; 64 leaves room for several checkers while a
/// flood stays a few dozen sockets, each ending after one request or `handshake_timeout`.
pub const MAX_PROBE_CONNECTIONS: usize = 64;

/// Open TCP connections per client address, capped.
pub(crate) struct AddressLimit {
    limit: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl AddressLimit {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection from `address`, or `None` at the limit.
    /// An IPv4-mapped IPv6 address counts as its IPv4 address.
    pub(crate) fn claim(self: &Arc<Self>, address: IpAddr) -> Option<AddressPermit> {
        let address = address.to_canonical();
        let mut open = self.open.lock();
        let count = open.entry(address).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressPermit {
            owner: Arc::clone(self),
            address,
        })
    }
}

/// One connection's place under its address's limit; given back on drop (when both the HTTP
/// connection and any WebSocket it upgraded to have ended).
pub(crate) struct AddressPermit {
    owner: Arc<AddressLimit>,
    address: IpAddr,
}

impl Drop for AddressPermit {
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

/// Open probe connections, server-wide, capped at [`MAX_PROBE_CONNECTIONS`].
#[derive(Default)]
pub(crate) struct ProbeLimit {
    open: AtomicUsize,
}

impl ProbeLimit {
    /// A place for one more probe connection, or `None` when all are taken.
    pub(crate) fn claim(self: &Arc<Self>) -> Option<ProbePermit> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= MAX_PROBE_CONNECTIONS {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(ProbePermit(Arc::clone(self)))
    }
}

/// One probe connection's place; given back when the connection ends.
pub(crate) struct ProbePermit(Arc<ProbeLimit>);

impl Drop for ProbePermit {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_places_back_when_connections_end() {
        let limit = AddressLimit::new(2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let first = limit.claim(a);
        let _second = limit.claim(a);
        assert!(first.is_some());
        assert!(limit.claim(a).is_none(), "at the limit");
        assert!(limit.claim(b).is_some(), "other addresses are not affected");
        drop(first);
        assert!(limit.claim(a).is_some());
    }

    #[test]
    fn probe_connections_are_bounded_server_wide() {
        let probes = Arc::new(ProbeLimit::default());
        let held: Vec<_> = (0..MAX_PROBE_CONNECTIONS)
            .map(|_| probes.claim().expect("under the bound"))
            .collect();
        assert!(probes.claim().is_none(), "at the bound");
        drop(held);
        assert!(probes.claim().is_some(), "places come back");
    }
}
