//! The cluster benchmark (issue 12): what the Socket.IO Redis adapter layer of
//! `petri_server::cluster` costs, measured on a real `redis-server`.
//!
//! * `latency`: two [`ClusterNode`]s on one Redis; node A publishes single-room broadcasts (the
//!   room exists on node B) carrying a send timestamp at a steady rate, and B's
//!   [`LocalBroadcast`] records the arrival. Both ends are in this process, on one clock, so the
//!   one-way latency publish→deliver is exact. p50/p99/max are printed.
//! * `throughput`: K publishing nodes and M receiving nodes (plus B bystanders, nodes that receive
//!   every broadcast through the pattern subscription but lack the room, so they drop it on the
//!   channel name before decoding). Publishers keep a window of PUBLISHes in flight for S seconds.
//!   Each group runs on its own single-threaded runtime, so its CPU (from /proc/thread-self/stat)
//!   is what that role costs a node; Redis' CPU comes from `INFO cpu`.
//! * `fanout-scale`: the scale plan's measurement. One publisher at a fixed rate and N plain
//!   Redis connections doing `PSUBSCRIBE socket.io#/#*` and counting (a whole node per subscriber
//!   would measure this process, not Redis): Redis CPU per published message and per delivery at
//!   each N, then a rate ramp at the largest N up to where Redis' main thread nears one core.
//!
//! `cargo run --release --example cluster-bench -- --redis redis://127.0.0.1:6379 latency`
//! (or `PETRI_REDIS_URL`). Each mode prints readable lines on stderr and one JSON line on stdout
//! (bench/cluster.sh reads it). Every loop is bounded in count and time. It uses the default
//! adapter key (`socket.io`), so point it at a Redis of its own: bench/cluster.sh starts one.

#[path = "bench_support/mod.rs"]
mod bench_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use futures_util::StreamExt as _;
use parking_lot::Mutex;
use petri_server::cluster::adapter::{
    AdapterChannels, AdapterRequest, BroadcastMessage, BroadcastOpts, SioPacket, encode_broadcast,
};
use petri_server::cluster::{
    AdapterBinding, AdapterReplier, BoxFuture, ClusterConfig, ClusterNode, ClusterStats,
    CreateRefused, CreateRoom, DEFAULT_ADAPTER_KEY, LocalBroadcast, LocalRooms, LocalSnapshot,
    NodeId, RedisUrl, RoomCreated,
};
use rmpv::Value;
use serde_json::json;
use tokio::sync::{Semaphore, watch};

/// The namespace every broadcast goes to (the game's default one).
const NSP: &str = "/";
/// The room every single-room broadcast targets.
const ROOM: &str = "bench-room";
/// The event name carried by every broadcast.
const EVENT: &str = "bench";
/// How long nodes and subscribers get to connect and register before a run gives up.
const READY_WAIT: Duration = Duration::from_secs(15);
/// How long deliveries may trail the last publish before they are counted as lost.
const DRAIN: Duration = Duration::from_secs(2);
/// Upper bounds on the settings, so a typo cannot start an unbounded run.
const MAX_SECONDS: u64 = 120;
const MAX_RATE: u64 = 200_000;
const MAX_NODES: usize = 32;
const MAX_WINDOW: usize = 4_096;
const MAX_SUBSCRIBERS: usize = 5_000;
const MAX_PAYLOAD_BYTES: usize = 64 << 10;
const MAX_RAMP_STEPS: u32 = 12;
/// The most latency samples kept (10 s at 100,000/s); later arrivals are counted, not stored.
const MAX_SAMPLES: usize = 1_000_000;
/// How long a fan-out step waits for its last PUBLISHes to be answered (each of them is N writes
/// for Redis, so a step at saturation ends with a queue).
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);
/// How long Redis' idle CPU is read before the fan-out steps (subtracted from each step).
const IDLE_BASELINE: Duration = Duration::from_secs(2);
/// Subscriber connections opened at once while a fan-out step sets up.
const CONNECT_BATCH: usize = 100;
/// PUBLISHes in flight at once in the fixed-rate fan-out publisher (a slow Redis lowers the
/// achieved rate, which is reported, instead of growing this process without bound).
const FANOUT_IN_FLIGHT: usize = 256;
/// The ramp stops once Redis' main thread is this busy (fraction of one core)...
const SATURATED_CPU: f64 = 0.90;
/// ... or fewer than this share of the expected deliveries arrived, or of the asked publishes
/// went out.
const SATURATED_RATIO: f64 = 0.95;

#[derive(Parser)]
#[command(about = "Benchmarks the cluster layer (Socket.IO Redis adapter) on a real Redis")]
struct Args {
    /// The Redis to measure (its own, without other traffic).
    #[arg(long, env = "PETRI_REDIS_URL")]
    redis: String,
    /// Bytes of binary argument in every broadcast (the event name and a timestamp come too).
    #[arg(long, default_value_t = 64)]
    payload_bytes: usize,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// One-way publish→deliver latency between two nodes at a steady rate.
    Latency {
        #[arg(long, default_value_t = 1_000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Broadcasts per second one Redis carries, and the CPU each costs publisher and receivers.
    Throughput {
        #[arg(long, default_value_t = 1)]
        publishers: usize,
        #[arg(long, default_value_t = 2)]
        receivers: usize,
        #[arg(long, default_value_t = 1)]
        bystanders: usize,
        /// PUBLISHes in flight per publishing node.
        #[arg(long, default_value_t = 64)]
        window: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Redis' cost per publish and per delivery with N pattern subscribers.
    FanoutScale {
        /// Subscriber counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
        subscribers: Vec<usize>,
        /// Publishes per second at every N.
        #[arg(long, default_value_t = 100)]
        rate: u64,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Rate doublings tried at the largest N (0: no ramp).
        #[arg(long, default_value_t = 6)]
        ramp_steps: u32,
    },
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.payload_bytes > MAX_PAYLOAD_BYTES {
        bail!("--payload-bytes is at most {MAX_PAYLOAD_BYTES}");
    }
    let result = match args.mode {
        Mode::Latency { rate, seconds } => {
            check(rate, 1, MAX_RATE, "--rate")?;
            check(seconds, 1, MAX_SECONDS, "--seconds")?;
            runtime()?.block_on(latency(&args.redis, args.payload_bytes, rate, seconds))?
        }
        Mode::Throughput {
            publishers,
            receivers,
            bystanders,
            window,
            seconds,
        } => {
            check(publishers as u64, 1, MAX_NODES as u64, "--publishers")?;
            check(receivers as u64, 1, MAX_NODES as u64, "--receivers")?;
            check(bystanders as u64, 0, MAX_NODES as u64, "--bystanders")?;
            check(window as u64, 1, MAX_WINDOW as u64, "--window")?;
            check(seconds, 1, MAX_SECONDS, "--seconds")?;
            throughput(
                &args.redis,
                args.payload_bytes,
                [publishers, receivers, bystanders],
                window,
                seconds,
            )?
        }
        Mode::FanoutScale {
            subscribers,
            rate,
            seconds,
            ramp_steps,
        } => {
            if subscribers.is_empty() {
                bail!("--subscribers needs at least one count");
            }
            for &n in &subscribers {
                check(n as u64, 1, MAX_SUBSCRIBERS as u64, "--subscribers")?;
            }
            check(rate, 1, MAX_RATE, "--rate")?;
            check(seconds, 1, MAX_SECONDS, "--seconds")?;
            check(
                u64::from(ramp_steps),
                0,
                u64::from(MAX_RAMP_STEPS),
                "--ramp-steps",
            )?;
            runtime()?.block_on(fanout_scale(
                &args.redis,
                args.payload_bytes,
                &subscribers,
                rate,
                seconds,
                ramp_steps,
            ))?
        }
    };
    println!("{result}");
    Ok(())
}

fn check(value: u64, min: u64, max: u64, name: &str) -> anyhow::Result<()> {
    if !(min..=max).contains(&value) {
        bail!("{name} must be between {min} and {max}");
    }
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// A one-thread runtime: everything a node group does then runs on the calling thread, so that
/// thread's CPU time is the group's cost.
fn single_thread_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

// ---------------------------------------------------------------------------------------------
// Nodes and their seams

/// A node hosting no rooms: the directory part of the cluster is not what is measured here.
struct NoRooms;

impl LocalRooms for NoRooms {
    fn snapshot(&self) -> LocalSnapshot {
        LocalSnapshot::default()
    }

    fn create_room(&self, _request: CreateRoom) -> BoxFuture<Result<RoomCreated, CreateRefused>> {
        Box::pin(async {
            Err(CreateRefused {
                reason: "a benchmark node opens no rooms".to_owned(),
            })
        })
    }
}

/// What a benchmark node does with the broadcasts that reach it.
enum Sink {
    /// Has [`ROOM`]; records each broadcast's one-way latency (ns since `epoch`).
    Latency {
        epoch: Instant,
        samples: Mutex<Vec<u64>>,
        arrived: AtomicU64,
    },
    /// Has [`ROOM`]; counts deliveries.
    Count(AtomicU64),
    /// Has no room: every broadcast is dropped on its channel name (counted by `ClusterStats`).
    Bystander,
}

impl LocalBroadcast for Sink {
    fn has_room(&self, nsp: &str, room: &str) -> bool {
        nsp == NSP && room == ROOM && !matches!(self, Sink::Bystander)
    }

    fn deliver(&self, message: BroadcastMessage) {
        match self {
            Sink::Latency {
                epoch,
                samples,
                arrived,
            } => {
                let now = nanos_since(*epoch);
                arrived.fetch_add(1, Ordering::Relaxed);
                if let Some(sent) = message.packet.data.get(1).and_then(Value::as_u64) {
                    let mut samples = samples.lock();
                    if samples.len() < MAX_SAMPLES {
                        samples.push(now.saturating_sub(sent));
                    }
                }
            }
            Sink::Count(count) => {
                count.fetch_add(1, Ordering::Relaxed);
            }
            Sink::Bystander => {}
        }
    }

    /// No benchmark node sends adapter requests, so none needs an answer.
    fn request(&self, _nsp: &str, _request: AdapterRequest, _reply: Option<AdapterReplier>) {}
}

fn nanos_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A node with its own id under a key prefix of this run (so leftovers of an earlier run never
/// mix in), relaying namespace `/` when `sink` is given.
fn start_node(
    redis: &str,
    prefix: &str,
    id: &str,
    sink: Option<Arc<Sink>>,
) -> anyhow::Result<ClusterNode> {
    let mut config = ClusterConfig::new(RedisUrl::new(redis), "http://127.0.0.1:1");
    config.node_id = NodeId::parse(id).context("node id")?;
    config.key_prefix = prefix.to_owned();
    let adapter = sink.map(|local| AdapterBinding {
        namespaces: vec![NSP.to_owned()],
        local: local as Arc<dyn LocalBroadcast>,
    });
    Ok(ClusterNode::start(config, Arc::new(NoRooms), adapter)?)
}

async fn wait_connected(nodes: &[&ClusterNode]) -> anyhow::Result<()> {
    let deadline = Instant::now() + READY_WAIT;
    while !nodes.iter().all(|n| n.stats().connected()) {
        if Instant::now() > deadline {
            bail!("the nodes did not connect to Redis within {READY_WAIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn run_prefix(mode: &str) -> String {
    format!("bench-{mode}-{}", std::process::id())
}

/// A single-room broadcast from `uid` carrying `sent` (ns) and `payload`.
fn broadcast(uid: &str, sent: u64, payload: &[u8]) -> BroadcastMessage {
    BroadcastMessage {
        uid: uid.to_owned(),
        packet: SioPacket {
            kind: 2,
            data: vec![
                Value::from(EVENT),
                Value::from(sent),
                Value::Binary(payload.to_vec()),
            ],
            nsp: NSP.to_owned(),
        },
        opts: BroadcastOpts {
            rooms: vec![ROOM.to_owned()],
            ..BroadcastOpts::default()
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Redis' own figures

/// The INFO fields a run compares before and after.
#[derive(Debug, Clone, Copy, Default)]
struct RedisInfo {
    /// used_cpu_sys + used_cpu_user: the whole process (I/O threads, if any, included).
    cpu: f64,
    /// The same for the main thread alone: the one that saturates (Redis runs commands on it).
    main_cpu: f64,
    /// Subscribers dropped by `client-output-buffer-limit` (they fell too far behind).
    buffer_disconnects: u64,
}

async fn redis_info(conn: &mut redis::aio::MultiplexedConnection) -> anyhow::Result<RedisInfo> {
    let text: String = redis::cmd("INFO")
        .arg("everything")
        .query_async(conn)
        .await
        .context("INFO")?;
    let fields: HashMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.trim().split_once(':'))
        .collect();
    let num = |k: &str| fields.get(k).and_then(|v| v.parse::<f64>().ok());
    let cpu = num("used_cpu_sys").unwrap_or(0.0) + num("used_cpu_user").unwrap_or(0.0);
    let main_cpu = match (
        num("used_cpu_sys_main_thread"),
        num("used_cpu_user_main_thread"),
    ) {
        (Some(s), Some(u)) => s + u,
        _ => cpu,
    };
    Ok(RedisInfo {
        cpu,
        main_cpu,
        buffer_disconnects: num("client_output_buffer_limit_disconnections").unwrap_or(0.0) as u64,
    })
}

async fn redis_conn(redis: &str) -> anyhow::Result<redis::aio::MultiplexedConnection> {
    let client = redis::Client::open(redis).context("redis url")?;
    Ok(client.get_multiplexed_async_connection().await?)
}

fn process_cpu() -> f64 {
    bench_support::snapshot("self").map_or(0.0, |s| s.cpu_s)
}

/// This thread's CPU seconds (user + system).
fn thread_cpu() -> f64 {
    bench_support::snapshot("thread-self").map_or(0.0, |s| s.cpu_s)
}

// ---------------------------------------------------------------------------------------------
// latency

async fn latency(
    redis: &str,
    payload_bytes: usize,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<String> {
    let prefix = run_prefix("latency");
    let epoch = Instant::now();
    let sink = Arc::new(Sink::Latency {
        epoch,
        samples: Mutex::new(Vec::with_capacity(
            usize::try_from(rate * seconds)
                .unwrap_or(MAX_SAMPLES)
                .min(MAX_SAMPLES),
        )),
        arrived: AtomicU64::new(0),
    });
    // A has the namespace relayed too (as every real node does) but not the room: its own
    // broadcasts come back to it and are dropped on the channel name.
    let a = start_node(redis, &prefix, "lat-a", Some(Arc::new(Sink::Bystander)))?;
    let b = start_node(redis, &prefix, "lat-b", Some(Arc::clone(&sink)))?;
    wait_connected(&[&a, &b]).await?;
    let payload = vec![0xa5u8; payload_bytes];
    let total = rate * seconds;
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let start = tokio::time::Instant::now();
    let (mut sent, mut errors, mut receivers) = (0u64, 0u64, 0i64);
    for i in 0..total {
        tokio::time::sleep_until(start + period.mul_f64(i as f64)).await;
        let message = broadcast(a.adapter_uid(), nanos_since(epoch), &payload);
        match a.publish_broadcast(&message).await {
            Ok(n) => {
                sent += 1;
                receivers = n;
            }
            Err(_) => errors += 1,
        }
    }
    let took = start.elapsed().as_secs_f64();
    let Sink::Latency {
        samples, arrived, ..
    } = sink.as_ref()
    else {
        bail!("the latency sink changed kind");
    };
    let drain_until = Instant::now() + DRAIN;
    while arrived.load(Ordering::Relaxed) < sent && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut ms: Vec<f64> = samples.lock().iter().map(|&ns| ns as f64 / 1e6).collect();
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| quantile(&ms, p);
    let delivered = arrived.load(Ordering::Relaxed);
    let reconnects = [&a, &b]
        .iter()
        .map(|n| ClusterStats::get(&n.stats().connects).saturating_sub(1))
        .sum::<u64>();
    eprintln!(
        "latency: {sent} broadcasts at {:.0}/s ({} subscribers each), {delivered} delivered, \
         {errors} publish errors; one-way p50 {:.3} ms, p90 {:.3}, p99 {:.3}, p99.9 {:.3}, max {:.3}",
        sent as f64 / took,
        receivers,
        q(0.5),
        q(0.9),
        q(0.99),
        q(0.999),
        ms.last().copied().unwrap_or(f64::NAN),
    );
    let _ = a.shutdown().await;
    let _ = b.shutdown().await;
    Ok(json!({
        "mode": "latency",
        "rate": rate,
        "seconds": seconds,
        "payload_bytes": payload_bytes,
        "sent": sent,
        "delivered": delivered,
        "publish_errors": errors,
        "reconnects": reconnects,
        "achieved_rate": sent as f64 / took,
        "p50_ms": q(0.5),
        "p90_ms": q(0.9),
        "p99_ms": q(0.99),
        "p999_ms": q(0.999),
        "max_ms": ms.last().copied().unwrap_or(f64::NAN),
    })
    .to_string())
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

// ---------------------------------------------------------------------------------------------
// throughput

/// The phases every node group follows, driven by the main thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Setup,
    Measure,
    /// The window closed: publishing stops, CPU and counts are read.
    Stop,
    /// The drain is over: receivers report what arrived in all (backlog included).
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Publisher,
    Receiver,
    Bystander,
}

/// What one node group did during the measured window.
#[derive(Debug, Default)]
struct GroupResult {
    cpu_s: f64,
    published: u64,
    publish_errors: u64,
    delivered: u64,
    /// Deliveries by the end of the drain: the backlog Redis and the sockets still held at the
    /// window's end arrives too, unless it was dropped.
    delivered_total: u64,
    skipped: u64,
    reconnects: u64,
}

/// Runs `count` nodes of `role` on this thread until the phase says stop.
fn run_group(
    redis: String,
    prefix: String,
    role: Role,
    count: usize,
    window: usize,
    payload_bytes: usize,
    phase: watch::Receiver<Phase>,
    ready: std::sync::mpsc::Sender<anyhow::Result<()>>,
) -> anyhow::Result<GroupResult> {
    let rt = single_thread_runtime()?;
    rt.block_on(async move {
        let mut phase = phase;
        let mut nodes = Vec::with_capacity(count);
        let mut sinks = Vec::with_capacity(count);
        let started = (|| {
            for i in 0..count {
                let (sink, id) = match role {
                    Role::Publisher => (None, format!("pub-{i}")),
                    Role::Receiver => (
                        Some(Arc::new(Sink::Count(AtomicU64::new(0)))),
                        format!("recv-{i}"),
                    ),
                    Role::Bystander => (Some(Arc::new(Sink::Bystander)), format!("by-{i}")),
                };
                nodes.push(start_node(&redis, &prefix, &id, sink.clone())?);
                sinks.extend(sink);
            }
            Ok::<_, anyhow::Error>(())
        })();
        if let Err(error) = started {
            let _ = ready.send(Err(anyhow::anyhow!("{error:#}")));
            return Err(error);
        }
        let connected = wait_connected(&nodes.iter().collect::<Vec<_>>()).await;
        let failed = connected.as_ref().err().map(|e| anyhow::anyhow!("{e:#}"));
        let _ = ready.send(connected);
        if let Some(error) = failed {
            return Err(error);
        }
        let nodes: Vec<Arc<ClusterNode>> = nodes.into_iter().map(Arc::new).collect();
        let delivered = || -> u64 {
            sinks
                .iter()
                .map(|s| match s.as_ref() {
                    Sink::Count(c) => c.load(Ordering::Relaxed),
                    _ => 0,
                })
                .sum()
        };
        let skipped = || -> u64 {
            nodes
                .iter()
                .map(|n| ClusterStats::get(&n.stats().skipped_before_decode))
                .sum()
        };
        if phase.wait_for(|p| *p != Phase::Setup).await.is_err() {
            bail!("the benchmark stopped during setup");
        }
        let (cpu0, delivered0, skipped0) = (thread_cpu(), delivered(), skipped());
        let published = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::new();
        if role == Role::Publisher {
            let payload = vec![0xa5u8; payload_bytes];
            for node in &nodes {
                let message = broadcast(node.adapter_uid(), 0, &payload);
                for _ in 0..window {
                    let (node, message) = (Arc::clone(node), message.clone());
                    let (published, errors, stop) = (
                        Arc::clone(&published),
                        Arc::clone(&errors),
                        Arc::clone(&stop),
                    );
                    workers.push(tokio::spawn(async move {
                        // Bounded by the stop flag, set when the window ends (at most
                        // MAX_SECONDS after it starts).
                        while !stop.load(Ordering::Relaxed) {
                            match node.publish_broadcast(&message).await {
                                Ok(_) => published.fetch_add(1, Ordering::Relaxed),
                                Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                            };
                        }
                    }));
                }
            }
        }
        let _ = phase.wait_for(|p| *p >= Phase::Stop).await;
        stop.store(true, Ordering::Relaxed);
        let cpu1 = thread_cpu();
        let mut result = GroupResult {
            cpu_s: cpu1 - cpu0,
            published: published.load(Ordering::Relaxed),
            publish_errors: errors.load(Ordering::Relaxed),
            delivered: delivered() - delivered0,
            delivered_total: 0,
            skipped: skipped() - skipped0,
            reconnects: nodes
                .iter()
                .map(|n| ClusterStats::get(&n.stats().connects).saturating_sub(1))
                .sum(),
        };
        for worker in workers {
            let _ = tokio::time::timeout(DRAIN, worker).await;
        }
        let _ = phase.wait_for(|p| *p == Phase::Done).await;
        result.delivered_total = delivered() - delivered0;
        for node in &nodes {
            let _ = node.shutdown().await;
        }
        Ok(result)
    })
}

fn throughput(
    redis: &str,
    payload_bytes: usize,
    [publishers, receivers, bystanders]: [usize; 3],
    window: usize,
    seconds: u64,
) -> anyhow::Result<String> {
    let prefix = run_prefix("throughput");
    let (phase_tx, phase_rx) = watch::channel(Phase::Setup);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let mut groups = Vec::new();
    for (role, count) in [
        (Role::Publisher, publishers),
        (Role::Receiver, receivers),
        (Role::Bystander, bystanders),
    ] {
        if count == 0 {
            continue;
        }
        let (redis, prefix, phase, ready) = (
            redis.to_owned(),
            prefix.clone(),
            phase_rx.clone(),
            ready_tx.clone(),
        );
        groups.push((
            role,
            std::thread::Builder::new()
                .name(format!("{role:?}").to_lowercase())
                .spawn(move || {
                    run_group(
                        redis,
                        prefix,
                        role,
                        count,
                        window,
                        payload_bytes,
                        phase,
                        ready,
                    )
                })?,
        ));
    }
    drop(ready_tx);
    for _ in 0..groups.len() {
        ready_rx
            .recv_timeout(READY_WAIT * 2)
            .context("a node group did not report")??;
    }
    let rt = single_thread_runtime()?;
    let (before, after, cpu0, cpu1, wall) = rt.block_on(async {
        let mut conn = redis_conn(redis).await?;
        // Let every node's first heartbeat pass before the window opens.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = redis_info(&mut conn).await?;
        let cpu0 = process_cpu();
        let t0 = Instant::now();
        let _ = phase_tx.send(Phase::Measure);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let _ = phase_tx.send(Phase::Stop);
        let wall = t0.elapsed().as_secs_f64();
        let cpu1 = process_cpu();
        let after = redis_info(&mut conn).await?;
        tokio::time::sleep(DRAIN).await;
        let _ = phase_tx.send(Phase::Done);
        Ok::<_, anyhow::Error>((before, after, cpu0, cpu1, wall))
    })?;
    let mut by_role: HashMap<Role, GroupResult> = HashMap::new();
    for (role, thread) in groups {
        let result = thread
            .join()
            .map_err(|_| anyhow::anyhow!("a node group panicked"))??;
        by_role.insert(role, result);
    }
    let get = |r: Role| by_role.get(&r);
    let published = get(Role::Publisher).map_or(0, |g| g.published);
    let delivered = get(Role::Receiver).map_or(0, |g| g.delivered);
    let delivered_total = get(Role::Receiver).map_or(0, |g| g.delivered_total);
    let expected = published as f64 * receivers as f64;
    let skipped = get(Role::Bystander).map_or(0, |g| g.skipped);
    let per = |cpu: f64, n: u64| {
        if n == 0 {
            f64::NAN
        } else {
            cpu / n as f64 * 1e6
        }
    };
    let pub_cpu = get(Role::Publisher).map_or(0.0, |g| g.cpu_s);
    let recv_cpu = get(Role::Receiver).map_or(0.0, |g| g.cpu_s);
    let by_cpu = get(Role::Bystander).map_or(0.0, |g| g.cpu_s);
    let redis_cpu = after.cpu - before.cpu;
    let redis_main = after.main_cpu - before.main_cpu;
    let process = cpu1 - cpu0;
    let reconnects: u64 = by_role.values().map(|g| g.reconnects).sum();
    let errors: u64 = by_role.values().map(|g| g.publish_errors).sum();
    let buffer_disconnects = after
        .buffer_disconnects
        .saturating_sub(before.buffer_disconnects);
    eprintln!(
        "throughput: {publishers} publishers x {window} in flight, {receivers} receivers, \
         {bystanders} bystanders, {wall:.1} s: {:.0} broadcasts/s published, {:.0} deliveries/s \
         ({:.1}% of published x receivers in the window, {:.1}% after a {DRAIN:?} drain); Redis {:.0}% of a core (main thread {:.0}%), {:.2} µs \
         per broadcast; node CPU: publish {:.2} µs, deliver {:.2} µs, skip undecoded {:.2} µs; \
         whole process {:.2} µs per delivery; {errors} errors, {reconnects} reconnects, \
         {buffer_disconnects} output-buffer drops",
        published as f64 / wall,
        delivered as f64 / wall,
        100.0 * delivered as f64 / expected.max(1.0),
        100.0 * delivered_total as f64 / expected.max(1.0),
        100.0 * redis_cpu / wall,
        100.0 * redis_main / wall,
        per(redis_cpu, published),
        per(pub_cpu, published),
        per(recv_cpu, delivered),
        per(by_cpu, skipped),
        per(process, delivered),
    );
    Ok(json!({
        "mode": "throughput",
        "publishers": publishers,
        "receivers": receivers,
        "bystanders": bystanders,
        "window": window,
        "payload_bytes": payload_bytes,
        "seconds": wall,
        "published_per_s": published as f64 / wall,
        "delivered_per_s": delivered as f64 / wall,
        "skipped_per_s": skipped as f64 / wall,
        "delivery_ratio": delivered as f64 / expected.max(1.0),
        "delivery_ratio_after_drain": delivered_total as f64 / expected.max(1.0),
        "redis_cpu_per_s": redis_cpu / wall,
        "redis_main_thread_cpu_per_s": redis_main / wall,
        "redis_us_per_broadcast": per(redis_cpu, published),
        "publisher_cpu_per_s": pub_cpu / wall,
        "receiver_cpu_per_s": recv_cpu / wall,
        "bystander_cpu_per_s": by_cpu / wall,
        "publish_us": per(pub_cpu, published),
        "deliver_us": per(recv_cpu, delivered),
        "skip_us": per(by_cpu, skipped),
        "process_cpu_per_s": process / wall,
        "process_us_per_delivery": per(process, delivered),
        "publish_errors": errors,
        "reconnects": reconnects,
        "output_buffer_disconnects": buffer_disconnects,
    })
    .to_string())
}

// ---------------------------------------------------------------------------------------------
// fanout-scale

/// N plain pattern subscribers, counting every message.
struct Subscribers {
    received: Arc<AtomicU64>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Subscribers {
    async fn open(redis: &str, n: usize, pattern: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(redis).context("redis url")?;
        let received = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::with_capacity(n);
        let mut left = n;
        while left > 0 {
            let batch = left.min(CONNECT_BATCH);
            left -= batch;
            let opened = futures_util::future::join_all((0..batch).map(|_| async {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.psubscribe(pattern).await?;
                Ok::<_, redis::RedisError>(pubsub)
            }))
            .await;
            for pubsub in opened {
                let mut pubsub = pubsub.context("a subscriber could not connect")?;
                let (received, mut stopped) = (Arc::clone(&received), stopped.clone());
                tasks.push(tokio::spawn(async move {
                    let mut stream = pubsub.on_message();
                    // Ends on stop, or when Redis drops the connection (output-buffer limit).
                    loop {
                        tokio::select! {
                            message = stream.next() => match message {
                                Some(_) => { received.fetch_add(1, Ordering::Relaxed); }
                                None => return,
                            },
                            _ = stopped.changed() => return,
                        }
                    }
                }));
            }
        }
        Ok(Self {
            received,
            stop,
            tasks,
        })
    }

    fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    async fn close(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = tokio::time::timeout(DRAIN, task).await;
        }
    }
}

/// One fixed-rate step: what Redis did for `rate` publishes a second to `n` subscribers.
#[derive(Debug, Clone, serde::Serialize)]
struct FanoutStep {
    subscribers: usize,
    asked_rate: u64,
    published_per_s: f64,
    delivered_per_s: f64,
    delivery_ratio: f64,
    redis_cpu_per_s: f64,
    redis_main_thread_cpu_per_s: f64,
    /// Redis CPU above its idle level, per message.
    redis_us_per_publish: f64,
    redis_us_per_delivery: f64,
    /// This process (publisher + N subscribers): the receiving side's cost, for comparison.
    bench_process_cpu_per_s: f64,
    publish_errors: u64,
    output_buffer_disconnects: u64,
}

async fn fanout_step(
    conn: &mut redis::aio::MultiplexedConnection,
    subs: &Subscribers,
    channel: &str,
    payload: &[u8],
    rate: u64,
    seconds: u64,
    idle_cpu_per_s: f64,
) -> anyhow::Result<FanoutStep> {
    let in_flight = Arc::new(Semaphore::new(FANOUT_IN_FLIGHT));
    let published = Arc::new(AtomicU64::new(0));
    // A PUBLISH that errs (a client-side timeout at saturation) may still have been delivered.
    let failed = Arc::new(AtomicU64::new(0));
    let total = rate * seconds;
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let received0 = subs.received();
    let before = redis_info(conn).await?;
    let cpu0 = process_cpu();
    let start = tokio::time::Instant::now();
    for i in 0..total {
        tokio::time::sleep_until(start + period.mul_f64(i as f64)).await;
        // Never more than FANOUT_IN_FLIGHT outstanding: past that the step falls behind its
        // rate, which the achieved rate shows.
        let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else {
            break;
        };
        let (mut conn, channel, payload) = (conn.clone(), channel.to_owned(), payload.to_vec());
        let (published, failed) = (Arc::clone(&published), Arc::clone(&failed));
        tokio::spawn(async move {
            let _permit = permit;
            let sent = redis::cmd("PUBLISH")
                .arg(channel)
                .arg(payload)
                .query_async::<i64>(&mut conn)
                .await;
            let counter = if sent.is_ok() { &published } else { &failed };
            counter.fetch_add(1, Ordering::Relaxed);
        });
    }
    let _ = tokio::time::timeout(
        IN_FLIGHT_WAIT,
        in_flight.acquire_many(FANOUT_IN_FLIGHT as u32),
    )
    .await;
    let wall = start.elapsed().as_secs_f64();
    let after = redis_info(conn).await?;
    let cpu1 = process_cpu();
    let published = published.load(Ordering::Relaxed);
    let expected = published * subs.tasks.len() as u64;
    let drain_until = Instant::now() + DRAIN;
    while subs.received() - received0 < expected && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivered = subs.received() - received0;
    let redis_cpu = after.cpu - before.cpu;
    // Per message on what the traffic added: Redis' idle housekeeping (serverCron) is not
    // charged to the few messages of a small N.
    let net_cpu = (redis_cpu - idle_cpu_per_s * wall).max(0.0);
    let per = |n: u64| {
        if n == 0 {
            f64::NAN
        } else {
            net_cpu / n as f64 * 1e6
        }
    };
    Ok(FanoutStep {
        subscribers: subs.tasks.len(),
        asked_rate: rate,
        published_per_s: published as f64 / wall,
        delivered_per_s: delivered as f64 / wall,
        delivery_ratio: delivered as f64 / (expected as f64).max(1.0),
        redis_cpu_per_s: redis_cpu / wall,
        redis_main_thread_cpu_per_s: (after.main_cpu - before.main_cpu) / wall,
        redis_us_per_publish: per(published),
        redis_us_per_delivery: per(delivered),
        bench_process_cpu_per_s: (cpu1 - cpu0) / wall,
        publish_errors: failed.load(Ordering::Relaxed),
        output_buffer_disconnects: after
            .buffer_disconnects
            .saturating_sub(before.buffer_disconnects),
    })
}

fn print_step(label: &str, s: &FanoutStep) {
    eprintln!(
        "fanout-scale {label}: {} subscribers, {:.0} publishes/s (asked {}), {:.0} deliveries/s \
         ({:.1}%); Redis {:.0}% of a core (main thread {:.0}%), {:.1} µs per publish, {:.3} µs per \
         delivery; this process {:.0}% of a core; {} publish errors, {} output-buffer drops",
        s.subscribers,
        s.published_per_s,
        s.asked_rate,
        s.delivered_per_s,
        100.0 * s.delivery_ratio,
        100.0 * s.redis_cpu_per_s,
        100.0 * s.redis_main_thread_cpu_per_s,
        s.redis_us_per_publish,
        s.redis_us_per_delivery,
        100.0 * s.bench_process_cpu_per_s,
        s.publish_errors,
        s.output_buffer_disconnects,
    );
}

async fn fanout_scale(
    redis: &str,
    payload_bytes: usize,
    counts: &[usize],
    rate: u64,
    seconds: u64,
    ramp_steps: u32,
) -> anyhow::Result<String> {
    let channels = AdapterChannels::new(DEFAULT_ADAPTER_KEY, NSP, "fanout-pub");
    let pattern = channels.broadcast_pattern();
    let channel = channels.broadcast_for(&[ROOM.to_owned()]);
    let payload = encode_broadcast(&broadcast("fanout-pub", 0, &vec![0xa5u8; payload_bytes]));
    let mut conn = redis_conn(redis).await?;
    let idle_before = redis_info(&mut conn).await?;
    let idle_start = Instant::now();
    tokio::time::sleep(IDLE_BASELINE).await;
    let idle_after = redis_info(&mut conn).await?;
    let idle = (idle_after.cpu - idle_before.cpu) / idle_start.elapsed().as_secs_f64();
    eprintln!("fanout-scale: Redis idle {:.1}% of a core", idle * 100.0);
    let mut steps = Vec::new();
    let mut ramp = Vec::new();
    let largest = counts.iter().copied().max().unwrap_or(0);
    for &n in counts {
        let subs = Subscribers::open(redis, n, &pattern).await?;
        // Let the subscriptions settle (Redis answers PSUBSCRIBE before the next command).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let step = fanout_step(&mut conn, &subs, &channel, &payload, rate, seconds, idle).await?;
        print_step("fixed", &step);
        steps.push(step);
        if n == largest {
            let mut step_rate = rate;
            for _ in 0..ramp_steps {
                step_rate = (step_rate * 2).min(MAX_RATE);
                let step = fanout_step(
                    &mut conn, &subs, &channel, &payload, step_rate, seconds, idle,
                )
                .await?;
                print_step("ramp", &step);
                let saturated = step.redis_main_thread_cpu_per_s >= SATURATED_CPU
                    || step.delivery_ratio < SATURATED_RATIO
                    || step.published_per_s < SATURATED_RATIO * step_rate as f64
                    || step.output_buffer_disconnects > 0;
                ramp.push(step);
                if saturated || step_rate == MAX_RATE {
                    break;
                }
            }
        }
        subs.close().await;
    }
    // One core's worth of deliveries at the measured cost per delivery at the largest N (the
    // least noisy figure: most deliveries per publish).
    let cost = steps
        .iter()
        .filter(|s| s.subscribers == largest)
        .map(|s| s.redis_us_per_delivery)
        .next()
        .unwrap_or(f64::NAN);
    Ok(json!({
        "mode": "fanout-scale",
        "payload_bytes": payload_bytes,
        "message_bytes": payload.len(),
        "seconds": seconds,
        "redis_idle_cpu_per_s": idle,
        "steps": steps,
        "ramp": ramp,
        "deliveries_per_core_s": 1e6 / cost,
    })
    .to_string())
}
