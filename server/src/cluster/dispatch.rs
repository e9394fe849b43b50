//! Routes every message the subscriber receives: Petri's own channels (requests, replies,
//! rooms-changed) and the Socket.IO adapter's broadcasts. Everything arriving here is untrusted:
//! oversized messages are dropped before decoding, malformed ones after, both counted and logged
//! at debug level (a hostile publisher must not be able to fill the log either).

use std::sync::Arc;

use crate::cluster::adapter::{
    AdapterChannels, ChannelKind, decode_broadcast, decode_request, decode_response, sent_by,
};
use crate::cluster::records::{RoomsChanged, decode_bounded, encode};
use crate::cluster::replier::AdapterReplier;
use crate::cluster::rpc::{RpcBody, RpcReply, RpcRequest, RpcResult};
use crate::cluster::shared::Shared;
use crate::cluster::stats::ClusterStats;
use crate::cluster::subscriber::SubscriberEvents;

/// The subscriber's event sink for one node.
pub struct Dispatcher(pub Arc<Shared>);

impl SubscriberEvents for Dispatcher {
    fn on_connected(&self) {
        // Redis may have restarted empty: re-assert the directory now, not at the next beat.
        self.0.refresh.notify_one();
    }

    fn on_message(&self, channel: &str, payload: &[u8]) {
        let shared = &self.0;
        let max = shared.config.max_message_bytes;
        if payload.len() > max {
            ClusterStats::bump(&shared.stats.oversized_dropped);
            tracing::debug!(
                channel,
                len = payload.len(),
                max,
                "oversized cluster message dropped"
            );
            return;
        }
        if channel == shared.rpc_channel {
            self.on_request(payload);
        } else if channel == shared.reply_channel {
            match decode_bounded::<RpcReply>("rpc reply", payload, max) {
                Ok(reply) => {
                    shared.pending.complete(reply);
                }
                Err(error) => self.malformed(channel, &error),
            }
        } else if channel == shared.rooms_changed_channel {
            match decode_bounded::<RoomsChanged>("rooms-changed notice", payload, max) {
                // No receiver (no lobby socket) is fine.
                Ok(notice) => drop(shared.rooms_changed.send(notice)),
                Err(error) => self.malformed(channel, &error),
            }
        } else {
            self.on_adapter(channel, payload);
        }
    }
}

impl Dispatcher {
    fn malformed(&self, channel: &str, error: &dyn std::fmt::Display) {
        ClusterStats::bump(&self.0.stats.malformed_dropped);
        tracing::debug!(channel, %error, "malformed cluster message dropped");
    }

    /// A request addressed to this node: served on its own task (opening a room awaits the rooms
    /// module), at most `MAX_SERVING` at once.
    fn on_request(&self, payload: &[u8]) {
        let shared = &self.0;
        let request = match decode_bounded::<RpcRequest>(
            "rpc request",
            payload,
            shared.config.max_message_bytes,
        ) {
            Ok(request) => request,
            Err(error) => return self.malformed(&shared.rpc_channel, &error),
        };
        // Past MAX_SERVING the request is shed without an answer (the requester times out): a
        // flood must not turn into as many tasks publishing refusals.
        let Ok(serving) = Arc::clone(&shared.serving).try_acquire_owned() else {
            ClusterStats::bump(&shared.stats.requests_shed);
            return tracing::debug!("cluster request shed: too many in service");
        };
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            let result = {
                let _serving = serving;
                // Bounded so a create that never finishes cannot hold a serving slot forever; by
                // then the requester has long given up (it waits `request_timeout`).
                let within = shared.config.request_timeout * 2;
                let outcome = match request.body {
                    RpcBody::CreateRoom(create) => {
                        tokio::time::timeout(within, shared.local.create_room(create)).await
                    }
                };
                let Ok(outcome) = outcome else {
                    return tracing::warn!(
                        "a cross-node create did not finish in time; not answered"
                    );
                };
                match outcome {
                    Ok(created) => {
                        shared.refresh.notify_one();
                        RpcResult::Created { created }
                    }
                    Err(refused) => RpcResult::Refused {
                        reason: refused.reason,
                    },
                }
            };
            let reply = RpcReply {
                id: request.id,
                from: shared.config.node_id.clone(),
                result,
            };
            let channel = shared.keys.rpc_reply(&request.from);
            let mut conn = shared.conn.clone();
            let sent = redis::cmd("PUBLISH")
                .arg(channel)
                .arg(encode(&reply))
                .query_async::<i64>(&mut conn)
                .await;
            if let Err(error) = sent {
                tracing::warn!(%error, "could not answer a cluster request");
            }
        });
    }

    /// An adapter channel: filter on the name, then decode and deliver.
    fn on_adapter(&self, channel: &str, payload: &[u8]) {
        let shared = &self.0;
        let Some(adapter) = &shared.adapter else {
            return;
        };
        for channels in &adapter.channels {
            match channels.classify(channel) {
                ChannelKind::Other => continue,
                ChannelKind::Broadcast { room: Some(room) }
                    if !adapter.local.has_room(channels.namespace(), room) =>
                {
                    ClusterStats::bump(&shared.stats.skipped_before_decode);
                }
                // Our own broadcast, back through the pattern subscription: dropped on its
                // first bytes (Node decodes it first).
                ChannelKind::Broadcast { .. }
                    if sent_by(payload, shared.config.node_id.as_str()) =>
                {
                    ClusterStats::bump(&shared.stats.skipped_before_decode);
                }
                ChannelKind::Broadcast { .. } => {
                    match decode_broadcast(payload, shared.config.max_message_bytes) {
                        Ok(message) if message.uid == shared.config.node_id.as_str() => {}
                        Ok(message) if message.packet.nsp != channels.namespace() => {}
                        Ok(message) => {
                            ClusterStats::bump(&shared.stats.broadcasts_delivered);
                            adapter.local.deliver(message);
                        }
                        Err(error) => self.malformed(channel, &error),
                    }
                }
                ChannelKind::Request => self.on_adapter_request(channels, payload),
                ChannelKind::Response => {
                    match decode_response(payload, shared.config.max_message_bytes) {
                        // Answers to other servers' requests also arrive on the shared channel.
                        Ok(response) => drop(shared.calls.deliver(response)),
                        Err(error) => self.malformed(channel, &error),
                    }
                }
            }
            return;
        }
    }

    /// A Node-adapter request: decoded, self-filtered by uid, handed to the local sockets with a
    /// replier when an answer is expected.
    fn on_adapter_request(&self, channels: &AdapterChannels, payload: &[u8]) {
        let shared = &self.0;
        let Some(adapter) = &shared.adapter else {
            return;
        };
        let request = match decode_request(payload, shared.config.max_message_bytes) {
            Ok(request) => request,
            Err(error) => return self.malformed(channels.request(), &error),
        };
        if request.uid() == Some(shared.config.node_id.as_str()) {
            return;
        }
        // Answer on the requester's own channel when it named itself: every Node adapter always
        // subscribes to it, and the other servers are spared decoding an answer not for them.
        let channel = match request.uid() {
            Some(uid) => channels.response_to(uid),
            None => channels.response().to_owned(),
        };
        let reply = request
            .request_id()
            .map(|id| AdapterReplier::new(shared.conn.clone(), channel, id.to_owned()));
        adapter.local.request(channels.namespace(), request, reply);
    }
}
