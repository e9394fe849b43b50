//! `/metrics` in the Prometheus text format, through the `prometheus-client` crate.
//!
//! A room counts everything about itself in its atomic `RoomStatus` (its tick-time histogram
//! too), so a collector reads the open rooms at scrape time instead of keeping a second copy that
//! could drift, and a room that closes leaves the metrics with it.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

use crate::cluster::ClusterStats;
use crate::realtime::{ConnectionStats, RefusalReason};
use crate::relay::RelayStats;
use crate::rooms::{ChatReject, Lobby, RoomHandle, RoomStatus};
use crate::watch::TheaterStats;

/// Everything `/metrics` shows.
pub struct Metrics {
    registry: Registry,
    /// Open WebSocket connections (one per client, however many namespaces it joined). Set at
    /// scrape time from the realtime layer's counters (`routes.rs`).
    pub connections: Gauge,
}

impl Metrics {
    pub fn new(lobby: &Arc<Lobby>) -> Self {
        let mut registry = Registry::with_prefix("petri");
        let connections = Gauge::default();
        registry.register(
            "connections",
            "Open WebSocket connections",
            connections.clone(),
        );
        registry.register_collector(Box::new(RoomCollector {
            lobby: Arc::downgrade(lobby),
        }));
        registry.register_collector(Box::new(HeapCollector));
        Self {
            registry,
            connections,
        }
    }

    /// Also exports the realtime layer's refusal counters, read at scrape time
    /// (`petri_connections_refused_total{reason=...}`), and its count of compressed WebSockets
    /// (`petri_websocket_compressed_total`).
    pub fn with_connections(mut self, stats: Arc<ConnectionStats>) -> Self {
        self.registry
            .register_collector(Box::new(ConnectionCollector { stats }));
        self
    }

    /// Also exports a cluster node's state and counters (`petri_cluster_*`), and its relay's.
    pub fn with_cluster(
        mut self,
        stats: Arc<ClusterStats>,
        relay: Option<Arc<RelayStats>>,
    ) -> Self {
        self.registry
            .register_collector(Box::new(ClusterCollector { stats, relay }));
        self
    }

    /// Also exports the replay theater's gauges (`petri_replay_*`).
    pub fn with_replays(mut self, stats: Arc<TheaterStats>) -> Self {
        self.registry
            .register_collector(Box::new(ReplayCollector { stats }));
        self
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Reads the realtime layer's connection counters at scrape time.
#[derive(Debug)]
struct ConnectionCollector {
    stats: Arc<ConnectionStats>,
}

impl Collector for ConnectionCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let mut metric = encoder.encode_descriptor(
            "connections_refused",
            "Connections refused, by reason",
            None,
            MetricType::Counter,
        )?;
        for reason in RefusalReason::ALL {
            let labels = [("reason", reason.as_str())];
            ConstCounter::new(self.stats.refused(reason)).encode(metric.encode_family(&labels)?)?;
        }
        let metric = encoder.encode_descriptor(
            "websocket_compressed",
            "WebSocket connections that negotiated permessage-deflate",
            None,
            MetricType::Counter,
        )?;
        ConstCounter::new(self.stats.compressed()).encode(metric)?;
        Ok(())
    }
}

/// Reads the replay theater's state at scrape time.
#[derive(Debug)]
struct ReplayCollector {
    stats: Arc<TheaterStats>,
}

impl Collector for ReplayCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let gauges = [
            (
                "replay_playbacks",
                "Replays being played (one arena each)",
                &self.stats.playbacks,
            ),
            (
                "replay_viewers",
                "Viewers watching replays",
                &self.stats.viewers,
            ),
            (
                "replay_seeks",
                "Seeks being re-simulated",
                &self.stats.seeking,
            ),
        ];
        for (name, help, value) in gauges {
            let value = i64::try_from(value.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(value).encode(metric)?;
        }
        Ok(())
    }
}

/// Reads the allocator's heap figures at scrape time (`heap.rs`; absent off glibc).
#[derive(Debug)]
struct HeapCollector;

impl Collector for HeapCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let Some(heap) = crate::heap::stats() else {
            return Ok(());
        };
        let mut metric = encoder.encode_descriptor(
            "heap_bytes",
            "The allocator's heap: in_use is held by the server, free is kept unused by malloc",
            None,
            MetricType::Gauge,
        )?;
        for (state, bytes) in [("in_use", heap.in_use), ("free", heap.free)] {
            let value = i64::try_from(bytes).unwrap_or(i64::MAX);
            ConstGauge::new(value).encode(metric.encode_family(&[("state", state)])?)?;
        }
        Ok(())
    }
}

/// Reads a cluster node's counters at scrape time.
#[derive(Debug)]
struct ClusterCollector {
    stats: Arc<ClusterStats>,
    relay: Option<Arc<RelayStats>>,
}

/// A cluster counter read from its stats.
type ClusterRead = fn(&ClusterStats) -> u64;

/// Cluster counters: (name, help, read). Dropped messages are one family by reason.
const CLUSTER_COUNTERS: [(&str, &str, ClusterRead); 6] = [
    (
        "cluster_connects",
        "Times the Redis subscription was (re)established",
        |s| ClusterStats::get(&s.connects),
    ),
    (
        "cluster_registrations",
        "Directory refreshes that worked",
        |s| ClusterStats::get(&s.registrations),
    ),
    (
        "cluster_registration_failures",
        "Directory refreshes that failed",
        |s| ClusterStats::get(&s.registration_failures),
    ),
    (
        "cluster_broadcasts_delivered",
        "Adapter broadcasts from other servers delivered here",
        |s| ClusterStats::get(&s.broadcasts_delivered),
    ),
    (
        "cluster_broadcasts_skipped",
        "Adapter broadcasts for rooms this node lacks, skipped undecoded",
        |s| ClusterStats::get(&s.skipped_before_decode),
    ),
    (
        "cluster_request_timeouts",
        "Cross-node requests that got no answer in time",
        |s| ClusterStats::get(&s.request_timeouts),
    ),
];

impl Collector for ClusterCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let connected = ConstGauge::new(i64::from(self.stats.connected()));
        connected.encode(encoder.encode_descriptor(
            "cluster_connected",
            "1 while this node is subscribed to Redis and registered in the directory",
            None,
            MetricType::Gauge,
        )?)?;
        for (name, help, read) in CLUSTER_COUNTERS {
            ConstCounter::new(read(&self.stats)).encode(encoder.encode_descriptor(
                name,
                help,
                None,
                MetricType::Counter,
            )?)?;
        }
        let mut dropped = encoder.encode_descriptor(
            "cluster_messages_dropped",
            "Messages from Redis dropped, by reason",
            None,
            MetricType::Counter,
        )?;
        let stats = &self.stats;
        for (reason, counter) in [
            ("oversized", &stats.oversized_dropped),
            ("malformed", &stats.malformed_dropped),
            ("shed", &stats.requests_shed),
        ] {
            ConstCounter::new(ClusterStats::get(counter))
                .encode(dropped.encode_family(&[("reason", reason)])?)?;
        }
        match &self.relay {
            Some(relay) => relay_metrics(&mut encoder, relay),
            None => Ok(()),
        }
    }
}

/// The relay's counters: Socket.IO broadcasts sent to and received from other servers.
fn relay_metrics(encoder: &mut DescriptorEncoder, relay: &RelayStats) -> std::fmt::Result {
    for (name, help, counter) in [
        (
            "cluster_relay_published",
            "Broadcasts published to other servers",
            &relay.published,
        ),
        (
            "cluster_relay_delivered",
            "Other servers' broadcasts delivered to local sockets",
            &relay.delivered,
        ),
        (
            "cluster_relay_delivered_to_nobody",
            "Other servers' broadcasts no local socket matched",
            &relay.delivered_to_nobody,
        ),
    ] {
        ConstCounter::new(RelayStats::get(counter)).encode(encoder.encode_descriptor(
            name,
            help,
            None,
            MetricType::Counter,
        )?)?;
    }
    let mut lost = encoder.encode_descriptor(
        "cluster_relay_lost",
        "Broadcasts and answers the relay did not pass on, by reason",
        None,
        MetricType::Counter,
    )?;
    for (reason, counter) in [
        ("queue_full", &relay.publish_dropped),
        ("publish_failed", &relay.publish_failed),
        ("refused", &relay.refused),
        ("answers_shed", &relay.answers_shed),
    ] {
        ConstCounter::new(RelayStats::get(counter))
            .encode(lost.encode_family(&[("reason", reason)])?)?;
    }
    Ok(())
}

/// Reads the rooms' own counters at scrape time.
#[derive(Debug)]
struct RoomCollector {
    lobby: Weak<Lobby>,
}

/// A per-room number read from its status.
type Read = fn(&RoomStatus) -> u64;

/// Per-room gauges: (name, help, read).
const GAUGES: [(&str, &str, Read); 4] = [
    ("players", "People playing, per room", |s| {
        u64::from(s.players.load(Ordering::Relaxed))
    }),
    ("bots", "Bots playing, per room", |s| {
        u64::from(s.bots.load(Ordering::Relaxed))
    }),
    ("spectators", "Spectators, per room", |s| {
        u64::from(s.spectators.load(Ordering::Relaxed))
    }),
    (
        "view_cells",
        "Cells held in the views of the room's clients, summed (per-client memory follows it)",
        |s| s.view_cells.load(Ordering::Relaxed),
    ),
];

/// Per-room counters: (name, help, read).
const COUNTERS: [(&str, &str, Read); 6] = [
    ("ticks", "Ticks run, per room", |s| {
        s.ticks.load(Ordering::Relaxed)
    }),
    ("frames_sent", "Frames handed to connections", |s| {
        s.frames_sent.load(Ordering::Relaxed)
    }),
    (
        "frames_skipped",
        "Frames dropped because the client was behind",
        |s| s.frames_skipped.load(Ordering::Relaxed),
    ),
    (
        "frame_bytes_sent",
        "Frame payload bytes handed to connections",
        |s| s.bytes_sent.load(Ordering::Relaxed),
    ),
    ("chat_lines", "Chat lines relayed to the room", |s| {
        s.chat.relayed.load(Ordering::Relaxed)
    }),
    (
        "chat_sanitised",
        "Chat lines relayed after cleaning changed them (cut, control or invisible characters)",
        |s| s.chat.sanitised.load(Ordering::Relaxed),
    ),
];

fn per_room(
    encoder: &mut DescriptorEncoder,
    rooms: &[Arc<RoomHandle>],
    (name, help, read): (&str, &str, Read),
    metric_type: MetricType,
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for room in rooms {
        let labels = [("room", room.id())];
        let value = read(room.status());
        let family = metric.encode_family(&labels)?;
        match metric_type {
            MetricType::Counter => ConstCounter::new(value).encode(family)?,
            _ => ConstGauge::new(value as i64).encode(family)?,
        }
    }
    Ok(())
}

/// A per-room counter family by `reason`: what `reasons` reads of a room, label by label.
type Reasons = fn(&RoomStatus) -> Vec<(&'static str, u64)>;

fn refusals(
    encoder: &mut DescriptorEncoder,
    rooms: &[Arc<RoomHandle>],
    (name, help, reasons): (&str, &str, Reasons),
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for room in rooms {
        for (reason, value) in reasons(room.status()) {
            let labels = [("room", room.id()), ("reason", reason)];
            ConstCounter::new(value).encode(metric.encode_family(&labels)?)?;
        }
    }
    Ok(())
}

/// Per-room refusals by reason: inputs (and joins), and chat lines.
const REFUSALS: [(&str, &str, Reasons); 2] = [
    ("chat_rejected", "Chat lines refused, by reason", |s| {
        ChatReject::ALL
            .into_iter()
            .map(|r| (r.label(), s.chat.rejected(r)))
            .collect()
    }),
    (
        "inputs_rejected",
        "Inputs and joins refused, by reason",
        |s| s.rejected.iter().map(|(r, n)| (r.label(), n)).collect(),
    ),
];

fn tick_seconds(encoder: &mut DescriptorEncoder, rooms: &[Arc<RoomHandle>]) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(
        "tick_seconds",
        "Time one room tick took",
        None,
        MetricType::Histogram,
    )?;
    for room in rooms {
        let (sum, count, buckets) = room.status().tick_times.snapshot();
        let labels = [("room", room.id())];
        metric
            .encode_family(&labels)?
            .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)?;
    }
    Ok(())
}

impl Collector for RoomCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let Some(lobby) = self.lobby.upgrade() else {
            return Ok(());
        };
        let rooms = lobby.all();
        let room_count = ConstGauge::new(rooms.len() as i64);
        room_count.encode(encoder.encode_descriptor(
            "rooms",
            "Open rooms",
            None,
            room_count.metric_type(),
        )?)?;
        tick_seconds(&mut encoder, &rooms)?;
        for gauge in GAUGES {
            per_room(&mut encoder, &rooms, gauge, MetricType::Gauge)?;
        }
        for counter in COUNTERS {
            per_room(&mut encoder, &rooms, counter, MetricType::Counter)?;
        }
        for family in REFUSALS {
            refusals(&mut encoder, &rooms, family)?;
        }
        Ok(())
    }
}
