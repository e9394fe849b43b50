//! Bytes per second per client in a room with 300 bots: Petri's deltas, against full snapshots
//! (every visible cell in full every tick, same encoding), against what MultiOgar-Edited's
//! `UpdateNodes` packet (protocol 6, `src/packet/UpdateNodes.js`) carries for the same scene.
//!
//! The clients are 20 of the bots: each is shown exactly what a person of its size would see, so
//! views of every size are measured. All three encodings are computed from the same visibility
//! sets each tick. Run: `cargo bench -p petri-server --bench bandwidth`
//!
//! "On the wire, permessage-deflate" is measured, not estimated: each client's real frames (the
//! `frame` event's text header and its binary attachment, as the server frames them) go through
//! a real per-connection [`Compressor`], with the server's default settings and with the
//! alternatives (no context takeover, a 32 KiB window), timed per frame. MultiOgar-Edited's own
//! server runs `ws` with `perMessageDeflate: false` (`src/GameServer.js`), so its wire bytes are
//! the uncompressed ones.

use petri_server::headless::runner::build_arena;
use petri_server::headless::{Lineup, MatchSettings};
use petri_server::realtime::deflate::{CompressionConfig, Compressor, DeflateParams, Inflater};
use petri_server::realtime::packet::EncodedPacket;
use petri_server::rooms::view::{ClientView, Watching};
use petri_server::sim::PlayerId;
use petri_shared::codec;
use petri_shared::game::{Frame, kind};

const BOTS: u32 = 300;
const CLIENTS: u32 = 20;
const WARMUP_TICKS: u64 = 750;
const MEASURED_TICKS: u64 = 1500;
/// Socket.IO framing of one binary event on the WebSocket transport: the text frame that names
/// the event and its placeholder, plus two WebSocket frame headers (server frames are unmasked).
fn socket_io_overhead() -> usize {
    let header = format!(
        r#"451-{},["{}",{{"_placeholder":true,"num":0}}]"#,
        petri_shared::game::namespaces::PLAY,
        petri_shared::game::events::FRAME
    );
    header.len() + 2 + 2
}
/// The compression variants measured: name, window bits, context takeover, zlib level,
/// threshold (the server's defaults first).
const DEFLATE_VARIANTS: [(&str, u8, bool, u8, usize); 7] = [
    ("deflate, defaults", 10, true, 1, 16),
    ("deflate, level 6", 10, true, 6, 16),
    ("deflate, level 9", 10, true, 9, 16),
    ("deflate, threshold 40 (header only)", 10, true, 1, 40),
    ("deflate, threshold 0", 10, true, 1, 0),
    ("deflate, no context takeover", 10, false, 1, 16),
    ("deflate, 32 KiB window", 15, true, 1, 16),
];

/// One client's compressor for a variant, as the server makes it.
fn compressor(window_bits: u8, takeover: bool, level: u8, threshold: usize) -> Compressor {
    let config = CompressionConfig {
        level,
        threshold,
        ..CompressionConfig::default()
    };
    config.compressor(DeflateParams {
        server_window_bits: window_bits,
        client_window_bits: window_bits,
        server_no_context_takeover: !takeover,
    })
}

/// Heap bytes each of `n` connections' compression state holds once it has been used: the
/// compressor after one game frame, the inflater after one compressed client message (glibc's
/// own account, `petri_server::heap`).
fn state_bytes(n: usize, frame: &bytes::Bytes) -> Option<(u64, u64)> {
    let in_use = || petri_server::heap::stats().map(|h| h.in_use);
    let before = in_use()?;
    let mut compressors: Vec<Compressor> = (0..n).map(|_| compressor(10, true, 1, 16)).collect();
    for c in &mut compressors {
        let _ = c.compress(frame);
    }
    let compressor_bytes = (in_use()? - before) / n as u64;
    // a client's compressed `42["input",...]`: a masked RSV1 text frame (mask 0)
    let mut client = compressor(10, true, 1, 0);
    let wire = client
        .compress(
            &EncodedPacket::message(r#"2/play,["input",{"x":1.5,"y":-0.25}]"#, Vec::new())
                .wire()
                .clone(),
        )
        .expect("compresses");
    let mut masked = vec![wire[0], wire[1] | 0x80, 0, 0, 0, 0];
    masked.extend_from_slice(&wire[2..]);
    let before = in_use()?;
    let mut inflaters: Vec<Inflater> = (0..n).map(|_| Inflater::new(10, 65_536)).collect();
    let mut out = [0u8; 256];
    for i in &mut inflaters {
        i.feed(&masked).expect("inflates");
        let _ = i.read_into(&mut out);
    }
    let inflater_bytes = (in_use()? - before) / n as u64;
    drop((compressors, inflaters));
    Some((compressor_bytes, inflater_bytes))
}

/// A WebSocket binary frame header for a MultiOgar packet under 64 KiB (4 bytes above 125).
const WS_HEADER: usize = 4;

/// The bytes MultiOgar-Edited would send for this tick's changes, protocol 6.
fn multiogar_bytes(
    frame: &Frame,
    previous: &std::collections::HashMap<u32, u8>,
    names: &dyn Fn(u32) -> usize,
) -> usize {
    let mut bytes = 1 + 2; // opcode, eat count
    bytes += 8 * frame.eaten.len();
    let entered: std::collections::HashSet<u32> = frame.entered.iter().map(|c| c.id).collect();
    let moved: std::collections::HashSet<u32> = frame.changed.iter().map(|c| c.id).collect();
    // updNodes: every player cell and virus still in view, plus food/ejected that moved
    for (&id, &k) in previous {
        if frame.left.contains(&id) {
            continue;
        }
        if k == kind::PLAYER {
            bytes += 15 + 3;
        } else if k == kind::VIRUS || moved.contains(&id) {
            bytes += 15;
        }
    }
    // addNodes: colour always, the owner's name (UTF-8, zero-terminated) on player cells
    for cell in &frame.entered {
        bytes += 15 + 3;
        if cell.kind == kind::PLAYER {
            bytes += names(cell.owner) + 1;
        }
    }
    let _ = entered;
    bytes += 4; // update terminator
    bytes += 2 + 4 * frame.left.len(); // removals (eaten ones included)
    bytes
}

fn main() {
    let lineup: Lineup = format!("forager:100,hunter:100,survivor:{}", BOTS - 200)
        .parse()
        .expect("valid");
    let settings = MatchSettings::classic_scaled(lineup, 0);
    let mut arena = build_arena(&settings, 42).expect("valid");
    for _ in 0..WARMUP_TICKS {
        arena.step();
    }
    let clients: Vec<PlayerId> = (1..=CLIENTS).map(PlayerId).collect();
    let mut views: Vec<ClientView> = clients.iter().map(|_| ClientView::new()).collect();
    let mut previous: Vec<std::collections::HashMap<u32, u8>> =
        clients.iter().map(|_| Default::default()).collect();
    let overhead = socket_io_overhead();
    let sio_header = format!(
        r#"51-{},["{}",{{"_placeholder":true,"num":0}}]"#,
        petri_shared::game::namespaces::PLAY,
        petri_shared::game::events::FRAME
    );
    let mut compressors: Vec<Vec<Compressor>> = DEFLATE_VARIANTS
        .iter()
        .map(|&(_, bits, takeover, level, threshold)| {
            clients
                .iter()
                .map(|_| compressor(bits, takeover, level, threshold))
                .collect()
        })
        .collect();
    let (mut wire_plain, mut wire_deflate, mut deflate_time) = (
        0usize,
        [0usize; DEFLATE_VARIANTS.len()],
        [std::time::Duration::ZERO; DEFLATE_VARIANTS.len()],
    );
    let (mut delta, mut snapshot, mut multiogar, mut frames, mut buf) =
        (0usize, 0usize, 0usize, 0usize, Vec::new());
    let mut stats = [0usize; 6];
    for _ in 0..MEASURED_TICKS {
        arena.step();
        for (i, &client) in clients.iter().enumerate() {
            views[i].build(&arena, Watching::Player(client), 1);
            buf.clear();
            delta += codec::encode_into(views[i].frame(), &mut buf).expect("encodes");
            let packet =
                EncodedPacket::message(&sio_header, vec![bytes::Bytes::copy_from_slice(&buf)]);
            wire_plain += packet.wire().len();
            for (v, per_client) in compressors.iter_mut().enumerate() {
                let start = std::time::Instant::now();
                let wire = per_client[i].compress(packet.wire()).expect("compresses");
                deflate_time[v] += start.elapsed();
                wire_deflate[v] += wire.len();
            }
            let names = |owner: u32| {
                arena
                    .player_identity(PlayerId(owner))
                    .map_or(0, |(n, _)| n.len())
            };
            multiogar += multiogar_bytes(views[i].frame(), &previous[i], &names);
            let f = views[i].frame();
            stats[0] += f.entered.len();
            stats[1] += f.left.len();
            stats[2] += f.changed.len();
            stats[3] += f.own.len();
            stats[4] += f.players.len();
            stats[5] += f.eaten.len();
            views[i].commit().expect("applies");
            previous[i] = views[i]
                .sent()
                .cells
                .iter()
                .map(|(&id, c)| (id, c.kind))
                .collect();
            let mut fresh = ClientView::new();
            fresh.build(&arena, Watching::Player(client), 1);
            buf.clear();
            snapshot += codec::encode_into(fresh.frame(), &mut buf).expect("encodes");
            frames += 1;
        }
    }
    let seconds = MEASURED_TICKS as f64 / f64::from(settings.config.tick_rate);
    let per_client = |total: usize| total as f64 / seconds / f64::from(CLIENTS);
    println!(
        "room: {BOTS} bots, {CLIENTS} clients (bots' own views), {MEASURED_TICKS} ticks after {WARMUP_TICKS} warm-up, {} frames",
        frames
    );
    let rate = f64::from(settings.config.tick_rate);
    println!(
        "{:<34} {:>14} {:>12} {:>18}",
        "encoding", "payload B/s", "B/frame", "on the wire B/s"
    );
    for (name, total, framing) in [
        ("Petri deltas", delta, overhead),
        ("full snapshots (same encoding)", snapshot, overhead),
        ("MultiOgar-Edited UpdateNodes v6", multiogar, WS_HEADER),
    ] {
        println!(
            "{:<34} {:>14.0} {:>12.1} {:>18.0}",
            name,
            per_client(total),
            total as f64 / frames as f64,
            per_client(total) + framing as f64 * rate
        );
    }
    println!(
        "Petri / MultiOgar: payload {:.2}, on the wire {:.2} (Socket.IO framing {overhead} B per frame)",
        delta as f64 / multiogar as f64,
        (per_client(delta) + overhead as f64 * rate)
            / (per_client(multiogar) + WS_HEADER as f64 * rate)
    );
    let multiogar_wire = per_client(multiogar) + WS_HEADER as f64 * rate;
    println!(
        "on the wire, real frames: Petri uncompressed {:.0} B/s ({:.1} B/frame)",
        per_client(wire_plain),
        wire_plain as f64 / frames as f64
    );
    for (v, (name, ..)) in DEFLATE_VARIANTS.iter().enumerate() {
        println!(
            "on the wire, {:<34} {:>6.0} B/s {:>6.1} B/frame  {:.2}x MultiOgar  {:.2} us/frame to compress",
            name,
            per_client(wire_deflate[v]),
            wire_deflate[v] as f64 / frames as f64,
            per_client(wire_deflate[v]) / multiogar_wire,
            deflate_time[v].as_secs_f64() * 1e6 / frames as f64
        );
    }
    let sample = EncodedPacket::message(&sio_header, vec![bytes::Bytes::from_static(&[7; 29])]);
    if let Some((c, i)) = state_bytes(1000, sample.wire()) {
        println!(
            "per-connection state once used (defaults): compressor {c} B, inflater {i} B (none before)"
        );
    }
    println!(
        "per frame: entered {:.2} left {:.2} changed {:.2} own {:.2} players {:.2} eaten {:.2}",
        stats[0] as f64 / frames as f64,
        stats[1] as f64 / frames as f64,
        stats[2] as f64 / frames as f64,
        stats[3] as f64 / frames as f64,
        stats[4] as f64 / frames as f64,
        stats[5] as f64 / frames as f64
    );
}
