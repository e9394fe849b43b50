//! What a swarm measured, as a table for people and JSON for programs.

use std::fmt::Write as _;

use serde::Serialize;

use super::player::BotStats;
use crate::stats::quantile;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwarmReport {
    pub bots: usize,
    pub rooms: usize,
    pub seconds: f64,
    pub connected: usize,
    pub failed: usize,
    /// Bots whose connection ended before the swarm did.
    pub disconnects: usize,
    pub frames_received: u64,
    pub frames_per_second: f64,
    pub bytes_per_second_per_client: f64,
    pub frames_skipped: u64,
    pub deaths: u64,
    pub latency_samples: usize,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    /// Bots that played, per server (cluster node) URL.
    pub nodes: std::collections::BTreeMap<String, usize>,
    /// The first few distinct errors, to say what went wrong.
    pub errors: Vec<String>,
}

impl SwarmReport {
    pub fn from_bots(stats: &[BotStats], rooms: usize, seconds: f64) -> Self {
        let connected = stats.iter().filter(|s| s.connected).count();
        let frames_received: u64 = stats.iter().map(|s| s.frames).sum();
        let bytes: u64 = stats.iter().map(|s| s.bytes).sum();
        let mut latencies: Vec<f64> = stats
            .iter()
            .flat_map(|s| s.latencies_ms.iter().copied())
            .collect();
        latencies.sort_by(f64::total_cmp);
        let mut errors: Vec<String> = Vec::new();
        for e in stats.iter().filter_map(|s| s.error.clone()) {
            if errors.len() < 5 && !errors.contains(&e) {
                errors.push(e);
            }
        }
        let seconds = seconds.max(1e-9);
        let mut nodes = std::collections::BTreeMap::new();
        for node in stats.iter().filter_map(|s| s.node.clone()) {
            *nodes.entry(node).or_insert(0) += 1;
        }
        let mut played_in: Vec<(&String, &String)> = stats
            .iter()
            .filter_map(|s| s.node.as_ref().zip(s.room.as_ref()))
            .collect();
        played_in.sort_unstable();
        played_in.dedup();
        Self {
            // the rooms bots really played in (a quick-play swarm names none up front)
            rooms: rooms.max(played_in.len()),
            nodes,
            bots: stats.len(),
            seconds,
            connected,
            failed: stats.len() - connected,
            disconnects: stats.iter().filter(|s| s.disconnected_early).count(),
            frames_received,
            frames_per_second: frames_received as f64 / seconds,
            bytes_per_second_per_client: bytes as f64 / seconds / connected.max(1) as f64,
            frames_skipped: stats.iter().map(|s| s.frames_skipped).sum(),
            deaths: stats.iter().map(|s| s.deaths).sum(),
            latency_samples: latencies.len(),
            latency_p50_ms: quantile(&latencies, 0.5),
            latency_p99_ms: quantile(&latencies, 0.99),
            errors,
        }
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let nodes = self
            .nodes
            .iter()
            .map(|(url, bots)| format!("{url} {bots}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: [(&str, String); 12] = [
            (
                "bots",
                format!(
                    "{} in {} room(s), {:.1} s",
                    self.bots, self.rooms, self.seconds
                ),
            ),
            ("connected", self.connected.to_string()),
            ("bots per node", nodes),
            ("failed", self.failed.to_string()),
            ("disconnects", self.disconnects.to_string()),
            (
                "frames received",
                format!("{} ({:.0}/s)", self.frames_received, self.frames_per_second),
            ),
            (
                "bytes per client",
                format!("{:.0} B/s", self.bytes_per_second_per_client),
            ),
            ("frames skipped", self.frames_skipped.to_string()),
            ("deaths", self.deaths.to_string()),
            (
                "input-to-effect p50",
                format!("{:.1} ms", self.latency_p50_ms),
            ),
            (
                "input-to-effect p99",
                format!(
                    "{:.1} ms ({} samples)",
                    self.latency_p99_ms, self.latency_samples
                ),
            ),
            (
                "errors",
                if self.errors.is_empty() {
                    "none".into()
                } else {
                    self.errors.join("; ")
                },
            ),
        ];
        for (name, value) in rows {
            let _ = writeln!(out, "  {name:<22} {value}");
        }
        out
    }
}
