//! `/metrics` in the Prometheus text format, through the `prometheus-client` crate.
//!
//! Two kinds of numbers: the per-room tick time is a live histogram that each room's thread
//! observes; everything else a room already counts in its atomic `RoomStatus`, so a collector
//! reads those at scrape time instead of keeping a second copy that could drift.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::realtime::{ConnectionStats, RefusalReason};
use crate::rooms::Lobby;

/// Label set naming a room.
pub type RoomLabel = [(&'static str, String); 1];

/// Per-room tick durations, in seconds.
pub type TickHistograms = Family<RoomLabel, Histogram, fn() -> Histogram>;

fn tick_histogram() -> Histogram {
    // 0.1 ms to about 200 ms: a 25 Hz tick has 40 ms to spend
    Histogram::new(exponential_buckets(0.000_1, 2.0, 12))
}

/// A fresh, empty family of tick histograms.
pub fn tick_histograms() -> TickHistograms {
    Family::new_with_constructor(tick_histogram)
}

/// Everything `/metrics` shows.
pub struct Metrics {
    registry: Registry,
    /// Open WebSocket connections (one per client, however many namespaces it joined). Set at
    /// scrape time from the realtime layer's counters (`routes.rs`).
    pub connections: Gauge,
}

impl Metrics {
    pub fn new(lobby: &Arc<Lobby>, ticks: TickHistograms) -> Self {
        let mut registry = Registry::with_prefix("petri");
        registry.register("tick_seconds", "Time one room tick took", ticks);
        let connections = Gauge::default();
        registry.register(
            "connections",
            "Open WebSocket connections",
            connections.clone(),
        );
        registry.register_collector(Box::new(RoomCollector {
            lobby: Arc::downgrade(lobby),
        }));
        Self {
            registry,
            connections,
        }
    }

    /// Also exports the realtime layer's refusal counters, read at scrape time
    /// (`petri_connections_refused_total{reason=...}`).
    pub fn with_connections(mut self, stats: Arc<ConnectionStats>) -> Self {
        self.registry
            .register_collector(Box::new(ConnectionCollector { stats }));
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
        let refused: Vec<_> = RefusalReason::ALL
            .iter()
            .map(|&r| {
                (
                    vec![("reason", r.as_str().to_owned())],
                    self.stats.refused(r),
                )
            })
            .collect();
        counter(
            &mut encoder,
            "connections_refused",
            "Connections refused, by reason",
            &refused,
        )
    }
}

/// Reads the rooms' own counters at scrape time.
#[derive(Debug)]
struct RoomCollector {
    lobby: Weak<Lobby>,
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(String, u64)],
) -> std::fmt::Result {
    let mut metric =
        encoder.encode_descriptor(name, help, None, ConstGauge::new(0i64).metric_type())?;
    for (room, value) in values {
        let labels = [("room", room.as_str())];
        ConstGauge::new(*value as i64).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Vec<(&str, String)>, u64)],
) -> std::fmt::Result {
    let mut metric =
        encoder.encode_descriptor(name, help, None, ConstCounter::new(0u64).metric_type())?;
    for (labels, value) in values {
        ConstCounter::new(*value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

impl Collector for RoomCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let Some(lobby) = self.lobby.upgrade() else {
            return Ok(());
        };
        let rooms = lobby.all();
        let load = |f: &dyn Fn(&crate::rooms::RoomStatus) -> u64| -> Vec<(String, u64)> {
            rooms
                .iter()
                .map(|r| (r.id().to_owned(), f(r.status())))
                .collect()
        };
        let room_count = ConstGauge::new(rooms.len() as i64);
        room_count.encode(encoder.encode_descriptor(
            "rooms",
            "Open rooms",
            None,
            room_count.metric_type(),
        )?)?;
        gauge(
            &mut encoder,
            "players",
            "People playing, per room",
            &load(&|s| u64::from(s.players.load(Ordering::Relaxed))),
        )?;
        gauge(
            &mut encoder,
            "bots",
            "Bots playing, per room",
            &load(&|s| u64::from(s.bots.load(Ordering::Relaxed))),
        )?;
        gauge(
            &mut encoder,
            "spectators",
            "Spectators, per room",
            &load(&|s| u64::from(s.spectators.load(Ordering::Relaxed))),
        )?;
        let per_room =
            |f: &dyn Fn(&crate::rooms::RoomStatus) -> u64| -> Vec<(Vec<(&str, String)>, u64)> {
                rooms
                    .iter()
                    .map(|r| (vec![("room", r.id().to_owned())], f(r.status())))
                    .collect()
            };
        counter(
            &mut encoder,
            "ticks",
            "Ticks run, per room",
            &per_room(&|s| s.ticks.load(Ordering::Relaxed)),
        )?;
        counter(
            &mut encoder,
            "frames_sent",
            "Frames handed to connections",
            &per_room(&|s| s.frames_sent.load(Ordering::Relaxed)),
        )?;
        counter(
            &mut encoder,
            "frames_skipped",
            "Frames dropped because the client was behind",
            &per_room(&|s| s.frames_skipped.load(Ordering::Relaxed)),
        )?;
        counter(
            &mut encoder,
            "frame_bytes_sent",
            "Frame payload bytes handed to connections",
            &per_room(&|s| s.bytes_sent.load(Ordering::Relaxed)),
        )?;
        let mut rejected = Vec::new();
        for r in &rooms {
            let c = &r.status().rejected;
            for (reason, value) in [
                ("rate_limited", &c.rate_limited),
                ("bad_number", &c.bad_number),
                ("not_playing", &c.not_playing),
                ("join_refused", &c.join_refused),
                ("unknown_event", &c.unknown_event),
            ] {
                rejected.push((
                    vec![("room", r.id().to_owned()), ("reason", reason.to_owned())],
                    value.load(Ordering::Relaxed),
                ));
            }
        }
        counter(
            &mut encoder,
            "inputs_rejected",
            "Inputs and joins refused, by reason",
            &rejected,
        )?;
        Ok(())
    }
}
