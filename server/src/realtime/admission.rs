//! Admission under the connection limits, for both transports: where a TCP connection stands
//! under the per-address limit (decided at accept), and the places an Engine.IO session holds
//! for its whole life (`max_connections`, and its client's place under the per-address limit).
//!
//! A WebSocket session and a long-polling session are admitted the same way, so both count
//! against the same limits: a polling session holds its places from the handshake GET until it
//! closes, whatever HTTP connections its requests use (each of those also holds a place while it
//! is open, as any TCP connection from a direct peer does). On upgrade, the session's address
//! place becomes the WebSocket's connection's, so an upgraded client counts once.

use super::address_limit::{AddressLimit, AddressPermit, ProbeLimit, ProbePermit};
use super::stats::{ConnectionPermit, ConnectionStats, RefusalReason};
use super::trusted_proxy::TrustedProxies;
use std::net::SocketAddr;
use std::sync::Arc;

/// What a session holds for its whole life.
pub(crate) struct SessionPermits {
    _connection: ConnectionPermit,
    address: Arc<AddressPermit>,
}

impl SessionPermits {
    /// The session's client now counts through `place` (the upgrade's TCP connection).
    pub(crate) fn replace_address(&mut self, place: Arc<AddressPermit>) {
        self.address = place;
    }
}

/// How one TCP connection stands under the per-address limit, decided at accept.
#[derive(Clone)]
pub(crate) enum Standing {
    /// A direct peer under its limit, holding its place.
    Counted(Arc<AddressPermit>),
    /// A trusted proxy: no place of its own; each session claims its forwarded client's.
    Proxy,
    /// A direct peer over its limit: health checks only, one request.
    Probe { _place: Arc<ProbePermit> },
}

/// The limits one `serve` call admits under.
pub(crate) struct Admission {
    addresses: Arc<AddressLimit>,
    /// Connections over their address's limit, answering health checks only.
    probes: Arc<ProbeLimit>,
    stats: Arc<ConnectionStats>,
    max_connections: usize,
    trusted: TrustedProxies,
}

impl Admission {
    pub(crate) fn new(
        stats: Arc<ConnectionStats>,
        max_connections: usize,
        per_address: usize,
        trusted: TrustedProxies,
    ) -> Self {
        Self {
            addresses: AddressLimit::new(per_address),
            probes: Arc::default(),
            stats,
            max_connections,
            trusted,
        }
    }

    /// Where a new TCP connection from `peer` stands; `None`: close it (over the per-address
    /// limit with every probe place taken). Going over the limit counts as a `per_address`
    /// refusal either way: the connection is refused everything but health checks.
    pub(crate) fn standing(&self, peer: SocketAddr) -> Option<Standing> {
        if self.trusted.contains(peer.ip()) {
            return Some(Standing::Proxy);
        }
        if let Some(place) = self.addresses.claim(peer.ip()) {
            return Some(Standing::Counted(Arc::new(place)));
        }
        self.stats.refuse(RefusalReason::PerAddress);
        let Some(probe) = self.probes.claim() else {
            tracing::debug!(%peer, "refused: too many connections from this address");
            return None;
        };
        tracing::debug!(%peer, "over the per-address limit: health checks only");
        Some(Standing::Probe {
            _place: Arc::new(probe),
        })
    }

    /// A new session's place under the per-address limit: a direct peer's TCP connection
    /// already holds one; behind a trusted proxy, the forwarded client claims one now (counted
    /// as refused when there is none).
    pub(crate) fn address_place(
        &self,
        standing: &Standing,
        client: SocketAddr,
    ) -> Option<Arc<AddressPermit>> {
        match standing {
            Standing::Counted(place) => Some(Arc::clone(place)),
            Standing::Proxy => {
                let place = self.addresses.claim(client.ip());
                if place.is_none() {
                    tracing::debug!(%client, "refused: too many connections from this address");
                    self.stats.refuse(RefusalReason::PerAddress);
                }
                place.map(Arc::new)
            }
            // answered by the probe route, never admitted
            Standing::Probe { .. } => None,
        }
    }

    /// A place under `max_connections` (counted as refused when there is none).
    pub(crate) fn admit(&self, address: Arc<AddressPermit>) -> Option<SessionPermits> {
        let max = self.max_connections;
        let Some(connection) = self.stats.admit(max) else {
            tracing::warn!(max, "connection refused: max_connections reached");
            return None;
        };
        Some(SessionPermits {
            _connection: connection,
            address,
        })
    }
}
