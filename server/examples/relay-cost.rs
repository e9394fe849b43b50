//! What the relay saves on the receiving side, timed in process (no Redis, no sockets):
//!
//! 1. a server's own broadcast coming back through the pattern subscription: decoded and then
//!    dropped (what the Node adapter does) against dropped on its first bytes (`sent_by`);
//! 2. another server's broadcast that matches no local socket: converted and encoded (what a
//!    relay that converts first would do) against `deliver_remote`, which selects first and
//!    converts nothing when nobody is selected;
//! 3. a local broadcast to an empty namespace with and without a remote hook (the hook's own
//!    cost: a payload copy and the conversion to msgpack values).
//!
//! `cargo run -p petri-server --example relay-cost [iterations]`; prints ns per message. Timings
//! are whatever this machine and build give; compare the columns, not the absolute numbers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use petri_server::cluster::LocalBroadcast;
use petri_server::cluster::adapter::{
    BroadcastMessage, BroadcastOpts, SioPacket, decode_broadcast, encode_broadcast, sent_by,
};
use petri_server::realtime::remote::BoxFuture;
use petri_server::realtime::{
    Payload, RealtimeConfig, RemoteAcks, RemoteAdapter, RemoteError, RemoteFlags, Selector,
    SocketInfo, SocketIo, SocketsOp,
};
use petri_server::relay::{LocalSockets, event_data, to_payload};
use serde_json::json;

const MAX: usize = 1 << 20;

fn message(binary: usize) -> BroadcastMessage {
    let payload = Payload::new()
        .arg(json!({"from": "ana", "text": "hello there, how are you", "at": 1_700_000_000u64}))
        .arg(42)
        .bin(vec![7u8; binary]);
    BroadcastMessage {
        uid: "node-a".into(),
        packet: SioPacket {
            kind: 2,
            data: event_data("chat", &payload),
            nsp: "/".into(),
        },
        opts: BroadcastOpts {
            rooms: vec!["lobby".into(), "other".into()],
            ..BroadcastOpts::default()
        },
    }
}

fn per_message(n: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

/// A hook that does what the cluster one does on the emitting thread, then forgets the result.
struct ConvertOnly;

impl RemoteAdapter for ConvertOnly {
    fn broadcast(&self, _: &str, _: Selector, _: RemoteFlags, event: &str, payload: Payload) {
        std::hint::black_box(event_data(event, &payload));
    }
    fn broadcast_with_ack(
        &self,
        _: &str,
        _: Selector,
        _: &str,
        _: Payload,
        _: Duration,
    ) -> BoxFuture<Result<RemoteAcks, RemoteError>> {
        Box::pin(async { Ok(RemoteAcks::default()) })
    }
    fn server_side_emit(
        &self,
        _: &str,
        _: &str,
        _: Payload,
        _: Option<Duration>,
    ) -> BoxFuture<Result<Vec<serde_json::Value>, RemoteError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn fetch_sockets(
        &self,
        _: &str,
        _: Selector,
    ) -> BoxFuture<Result<Vec<SocketInfo>, RemoteError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn apply(&self, _: &str, _: Selector, _: SocketsOp) {}
    fn all_rooms(&self, _: &str) -> BoxFuture<Result<Vec<String>, RemoteError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let io = SocketIo::new(RealtimeConfig::default());
    let ns = io.ns("/", |_| {});
    let local = LocalSockets::new(io.clone(), Arc::default());
    println!("{n} iterations; ns per message");
    for binary in [0usize, 1024, 16 * 1024] {
        let msg = message(binary);
        let bytes = encode_broadcast(&msg);
        let decode_own = per_message(n, || {
            let decoded = decode_broadcast(&bytes, MAX).map(|m| m.uid == "node-a");
            std::hint::black_box(decoded.ok());
        });
        let prefix_own = per_message(n, || {
            std::hint::black_box(sent_by(&bytes, "node-a"));
        });
        let convert_first = per_message(n, || {
            let m = decode_broadcast(&bytes, MAX).ok();
            let payload = m.as_ref().map(|m| to_payload(&m.packet.data[1..]));
            std::hint::black_box(payload.map(|p| ns.prepare("chat", p).is_ok()));
        });
        let select_first = per_message(n, || {
            if let Ok(m) = decode_broadcast(&bytes, MAX) {
                local.deliver(m);
            }
        });
        println!(
            "{:>6} B msg ({binary} B binary): own: decode {decode_own:>9.0} | first bytes {prefix_own:>5.0};  \
             nobody local: decode+convert+encode {convert_first:>9.0} | decode+select {select_first:>9.0}",
            bytes.len()
        );
    }
    let payload = Payload::new().arg(json!({"text": "hello there"})).arg(42);
    let without = per_message(n, || {
        let _ = ns.emit("chat", payload.clone());
    });
    let hooked = SocketIo::new(RealtimeConfig::default());
    let hooked_ns = hooked.ns("/", |_| {});
    let _ = hooked.set_remote(Arc::new(ConvertOnly));
    let with = per_message(n, || {
        let _ = hooked_ns.emit("chat", payload.clone());
    });
    let local_only = per_message(n, || {
        let _ = hooked_ns.local().emit("chat", payload.clone());
    });
    println!(
        "local broadcast, empty namespace: no hook {without:.0} | hook {with:.0} | hook but .local() {local_only:.0}"
    );
}
