//! The floor under the fan-out benchmark: what the kernel charges a sender for one message on
//! one loopback TCP connection, with no server around it.
//!
//! N connections; every 1/HZ s one thread `send`s MSG_BYTES bytes (the size of one Petri `tick`
//! on the wire: the Socket.IO text frame and the 200-byte binary frame) on each, with blocking
//! std sockets, so user time is next to nothing. The readers are a second process (this binary
//! again, `ROLE=reader`), a tokio runtime with a task per connection, as in the benchmark's load
//! client. On loopback the sender's `send` also runs the receiving side's TCP processing and
//! wakes the reader, so this is what *any* server pays per delivered message here: a server's
//! CPU per message divided into it is the best messages per CPU-second one could reach.
//!
//! `N=1000 HZ=25 DURATION=10 MSG_BYTES=251 cargo run --release --example send-floor` prints one
//! JSON line (bench/RESULTS-realtime.md). Every loop is bounded in count and time.

#[path = "bench_support/mod.rs"]
mod bench_support;
#[path = "common/mod.rs"]
mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    if std::env::var("ROLE").as_deref() == Ok("reader") {
        return reader();
    }
    let n = common::env_u64("N", 1000) as usize;
    let hz = common::env_u64("HZ", 25).max(1);
    let duration = common::env_u64("DURATION", 10);
    let msg = vec![b'x'; common::env_u64("MSG_BYTES", 251) as usize];

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut readers = std::process::Command::new(std::env::current_exe()?)
        .env("ROLE", "reader")
        .env("ADDR", addr.to_string())
        .env("N", n.to_string())
        .env("SECONDS", (duration + 20).to_string())
        .spawn()?;
    let mut senders = Vec::with_capacity(n);
    for _ in 0..n {
        let (s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        senders.push(s);
    }
    std::thread::sleep(Duration::from_secs(1));

    let before = bench_support::snapshot("self").ok_or_else(|| anyhow::anyhow!("no /proc"))?;
    let period = Duration::from_secs(1) / hz as u32;
    let mut next = Instant::now();
    let mut sent = 0u64;
    for _ in 0..hz * duration {
        for s in &mut senders {
            s.write_all(&msg)?;
            sent += 1;
        }
        next += period;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let after = bench_support::snapshot("self").ok_or_else(|| anyhow::anyhow!("no /proc"))?;
    drop(senders);
    let received = readers.wait()?;

    let cpu = after.cpu_s - before.cpu_s;
    println!(
        "{}",
        serde_json::json!({
            "clients": n,
            "hz": hz,
            "msg_bytes": msg.len(),
            "sent": sent,
            "sender_cpu_s": cpu,
            "sender_sys_s": after.sys_s - before.sys_s,
            "us_per_msg": (cpu / sent as f64 * 1e7).round() / 10.0,
            "msgs_per_cpu_s": (sent as f64 / cpu).round(),
            "readers_ok": received.success(),
        })
    );
    Ok(())
}

/// Connects N sockets and reads until each is closed (or SECONDS pass).
fn reader() -> anyhow::Result<()> {
    let addr = std::env::var("ADDR")?;
    let n = common::env_u64("N", 1000);
    let seconds = common::env_u64("SECONDS", 30);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        use tokio::io::AsyncReadExt;
        let mut tasks = Vec::new();
        for _ in 0..n {
            let std_stream = TcpStream::connect(&addr)?;
            std_stream.set_nonblocking(true)?;
            let mut s = tokio::net::TcpStream::from_std(std_stream)?;
            tasks.push(tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let read_all = async {
                    while let Ok(k) = s.read(&mut buf).await {
                        if k == 0 {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(seconds), read_all).await;
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        anyhow::Ok(())
    })
}
