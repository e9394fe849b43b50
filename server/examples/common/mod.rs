//! Shared plumbing of the Socket.IO example servers: settings from the environment, the
//! "listening on" line, and the exit conditions (SIGTERM/SIGINT or stdin closing, so a test
//! harness that dies takes the server along).

#![allow(dead_code)]

use petri_server::realtime::RealtimeConfig;
use std::io::Read as _;
use std::io::Write as _;
use std::time::Duration;
use tokio::net::TcpListener;

/// Reads an integer env var, falling back to `default` when unset or invalid.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// `RealtimeConfig` with `PING_INTERVAL`, `PING_TIMEOUT` (ms) and `MAX_PAYLOAD` (bytes) applied.
pub fn config_from_env(ping_interval: u64, ping_timeout: u64) -> RealtimeConfig {
    let max_payload = env_u64("MAX_PAYLOAD", 1_000_000);
    RealtimeConfig {
        ping_interval: Duration::from_millis(env_u64("PING_INTERVAL", ping_interval)),
        ping_timeout: Duration::from_millis(env_u64("PING_TIMEOUT", ping_timeout)),
        max_payload: usize::try_from(max_payload).unwrap_or(usize::MAX),
        ..RealtimeConfig::default()
    }
}

/// Prints the one line test harnesses wait for, and flushes it.
pub fn announce(listener: &TcpListener) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {addr}")?;
    out.flush()
}

/// Completes on SIGTERM, SIGINT, or when stdin reaches EOF (or fails).
pub async fn exit_signal() {
    // A plain thread blocks on stdin (tokio's async stdin needs an extra feature for nothing).
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 256];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = eof_tx.send(());
    });
    let stdin_closed = async {
        let _ = eof_rx.await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = stdin_closed => {}
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// Installs a `tracing` subscriber honouring `RUST_LOG` (default `warn`), writing to stderr.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
