//! `ClusterNode`: one Petri process's membership in the cluster, and the API the integration
//! calls (listing, placement, cross-node create, notices, adapter publishing).
//!
//! Lifecycle: [`ClusterNode::start`] never waits for Redis (the node must start and serve its
//! rooms with Redis down); [`ClusterNode::shutdown`] deregisters at once (SIGTERM); dropping the
//! node without `shutdown` stops its tasks and leaves its entries to expire — exactly what a
//! SIGKILL does, which is how the tests simulate a crash.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::{Notify, Semaphore, broadcast, watch};
use tokio::task::JoinHandle;

use crate::cluster::adapter::{
    AdapterChannels, AdapterRequest, AdapterResponse, BroadcastMessage, encode_broadcast,
    encode_request,
};
use crate::cluster::calls::{Gathered, PendingCalls};
use crate::cluster::config::{ClusterConfig, NodeId};
use crate::cluster::directory::Directory;
use crate::cluster::dispatch::Dispatcher;
use crate::cluster::error::ClusterError;
use crate::cluster::heartbeat;
use crate::cluster::keys::Keys;
use crate::cluster::records::{
    ListedRoom, NodeRecord, PlacedRoom, RoomChange, RoomCreated, RoomsChanged, encode,
};
use crate::cluster::rpc::{Pending, RpcBody, RpcReply, RpcRequest, RpcResult};
use crate::cluster::seams::{CreateRoom, LocalBroadcast, LocalRooms};
use crate::cluster::shared::{AdapterLink, MAX_SERVING, Shared};
use crate::cluster::stats::ClusterStats;
use crate::cluster::subscriber::{self, SubscriberTimings, Subscriptions};

/// How many rooms-changed notices a slow lobby receiver may lag behind before it skips some
/// (it then re-reads the listing anyway).
const NOTICE_BACKLOG: usize = 256;

/// The optional Socket.IO adapter binding: which namespaces to relay, and the local sockets.
pub struct AdapterBinding {
    pub namespaces: Vec<String>,
    pub local: Arc<dyn LocalBroadcast>,
}

/// A running cluster membership.
pub struct ClusterNode {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    /// The subscriber and the heartbeat; taken by `shutdown` (so it can run through an `Arc`).
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl ClusterNode {
    /// Opens the Redis client (lazily: no round trip here) and starts the heartbeat and the
    /// subscriber. Fails only on an invalid config or URL.
    pub fn start(
        config: ClusterConfig,
        local: Arc<dyn LocalRooms>,
        adapter: Option<AdapterBinding>,
    ) -> Result<Self, ClusterError> {
        config.validate()?;
        let client = redis::Client::open(config.redis_url.expose())?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.request_timeout))
            .set_response_timeout(Some(config.request_timeout))
            .set_min_delay(config.reconnect_min)
            .set_max_delay(config.reconnect_max)
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), manager_config)?;
        let keys = Keys::new(&config.key_prefix);
        let node_id = config.node_id.clone();
        let adapter = adapter.map(|binding| AdapterLink {
            channels: binding
                .namespaces
                .iter()
                .map(|nsp| AdapterChannels::new(&config.adapter_key, nsp, node_id.as_str()))
                .collect(),
            local: binding.local,
        });
        let shared = Arc::new(Shared {
            directory: Directory::new(keys.clone(), config.expiry, config.max_message_bytes),
            rpc_channel: keys.rpc(&node_id),
            reply_channel: keys.rpc_reply(&node_id),
            rooms_changed_channel: keys.rooms_changed(),
            keys,
            conn,
            stats: Arc::new(ClusterStats::default()),
            local,
            adapter,
            pending: Pending::default(),
            calls: PendingCalls::default(),
            next_call: AtomicU64::new(0),
            refresh: Notify::new(),
            rooms_changed: broadcast::channel(NOTICE_BACKLOG).0,
            registered_rooms: Mutex::new(Vec::new()),
            serving: Arc::new(Semaphore::new(MAX_SERVING)),
            config,
        });
        let (stop, stopped) = watch::channel(false);
        let timings = SubscriberTimings {
            io_timeout: shared.config.request_timeout,
            ping_every: shared.config.heartbeat_interval,
            reconnect_min: shared.config.reconnect_min,
            reconnect_max: shared.config.reconnect_max,
        };
        let subscriber = tokio::spawn(subscriber::run(
            client,
            shared.config.redis_url.clone(),
            subscriptions(&shared),
            Arc::new(Dispatcher(Arc::clone(&shared))),
            Arc::clone(&shared.stats),
            timings,
            stopped.clone(),
        ));
        let beat = tokio::spawn(heartbeat::run(Arc::clone(&shared), stopped));
        Ok(Self {
            shared,
            stop,
            tasks: Mutex::new(vec![subscriber, beat]),
        })
    }

    pub fn node_id(&self) -> &NodeId {
        &self.shared.config.node_id
    }

    /// How often this node refreshes its entries: the pace at which the directory changes.
    pub fn heartbeat_interval(&self) -> Duration {
        self.shared.config.heartbeat_interval
    }

    /// Counters and the connected flag, for metrics.
    pub fn stats(&self) -> Arc<ClusterStats> {
        Arc::clone(&self.shared.stats)
    }

    /// Asks for an immediate directory refresh (call when a room opens, closes or changes its
    /// player count notably). Cheap; coalesces.
    pub fn refresh_now(&self) {
        self.shared.refresh.notify_one();
    }

    fn conn(&self) -> ConnectionManager {
        self.shared.conn.clone()
    }

    /// The public rooms of every node (this one included, as last registered).
    pub async fn list_public_rooms(&self) -> Result<Vec<ListedRoom>, ClusterError> {
        self.shared.directory.list_public(&mut self.conn()).await
    }

    /// Where a room (public or private) lives.
    pub async fn find_room(&self, room_id: &str) -> Result<Option<ListedRoom>, ClusterError> {
        self.shared
            .directory
            .find_room(&mut self.conn(), room_id)
            .await
    }

    /// Every live node.
    pub async fn nodes(&self) -> Result<Vec<NodeRecord>, ClusterError> {
        self.shared.directory.nodes(&mut self.conn()).await
    }

    /// The node new rooms should go to.
    pub async fn least_loaded_node(&self) -> Result<Option<NodeRecord>, ClusterError> {
        self.shared.directory.least_loaded(&mut self.conn()).await
    }

    /// Opens a room on `node` (this one included) and returns it with the node's URL. A remote
    /// node must answer within `request_timeout`; no fallback elsewhere (see rpc.rs).
    pub async fn create_room_on(
        &self,
        node: &NodeRecord,
        request: CreateRoom,
    ) -> Result<PlacedRoom, ClusterError> {
        let placed = |created: RoomCreated| PlacedRoom {
            created,
            node: node.id.clone(),
            url: node.url.clone(),
        };
        if node.id == self.shared.config.node_id {
            let created = self
                .shared
                .local
                .create_room(request)
                .await
                .map_err(|refused| ClusterError::Refused {
                    node: node.id.clone(),
                    reason: refused.reason,
                })?;
            self.refresh_now();
            return Ok(placed(created));
        }
        let reply = self.request(&node.id, RpcBody::CreateRoom(request)).await?;
        match reply.result {
            RpcResult::Created { created } => Ok(placed(created)),
            RpcResult::Refused { reason } => Err(ClusterError::Refused {
                node: node.id.clone(),
                reason,
            }),
        }
    }

    async fn request(&self, target: &NodeId, body: RpcBody) -> Result<RpcReply, ClusterError> {
        let shared = &self.shared;
        let Some((id, answer)) = shared.pending.open() else {
            return Err(ClusterError::Refused {
                node: target.clone(),
                reason: "too many requests in flight".to_owned(),
            });
        };
        let request = RpcRequest {
            id,
            from: shared.config.node_id.clone(),
            body,
        };
        let receivers = redis::cmd("PUBLISH")
            .arg(shared.keys.rpc(target))
            .arg(encode(&request))
            .query_async::<i64>(&mut self.conn())
            .await;
        match receivers {
            Ok(0) => {
                shared.pending.cancel(id);
                return Err(ClusterError::NodeAbsent {
                    node: target.clone(),
                });
            }
            Ok(_) => {}
            Err(error) => {
                shared.pending.cancel(id);
                return Err(error.into());
            }
        }
        let after = shared.config.request_timeout;
        match tokio::time::timeout(after, answer).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(ClusterError::ShuttingDown),
            Err(_) => {
                shared.pending.cancel(id);
                ClusterStats::bump(&shared.stats.request_timeouts);
                Err(ClusterError::Timeout {
                    node: target.clone(),
                    after,
                })
            }
        }
    }

    /// Tells every node's lobby (this one's too, through Redis) that a public room changed.
    pub async fn publish_rooms_changed(
        &self,
        room_id: &str,
        change: RoomChange,
    ) -> Result<(), ClusterError> {
        let notice = RoomsChanged {
            node: self.shared.config.node_id.clone(),
            room_id: room_id.to_owned(),
            change,
        };
        redis::cmd("PUBLISH")
            .arg(&self.shared.rooms_changed_channel)
            .arg(encode(&notice))
            .query_async::<i64>(&mut self.conn())
            .await?;
        Ok(())
    }

    /// Notices from every node, for the lobby's `rooms-changed` event.
    pub fn subscribe_rooms_changed(&self) -> broadcast::Receiver<RoomsChanged> {
        self.shared.rooms_changed.subscribe()
    }

    /// Publishes a broadcast to the other servers of the namespace, on the channel the Node
    /// adapter would use. `flags.local` broadcasts are not published. Returns the receiver count.
    pub async fn publish_broadcast(&self, message: &BroadcastMessage) -> Result<i64, ClusterError> {
        if message.opts.flags.local {
            return Ok(0);
        }
        let channels = AdapterChannels::new(
            &self.shared.config.adapter_key,
            &message.packet.nsp,
            message.uid.as_str(),
        );
        self.publish_raw(
            &channels.broadcast_for(&message.opts.rooms),
            encode_broadcast(message),
        )
        .await
    }

    /// Publishes bytes on any channel (adapter requests and responses built with the codec).
    pub async fn publish_raw(&self, channel: &str, payload: Vec<u8>) -> Result<i64, ClusterError> {
        Ok(redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async::<i64>(&mut self.conn())
            .await?)
    }

    /// A fresh request id for an adapter request this node sends.
    pub fn new_request_id(&self) -> String {
        let n = self.shared.next_call.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.shared.config.node_id)
    }

    /// Sends an adapter request (built with this node's [`Self::adapter_uid`] and a
    /// [`Self::new_request_id`]) to every server of `nsp` and gathers answers until `done` says
    /// enough (given the answers so far and the number of remote servers counted) or `within`
    /// passes. For list requests `done` is "one answer per server"; for a broadcast with acks it is
    /// "every server's count, and as many acks as the counts add up to".
    pub async fn gather(
        &self,
        nsp: &str,
        request: &AdapterRequest,
        within: Duration,
        mut done: impl FnMut(&[AdapterResponse], usize) -> bool,
    ) -> Result<Gathered, ClusterError> {
        let shared = &self.shared;
        let channels = AdapterChannels::new(&shared.config.adapter_key, nsp, self.adapter_uid());
        let Some(id) = request.request_id() else {
            self.publish_raw(channels.request(), encode_request(request))
                .await?;
            return Ok(Gathered {
                responses: Vec::new(),
                expected: 0,
                complete: true,
            });
        };
        let Some(mut answers) = shared.calls.open(id) else {
            return Err(ClusterError::Refused {
                node: shared.config.node_id.clone(),
                reason: "too many adapter calls in flight".to_owned(),
            });
        };
        let outcome = async {
            let counts: Vec<(String, usize)> = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(channels.request())
                .query_async(&mut self.conn())
                .await?;
            let expected = counts.first().map_or(0, |(_, n)| n.saturating_sub(1));
            self.publish_raw(channels.request(), encode_request(request))
                .await?;
            let mut gathered = Gathered {
                responses: Vec::new(),
                expected,
                complete: false,
            };
            let deadline = tokio::time::Instant::now() + within;
            while !done(&gathered.responses, expected) {
                match tokio::time::timeout_at(deadline, answers.recv()).await {
                    Ok(Some(response)) => gathered.responses.push(response),
                    Ok(None) | Err(_) => return Ok(gathered),
                }
            }
            gathered.complete = true;
            Ok(gathered)
        }
        .await;
        shared.calls.close(id);
        outcome
    }

    /// The adapter id this node uses in broadcasts and requests (its node id).
    pub fn adapter_uid(&self) -> &str {
        self.shared.config.node_id.as_str()
    }

    /// Graceful stop: the tasks end, then the node and its rooms leave the directory at once.
    /// Takes `&self` so a node shared by the lobby and the relay can be stopped; calling it twice
    /// deregisters twice, which is harmless.
    pub async fn shutdown(&self) -> Result<(), ClusterError> {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut *self.tasks.lock());
        for task in tasks {
            let _ = task.await;
        }
        let rooms = std::mem::take(&mut *self.shared.registered_rooms.lock());
        let shared = &self.shared;
        let mut conn = self.conn();
        let gone = shared
            .directory
            .deregister(&mut conn, &shared.config.node_id, &rooms);
        match tokio::time::timeout(shared.config.request_timeout, gone).await {
            Ok(result) => result,
            Err(_) => Err(ClusterError::Timeout {
                node: shared.config.node_id.clone(),
                after: shared.config.request_timeout,
            }),
        }
    }
}

impl Drop for ClusterNode {
    /// Crash semantics: stop the tasks, write nothing; the entries expire by themselves.
    fn drop(&mut self) {
        for task in self.tasks.get_mut().iter() {
            task.abort();
        }
    }
}

fn subscriptions(shared: &Shared) -> Subscriptions {
    let mut subs = Subscriptions {
        channels: vec![
            shared.rpc_channel.clone(),
            shared.reply_channel.clone(),
            shared.rooms_changed_channel.clone(),
        ],
        patterns: Vec::new(),
    };
    for channels in shared.adapter.iter().flat_map(|a| &a.channels) {
        subs.patterns.push(channels.broadcast_pattern());
        subs.channels.push(channels.request().to_owned());
        subs.channels.push(channels.response().to_owned());
        subs.channels.push(channels.own_response().to_owned());
    }
    subs
}
