//! Answering other servers' adapter requests with this server's sockets. Node requesters count
//! every subscriber of the request channel and wait for each, so every request that expects an
//! answer gets one, with an empty list or a zero count when this server has nothing (and when
//! the namespace is not registered here). The one exception mirrors Node: a server-side emit
//! with no local handler is not answered (Node's emitter has no listener to call the ack).

use std::future::Future;
use std::time::Duration;

use rmpv::Value;

use super::convert::{json_value, to_payload, to_values};
use super::fetched;
use super::sockets::{LocalSockets, split_event};
use super::stats::RelayStats;
use crate::cluster::adapter::{AdapterRequest, RequestType, RoomSelector};
use crate::cluster::{AdapterReplier, ClusterError};
use crate::realtime::{Namespace, Selector, SocketsOp};

/// The wait for local acks when a broadcast with acks names no timeout.
pub const DEFAULT_REMOTE_ACK_WAIT: Duration = Duration::from_secs(5);
/// The longest wait for local acks another server may ask for (its `flags.timeout` is
/// untrusted): bounds how long an answer holds one of the `MAX_ANSWERING` slots.
pub const MAX_REMOTE_ACK_WAIT: Duration = Duration::from_secs(30);

fn selector(s: RoomSelector) -> Selector {
    Selector {
        rooms: s.rooms,
        except: s.except,
    }
}

/// Serves one request (never one of this node's own: the cluster filters those).
pub fn serve(
    local: &LocalSockets,
    nsp: &str,
    request: AdapterRequest,
    reply: Option<AdapterReplier>,
) {
    let ns = local.io.of(nsp);
    match request {
        AdapterRequest::RemoteJoin {
            selector: s, rooms, ..
        } => apply(ns.as_deref(), s, SocketsOp::Join(rooms)),
        AdapterRequest::RemoteLeave {
            selector: s, rooms, ..
        } => apply(ns.as_deref(), s, SocketsOp::Leave(rooms)),
        AdapterRequest::RemoteDisconnect {
            selector: s, close, ..
        } => apply(ns.as_deref(), s, SocketsOp::Disconnect { close }),
        AdapterRequest::ServerSideEmit { data, .. } => server_side_emit(local, ns, &data, reply),
        AdapterRequest::Broadcast { packet, opts, .. } => {
            let Some(reply) = reply else { return };
            let wait = opts
                .flags
                .timeout
                .map_or(DEFAULT_REMOTE_ACK_WAIT, Duration::from_millis)
                .min(MAX_REMOTE_ACK_WAIT);
            let targets = Selector {
                rooms: opts.rooms,
                except: opts.except,
            };
            let acks = ns
                .zip(split_event(&packet.data))
                .and_then(|(ns, (event, args))| {
                    ns.emit_with_ack_local(&targets, event, to_payload(args), wait)
                        .ok()
                });
            spawn_answer(local, async move {
                let Some(mut acks) = acks else {
                    return reply.client_count(0).await;
                };
                reply.client_count(acks.clients as u64).await?;
                while let Some(answer) = acks.next().await {
                    if let Ok(payload) = answer {
                        let first = to_values(&payload).into_iter().next();
                        reply.broadcast_ack(first.unwrap_or(Value::Nil)).await?;
                    }
                }
                Ok(())
            });
        }
        other => answer_list(local, ns.as_deref(), other, reply),
    }
}

/// The requests answered with a list at once (and the legacy single-socket forms).
fn answer_list(
    local: &LocalSockets,
    ns: Option<&Namespace>,
    request: AdapterRequest,
    reply: Option<AdapterReplier>,
) {
    let Some(reply) = reply else { return };
    match request {
        AdapterRequest::Sockets { rooms, .. } => {
            let pick = Selector {
                rooms,
                except: Vec::new(),
            };
            let ids: Vec<String> = ns
                .map(|ns| ns.select_local(&pick))
                .unwrap_or_default()
                .iter()
                .map(|s| s.id().to_owned())
                .collect();
            spawn_answer(local, async move { reply.sockets(&ids).await });
        }
        AdapterRequest::AllRooms { .. } => {
            let rooms = ns.map(Namespace::local_rooms).unwrap_or_default();
            spawn_answer(local, async move { reply.all_rooms(&rooms).await });
        }
        AdapterRequest::RemoteFetch { selector: s, .. } => {
            let sockets = ns
                .map(|ns| ns.local_sockets(&selector(s)))
                .unwrap_or_default();
            let values = sockets.iter().map(fetched::to_value).collect();
            spawn_answer(local, async move { reply.fetched(values).await });
        }
        AdapterRequest::Legacy {
            kind, sid, room, ..
        } => {
            legacy(ns, kind, &sid, room.as_deref());
            spawn_answer(local, async move { reply.done().await });
        }
        _ => {}
    }
}

fn apply(ns: Option<&Namespace>, s: RoomSelector, op: SocketsOp) {
    if let Some(ns) = ns {
        ns.apply_local(&selector(s), &op);
    }
}

/// A pre-8.x join/leave/disconnect of one socket by id.
fn legacy(ns: Option<&Namespace>, kind: RequestType, sid: &str, room: Option<&str>) {
    let Some(socket) = ns.and_then(|ns| ns.get_socket(sid)) else {
        return;
    };
    match (kind, room) {
        (RequestType::RemoteJoin, Some(room)) => socket.join(room),
        (RequestType::RemoteLeave, Some(room)) => socket.leave(room),
        (RequestType::RemoteDisconnect, _) => socket.disconnect(),
        _ => {}
    }
}

fn server_side_emit(
    local: &LocalSockets,
    ns: Option<std::sync::Arc<Namespace>>,
    data: &[Value],
    reply: Option<AdapterReplier>,
) {
    let Some((ns, (event, args))) = ns.zip(split_event(data)) else {
        return RelayStats::bump(&local.stats.refused);
    };
    let answer = ns.dispatch_server_event(event, to_payload(args), reply.is_some());
    if let (Some(answer), Some(reply)) = (answer, reply) {
        spawn_answer(local, async move {
            // The requester stops waiting at its own timeout; ours only bounds the slot.
            match tokio::time::timeout(MAX_REMOTE_ACK_WAIT, answer).await {
                Ok(Ok(value)) => reply.server_side_emit_ack(&json_value(&value)).await,
                _ => Ok(()),
            }
        });
    }
}

/// Runs an answer on its own task, at most `MAX_ANSWERING` at once; more are shed and counted.
fn spawn_answer(
    local: &LocalSockets,
    answer: impl Future<Output = Result<(), ClusterError>> + Send + 'static,
) {
    let Ok(slot) = std::sync::Arc::clone(&local.answering).try_acquire_owned() else {
        RelayStats::bump(&local.stats.answers_shed);
        return tracing::debug!("adapter request shed: too many answers under way");
    };
    tokio::spawn(async move {
        let _slot = slot;
        if let Err(error) = answer.await {
            tracing::debug!(%error, "could not answer an adapter request");
        }
    });
}
