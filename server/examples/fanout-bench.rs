//! Room fan-out benchmark server: the same contract as `bench/node-fanout-server.js`, built on
//! Petri's realtime layer, so one load client can drive both and compare them.
//!
//! Clients emit `join` ("bench", ack); every 1/HZ s the server emits a binary `tick` to room
//! "bench". The payload is BYTES bytes: the first 8 are the send time as a little-endian f64 in
//! ms since the UNIX epoch (what node's `performance.timeOrigin + performance.now()` gives, so
//! the two servers' stamps mean the same thing to a client), the rest filler (byte i = i % 256).
//!
//! `PORT=0 HZ=25 BYTES=200 cargo run --release -p petri-server --example fanout-bench` prints
//! `listening on 127.0.0.1:<port>` and exits on SIGTERM/SIGINT or stdin EOF. `HZ=0` sends no
//! ticks (the idle-connections test). `PING_INTERVAL`/`PING_TIMEOUT` (ms) tune the heartbeat,
//! `MAX_CONNECTIONS` bounds connections (all load comes from 127.0.0.1, so the per-address
//! limit is raised to match). Per-second stats go to stderr.

mod common;

use bytes::{BufMut, Bytes, BytesMut};
use petri_server::realtime::{Payload, RealtimeConfig, SocketIo};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn main() -> std::io::Result<()> {
    common::init_tracing();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run())
}

fn config() -> RealtimeConfig {
    let max = usize::try_from(common::env_u64("MAX_CONNECTIONS", 20_000)).unwrap_or(20_000);
    RealtimeConfig {
        max_connections: max,
        // Every benchmark client shares 127.0.0.1: the per-address cap (default 256) would
        // refuse most of them.
        max_connections_per_address: max,
        ..common::config_from_env(25_000, 20_000)
    }
}

async fn run() -> std::io::Result<()> {
    let io = SocketIo::new(config());
    io.ns("/", |socket| {
        socket.on("join", |s, p, ack| {
            let room = match p.args.first() {
                Some(Value::String(r)) => r.clone(),
                _ => "bench".to_owned(),
            };
            s.join(room);
            if let Some(ack) = ack {
                let _ = ack.send(json!(true));
            }
        });
    });

    let port = u16::try_from(common::env_u64("PORT", 3000)).unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    common::announce(&listener)?;

    let hz = common::env_u64("HZ", 25);
    let bytes = usize::try_from(common::env_u64("BYTES", 200))
        .unwrap_or(200)
        .max(8);
    if hz > 0 {
        tokio::spawn(ticker(io.clone(), hz, bytes));
    }
    tokio::spawn(stats(io.clone()));
    petri_server::realtime::http::serve(
        listener,
        io,
        petri_server::realtime::http::no_routes,
        common::exit_signal(),
    )
    .await
}

/// Wall-clock ms since the UNIX epoch, as f64: the clock both servers stamp ticks with.
fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Emits `tick` to room "bench" at `hz`. One buffer per tick, encoded once and shared by every
/// recipient (that is what the benchmark measures).
async fn ticker(io: SocketIo, hz: u64, bytes: usize) {
    let filler: Vec<u8> = (8..bytes).map(|i| (i % 256) as u8).collect();
    let mut every = tokio::time::interval(Duration::from_micros(1_000_000 / hz.max(1)));
    // Like node's setInterval: a late tick is not followed by a catch-up burst.
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let Some(ns) = io.of("/") else { return };
    loop {
        every.tick().await;
        let mut buf = BytesMut::with_capacity(bytes);
        buf.put_f64_le(epoch_ms());
        buf.put_slice(&filler);
        let tick: Bytes = buf.freeze();
        let _ = ns.to("bench").emit("tick", Payload::new().bin(tick));
        TICKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

static TICKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One line a second on stderr, as the node server prints.
async fn stats(io: SocketIo) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        let Some(ns) = io.of("/") else { return };
        let ticks = TICKS.load(std::sync::atomic::Ordering::Relaxed);
        eprintln!(
            "ticks={ticks} clients={} in-room={}",
            ns.len(),
            ns.room_len("bench")
        );
    }
}
