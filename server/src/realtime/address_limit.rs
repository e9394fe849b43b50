//! At most `max_connections_per_address` TCP connections per client address, so one host cannot
//! take every slot. Counted on accept, before any HTTP is read; a WebSocket keeps its
//! connection's place for as long as it lives.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

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
    pub(crate) fn claim(self: &Arc<Self>, address: IpAddr) -> Option<AddressPermit> {
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
}
