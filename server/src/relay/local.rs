//! The cluster's view of this server's sockets ([`LocalBroadcast`] over a `SocketIo`): the
//! room filter that lets the cluster drop a single-room broadcast before decoding it, the
//! delivery of other servers' broadcasts, and the requests other servers send (answered in
//! [`super::answer`]).

use super::answer;
use super::convert::to_payload;
use super::sockets::{LocalSockets, split_event};
use super::stats::RelayStats;
use crate::cluster::adapter::{AdapterRequest, BroadcastMessage};
use crate::cluster::{AdapterReplier, LocalBroadcast};
use crate::realtime::{RemoteFlags, Selector};

impl LocalBroadcast for LocalSockets {
    fn has_room(&self, nsp: &str, room: &str) -> bool {
        self.io.has_room(nsp, room)
    }

    fn deliver(&self, message: BroadcastMessage) {
        let Some(ns) = self.io.of(&message.packet.nsp) else {
            return RelayStats::bump(&self.stats.delivered_to_nobody);
        };
        let Some((event, args)) = split_event(&message.packet.data) else {
            return RelayStats::bump(&self.stats.refused);
        };
        let selector = Selector {
            rooms: message.opts.rooms,
            except: message.opts.except,
        };
        let flags = RemoteFlags {
            volatile: message.opts.flags.volatile,
        };
        match ns.deliver_remote(&selector, flags, event, || to_payload(args)) {
            Ok(0) => RelayStats::bump(&self.stats.delivered_to_nobody),
            Ok(_) => RelayStats::bump(&self.stats.delivered),
            Err(error) => {
                RelayStats::bump(&self.stats.refused);
                tracing::debug!(%error, event, "remote broadcast refused");
            }
        }
    }

    fn request(&self, nsp: &str, request: AdapterRequest, reply: Option<AdapterReplier>) {
        answer::serve(self, nsp, request, reply);
    }
}
