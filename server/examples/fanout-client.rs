//! Load client of the fan-out benchmark: N raw Engine.IO/Socket.IO WebSocket connections, no
//! socket.io-client, so one process can hold thousands of them cheaply. It speaks only the
//! wire protocol, so it drives Petri's `fanout-bench` example and node's
//! `bench/node-fanout-server.js` alike (the comparison is fair: same client, same costs).
//!
//! Per connection: read the open packet `0{...}`, send `40`, read `40{...}`, send
//! `420["join","bench"]`, wait for the ack `430[...]`, then count each binary frame (the `tick`
//! attachment after its `451-[...]` header) and take latency = now - its first 8 bytes (f64 LE,
//! ms since the UNIX epoch). Engine.IO pings `2` are answered with `3`.
//!
//! Env: `ADDR` (127.0.0.1:3000), `N` (100), `DURATION` s (20), `WARMUP` s before the window
//! opens (2), `CONCURRENCY` (handshakes at once, 200), `CONNECT_DEADLINE` s (120), `SERVER_PID`
//! (its CPU time and RSS are read from /proc at the window's edges, so connection setup is not
//! billed), `LABEL`. Prints one JSON line. Bounded: every wait has a timeout, N <= 20 000.

mod bench_support;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

type Ws = WebSocketStream<TcpStream>;

/// Longest wait for any one handshake step.
const STEP: Duration = Duration::from_secs(15);
/// Latency samples kept per connection (bounds memory on long runs).
const MAX_SAMPLES: usize = 200_000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What one connection saw while `measuring` was set.
#[derive(Default)]
struct ConnStats {
    received: u64,
    pings: u64,
    disconnected: bool,
    latencies: Vec<f32>,
}

/// The next text frame, answering Engine.IO pings on the way; binary frames are skipped (a tick
/// can arrive before the join ack).
async fn next_text(ws: &mut Ws) -> Result<String, String> {
    loop {
        let msg = timeout(STEP, ws.next())
            .await
            .map_err(|_| "handshake step timed out".to_owned())?;
        match msg {
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                ws.send(Message::text("3"))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_owned()),
            Some(Ok(Message::Close(_))) | None => return Err("closed during handshake".into()),
            Some(Err(e)) => return Err(e.to_string()),
            Some(Ok(_)) => {}
        }
    }
}

async fn handshake(addr: &str) -> Result<Ws, String> {
    let tcp = timeout(STEP, TcpStream::connect(addr))
        .await
        .map_err(|_| "tcp connect timed out".to_owned())?
        .map_err(|e| format!("tcp connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    // Small buffers: thousands of connections at tungstenite's 128 KiB defaults would make the
    // client, not the server, the memory hog of the idle test.
    let cfg = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = timeout(STEP, client_async_with_config(url, tcp, Some(cfg)))
        .await
        .map_err(|_| "websocket upgrade timed out".to_owned())?
        .map_err(|e| format!("websocket upgrade: {e}"))?;
    let open = next_text(&mut ws).await?;
    if !open.starts_with('0') {
        return Err(format!("expected open packet, got {open:.80}"));
    }
    ws.send(Message::text("40"))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let t = next_text(&mut ws).await?;
        if t.starts_with("40") {
            break;
        }
        if t.starts_with("44") {
            return Err(format!("connect error: {t:.80}"));
        }
    }
    ws.send(Message::text(r#"420["join","bench"]"#))
        .await
        .map_err(|e| e.to_string())?;
    while !next_text(&mut ws).await?.starts_with("430") {}
    Ok(ws)
}

/// Reads until `stop`; counts ticks and pings only while `measuring` is set.
async fn pump(
    mut ws: Ws,
    measuring: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
) -> ConnStats {
    let mut st = ConnStats::default();
    loop {
        let msg = tokio::select! {
            biased;
            _ = stop.changed() => break,
            m = ws.next() => m,
        };
        let on = measuring.load(Ordering::Relaxed);
        match msg {
            Some(Ok(Message::Binary(b))) if b.len() >= 8 => {
                if on {
                    let mut stamp = [0u8; 8];
                    stamp.copy_from_slice(&b[..8]);
                    st.received += 1;
                    if st.latencies.len() < MAX_SAMPLES {
                        st.latencies
                            .push((epoch_ms() - f64::from_le_bytes(stamp)) as f32);
                    }
                }
            }
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                if ws.send(Message::text("3")).await.is_err() {
                    st.disconnected = on;
                    break;
                }
                st.pings += u64::from(on);
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                st.disconnected = on;
                break;
            }
            Some(Ok(_)) => {}
        }
    }
    let _ = timeout(Duration::from_secs(1), ws.close(None)).await;
    st
}

/// Rounded to `places` decimals, for a readable report.
fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// The `p`th percentile of sorted samples (the library's nearest-rank rule), `None` for none.
fn pct(sorted: &[f64], p: f64) -> Option<f64> {
    (!sorted.is_empty()).then(|| round(petri_server::stats::quantile(sorted, p / 100.0), 3))
}

fn main() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run());
    Ok(())
}

async fn run() {
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let n = env_u64("N", 100).min(20_000) as usize;
    let duration = Duration::from_secs(env_u64("DURATION", 20).min(3600));
    let concurrency = env_u64("CONCURRENCY", 200).max(1) as usize;
    let deadline = Duration::from_secs(env_u64("CONNECT_DEADLINE", 120));
    let warmup = Duration::from_secs(env_u64("WARMUP", 2).min(60));
    let server_pid = std::env::var("SERVER_PID").ok();

    let measuring = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (ready_tx, mut ready_rx) = mpsc::channel::<Result<(), String>>(n.max(1));
    let gate = Arc::new(Semaphore::new(concurrency));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let (addr, gate, ready) = (addr.clone(), gate.clone(), ready_tx.clone());
        let (measuring, stop) = (measuring.clone(), stop_rx.clone());
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            let ws = handshake(&addr).await;
            drop(permit);
            match ws {
                Ok(ws) => {
                    let _ = ready.send(Ok(())).await;
                    Some(pump(ws, measuring, stop).await)
                }
                Err(e) => {
                    let _ = ready.send(Err(e)).await;
                    None
                }
            }
        }));
    }
    drop(ready_tx);

    let t0 = Instant::now();
    let (mut connected, mut failed, mut first_error) = (0usize, 0usize, None);
    while connected + failed < n {
        let left = deadline.saturating_sub(t0.elapsed());
        match timeout(left, ready_rx.recv()).await {
            Ok(Some(Ok(()))) => connected += 1,
            Ok(Some(Err(e))) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
            Ok(None) | Err(_) => break,
        }
    }
    let connect_s = t0.elapsed().as_secs_f64();
    // Let the server settle (node's JIT, the last joins' bursts) before the window opens.
    tokio::time::sleep(warmup).await;

    let before = server_pid.as_deref().and_then(bench_support::snapshot);
    let client_before = bench_support::snapshot("self");
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    measuring.store(false, Ordering::Relaxed);
    let window = started.elapsed().as_secs_f64();
    let after = server_pid.as_deref().and_then(bench_support::snapshot);
    let client_after = bench_support::snapshot("self");
    let _ = stop_tx.send(true);

    let mut all = ConnStats::default();
    for t in tasks {
        // Tasks still stuck in a handshake are abandoned after the grace period.
        if let Ok(Ok(Some(st))) = timeout(Duration::from_secs(5), t).await {
            all.received += st.received;
            all.pings += st.pings;
            all.disconnected |= st.disconnected;
            all.latencies.extend(st.latencies);
            if st.disconnected {
                failed += 1;
            }
        }
    }
    all.latencies.sort_by(f32::total_cmp);
    let latencies: Vec<f64> = all.latencies.iter().map(|&l| f64::from(l)).collect();

    let server_cpu = match (&before, &after) {
        (Some(b), Some(a)) => Some(round(a.cpu_s - b.cpu_s, 2)),
        _ => None,
    };
    let server_sys = match (&before, &after) {
        (Some(b), Some(a)) => Some(round(a.sys_s - b.sys_s, 2)),
        _ => None,
    };
    let client_cpu = match (&client_before, &client_after) {
        (Some(b), Some(a)) => Some(round(a.cpu_s - b.cpu_s, 2)),
        _ => None,
    };
    let out = json!({
        "label": std::env::var("LABEL").unwrap_or_default(),
        "clients": n,
        "connected": connected,
        "failed_or_dropped": failed,
        "first_error": first_error,
        "connect_s": round(connect_s, 2),
        "window_s": round(window, 3),
        "received": all.received,
        "per_client_per_s": round(all.received as f64 / connected.max(1) as f64 / window, 2),
        "pings_answered": all.pings,
        "latency_ms": {
            "p50": pct(&latencies, 50.0),
            "p99": pct(&latencies, 99.0),
            "max": pct(&latencies, 100.0),
        },
        "server_cpu_s": server_cpu,
        "server_sys_s": server_sys,
        "msgs_per_server_cpu_s": server_cpu.filter(|c| *c > 0.0).map(|c| (all.received as f64 / c).round()),
        "server_rss_kb_start": before.map(|s| s.rss_kb),
        "server_rss_kb_end": after.map(|s| s.rss_kb),
        "client_cpu_s": client_cpu,
    });
    println!("{out}");
}
