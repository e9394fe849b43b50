//! Realtime's remote hook over a [`ClusterNode`]: this server's broadcasts and server-side API
//! calls become the Node adapter's messages and requests ([`ClusterNode::publish_broadcast`],
//! [`ClusterNode::gather`]), and the answers become realtime's types again.
//!
//! The node is held weakly: whoever started it owns it, and a stopped node simply makes every
//! remote part fail as `Unavailable` (the local parts still work). Work is started on the runtime
//! captured at attach time, so the hook can be called from any thread.

use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::oneshot;

use super::convert::{event_data, to_payload};
use super::fetched;
use super::publisher::Publisher;
use crate::cluster::adapter::{
    AdapterRequest, AdapterResponse, BroadcastFlags, BroadcastMessage, BroadcastOpts, RequestType,
    RoomSelector, SioPacket,
};
use crate::cluster::{ClusterError, ClusterNode, Gathered};
use crate::realtime::remote::BoxFuture;
use crate::realtime::{
    Payload, RemoteAcks, RemoteAdapter, RemoteError, RemoteFlags, Selector, SocketInfo, SocketsOp,
};

/// socket.io-parser's EVENT: what a broadcast's packet object is, binary or not.
const PACKET_EVENT: u8 = 2;

/// The other servers, through one cluster node.
pub struct ClusterRemote {
    pub(crate) node: Weak<ClusterNode>,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) publisher: Publisher,
    /// How long `fetch_sockets` and `all_rooms` wait for every server.
    pub(crate) request_timeout: Duration,
}

fn unavailable(error: ClusterError) -> RemoteError {
    RemoteError::Unavailable(error.to_string())
}

fn room_selector(selector: Selector) -> RoomSelector {
    RoomSelector {
        rooms: selector.rooms,
        except: selector.except,
    }
}

/// One answer per counted server.
fn one_each(responses: &[AdapterResponse], servers: usize) -> bool {
    responses.len() >= servers
}

/// Sends `request` and waits for one answer per other server; fails when not all answered in
/// time, as Node's `fetchSockets` and `serverSideEmitWithAck` do.
async fn one_answer_each(
    node: &ClusterNode,
    nsp: &str,
    request: &AdapterRequest,
    within: Duration,
) -> Result<Vec<AdapterResponse>, RemoteError> {
    let gathered: Gathered = node
        .gather(nsp, request, within, one_each)
        .await
        .map_err(unavailable)?;
    if !gathered.complete {
        return Err(RemoteError::Timeout {
            answered: gathered.responses.len(),
            expected: gathered.expected,
            after: within,
        });
    }
    Ok(gathered.responses)
}

impl ClusterRemote {
    /// Runs `work` with the node on the captured runtime now; the future hands back its result.
    fn call<T: Send + 'static, F>(
        &self,
        work: impl FnOnce(Arc<ClusterNode>) -> F,
    ) -> BoxFuture<Result<T, RemoteError>>
    where
        F: Future<Output = Result<T, RemoteError>> + Send + 'static,
    {
        let Some(node) = self.node.upgrade() else {
            return Box::pin(async {
                Err(RemoteError::Unavailable("cluster node stopped".into()))
            });
        };
        let (tx, rx) = oneshot::channel();
        let work = work(node);
        self.runtime.spawn(async move {
            let _ = tx.send(work.await);
        });
        Box::pin(async move {
            rx.await
                .unwrap_or_else(|_| Err(RemoteError::Unavailable("runtime stopped".into())))
        })
    }

    fn uid(node: &ClusterNode) -> Option<String> {
        Some(node.adapter_uid().to_owned())
    }
}

impl RemoteAdapter for ClusterRemote {
    fn broadcast(
        &self,
        nsp: &str,
        selector: Selector,
        flags: RemoteFlags,
        event: &str,
        payload: Payload,
    ) {
        let Some(node) = self.node.upgrade() else {
            return;
        };
        self.publisher.push(BroadcastMessage {
            uid: node.adapter_uid().to_owned(),
            packet: SioPacket {
                kind: PACKET_EVENT,
                data: event_data(event, &payload),
                nsp: nsp.to_owned(),
            },
            opts: BroadcastOpts {
                rooms: selector.rooms,
                except: selector.except,
                flags: BroadcastFlags {
                    volatile: flags.volatile,
                    ..BroadcastFlags::default()
                },
            },
        });
    }

    fn broadcast_with_ack(
        &self,
        nsp: &str,
        selector: Selector,
        event: &str,
        payload: Payload,
        timeout: Duration,
    ) -> BoxFuture<Result<RemoteAcks, RemoteError>> {
        let nsp = nsp.to_owned();
        let data = event_data(event, &payload);
        self.call(move |node| async move {
            let request = AdapterRequest::Broadcast {
                uid: Self::uid(&node),
                request_id: node.new_request_id(),
                packet: SioPacket {
                    kind: PACKET_EVENT,
                    data,
                    nsp: nsp.clone(),
                },
                opts: BroadcastOpts {
                    rooms: selector.rooms,
                    except: selector.except,
                    flags: BroadcastFlags {
                        timeout: Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)),
                        ..BroadcastFlags::default()
                    },
                },
            };
            let gathered = node
                .gather(&nsp, &request, timeout, |responses, servers| {
                    let (counts, clients, acks) = tally(responses);
                    counts >= servers && acks >= clients
                })
                .await
                .map_err(unavailable)?;
            let (_, clients, _) = tally(&gathered.responses);
            let acks = gathered
                .responses
                .iter()
                .filter(|r| r.kind == Some(RequestType::BroadcastAck))
                .map(|r| to_payload(std::slice::from_ref(r.ack().unwrap_or(&rmpv::Value::Nil))))
                .collect();
            Ok(RemoteAcks {
                clients,
                acks,
                complete: gathered.complete,
            })
        })
    }

    fn server_side_emit(
        &self,
        nsp: &str,
        event: &str,
        payload: Payload,
        ack: Option<Duration>,
    ) -> BoxFuture<Result<Vec<serde_json::Value>, RemoteError>> {
        let nsp = nsp.to_owned();
        let data = event_data(event, &payload);
        let within = ack.unwrap_or(self.request_timeout);
        self.call(move |node| async move {
            let request = AdapterRequest::ServerSideEmit {
                uid: Self::uid(&node),
                request_id: ack.map(|_| node.new_request_id()),
                data,
            };
            Ok(one_answer_each(&node, &nsp, &request, within)
                .await?
                .iter()
                .map(|r| {
                    r.data()
                        .map_or(serde_json::Value::Null, super::convert::plain_json)
                })
                .collect())
        })
    }

    fn fetch_sockets(
        &self,
        nsp: &str,
        selector: Selector,
    ) -> BoxFuture<Result<Vec<SocketInfo>, RemoteError>> {
        let nsp = nsp.to_owned();
        let within = self.request_timeout;
        self.call(move |node| async move {
            let request = AdapterRequest::RemoteFetch {
                uid: Self::uid(&node),
                request_id: node.new_request_id(),
                selector: room_selector(selector),
            };
            Ok(one_answer_each(&node, &nsp, &request, within)
                .await?
                .iter()
                .filter_map(AdapterResponse::sockets)
                .flatten()
                .filter_map(fetched::from_value)
                .collect())
        })
    }

    fn apply(&self, nsp: &str, selector: Selector, op: SocketsOp) {
        let nsp = nsp.to_owned();
        let within = self.request_timeout;
        // Fire and forget (no answer exists in the protocol); a failure is only logged.
        drop(self.call(move |node| async move {
            let uid = Self::uid(&node);
            let selector = room_selector(selector);
            let request = match op {
                SocketsOp::Join(rooms) => AdapterRequest::RemoteJoin {
                    uid,
                    selector,
                    rooms,
                },
                SocketsOp::Leave(rooms) => AdapterRequest::RemoteLeave {
                    uid,
                    selector,
                    rooms,
                },
                SocketsOp::Disconnect { close } => AdapterRequest::RemoteDisconnect {
                    uid,
                    selector,
                    close,
                },
            };
            let sent = node.gather(&nsp, &request, within, one_each).await;
            if let Err(error) = &sent {
                tracing::debug!(%error, "remote sockets operation not published");
            }
            sent.map(drop).map_err(unavailable)
        }));
    }

    fn all_rooms(&self, nsp: &str) -> BoxFuture<Result<Vec<String>, RemoteError>> {
        let nsp = nsp.to_owned();
        let within = self.request_timeout;
        self.call(move |node| async move {
            let request = AdapterRequest::AllRooms {
                uid: Self::uid(&node),
                request_id: node.new_request_id(),
            };
            Ok(one_answer_each(&node, &nsp, &request, within)
                .await?
                .iter()
                .filter_map(AdapterResponse::rooms)
                .flatten()
                .collect())
        })
    }
}

/// A broadcast with acks so far: (servers that sent their count, clients counted, acks).
fn tally(responses: &[AdapterResponse]) -> (usize, u64, u64) {
    let mut tally = (0, 0, 0);
    for response in responses {
        match response.kind {
            Some(RequestType::BroadcastClientCount) => {
                tally.0 += 1;
                tally.1 += response.client_count().unwrap_or(0);
            }
            Some(RequestType::BroadcastAck) => tally.2 += 1,
            _ => {}
        }
    }
    tally
}
