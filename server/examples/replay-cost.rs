//! What recording costs and what a replay weighs (issue 15), timed in process:
//!
//! 1. two identical rooms (same seed, 50 people steering every tick, 10 bots), one recording
//!    into a temporary directory, ticked alternately so that the machine's drift hits both
//!    alike: the mean tick time of each and the recording's share of a tick;
//! 2. the recorded room's replay size per minute of play, and a bots-only match's;
//! 3. verifying the room's replay: ticks re-simulated per second;
//! 4. seeking in it as a viewer does (`watch::Script::cue`, and through the theater: the seek's
//!    answer, which comes once the new position is ready): to the end, the worst case.
//!
//! `cargo run --release -p petri-server --example replay-cost [ticks]` (default 3,000 = 2 minutes
//! at 25 Hz). Timings are whatever this machine gives; compare the columns.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use petri_server::headless::{Lineup, MatchSettings, run_seed};
use petri_server::realtime::Shutdown;
use petri_server::replay::{ReplayDir, ReplaysConfig, verify_files};
use petri_server::rooms::link::{ClientLink, Delivery};
use petri_server::rooms::{HostLimits, Room, RoomCommand, RoomSettings};
use petri_server::sim::SimConfig;
use petri_server::testkit::join_now;
use petri_server::watch::theater::{self, Control, WatchCommand, WatchReply};
use petri_server::watch::{ReplayState, Script};
use petri_shared::game::JoinRequest;

const PEOPLE: u64 = 50;

/// A client that takes every frame and keeps none.
struct Sink;

impl ClientLink for Sink {
    fn send_frame(&self, _frame: Bytes) -> Delivery {
        Delivery::Sent
    }
    fn send_board(&self, _board: Bytes) -> Delivery {
        Delivery::Sent
    }
    fn send_event(&self, _event: &'static str, _payload: serde_json::Value) -> bool {
        true
    }
}

fn room(replays: Option<Arc<ReplayDir>>) -> Room {
    let settings = RoomSettings {
        capacity: 100,
        bot_fill: 60,
        sim: SimConfig::classic().scaled_for_players(60),
        ..RoomSettings::default_public("bench")
    };
    let limits = HostLimits {
        max_capacity: 100,
        ..HostLimits::default()
    };
    let mut room = Room::recorded("bench".into(), settings, limits, 5, replays).expect("room");
    for c in 1..=PEOPLE {
        let request = JoinRequest {
            room: "bench".into(),
            name: format!("p{c}"),
            ..JoinRequest::default()
        };
        join_now(&mut room, c, Arc::new(Sink), request).expect("joins");
    }
    room
}

fn steer(room: &mut Room, t: u64) {
    let half = room.arena().config().border_width as f64 / 2.0;
    for c in 1..=PEOPLE {
        let angle = (c * 7 + t) as f64 / 30.0;
        room.handle(RoomCommand::Target {
            client: c,
            x: half + 0.8 * half * angle.cos(),
            y: half + 0.8 * half * angle.sin(),
        });
        if (t + c).is_multiple_of(200) {
            room.handle(RoomCommand::Respawn { client: c });
        }
    }
}

fn dir_bytes(dir: &std::path::Path) -> (u64, Vec<PathBuf>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("lists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let bytes = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    (bytes, files)
}

/// Seeking in the room's replay: loading it, re-simulating to the middle and to the end, and a
/// viewer's seek to the end through the theater, from the request to its answer.
fn seek(files: &[PathBuf]) {
    let started = Instant::now();
    let script = Arc::new(Script::load(files, u64::MAX).expect("loads"));
    let loaded = started.elapsed().as_secs_f64();
    let total = script.total_ticks();
    let cue = |tick: u64| {
        let started = Instant::now();
        script.cue(tick).expect("cues");
        started.elapsed().as_secs_f64()
    };
    let (middle, end) = (cue(total / 2), cue(total));
    println!(
        "  seek (re-simulate)    load {loaded:.2} s, to tick {} {middle:.2} s, to the end ({total}) {end:.2} s",
        total / 2
    );
    let shutdown = Shutdown::new();
    let theater = theater::start(4, shutdown.clone()).expect("the theater");
    let ask = |command: &dyn Fn(WatchReply) -> WatchCommand| {
        let (tx, rx) = std::sync::mpsc::channel();
        let started = Instant::now();
        theater.send(command(Box::new(move |answer| {
            let _ = tx.send(answer.is_ok());
        })));
        assert!(rx.recv().expect("answered"), "accepted");
        started.elapsed().as_secs_f64()
    };
    let want = ReplayState {
        tick: 0,
        total_ticks: total,
        speed: 1.0,
        playing: true,
    };
    ask(&|reply| WatchCommand::Watch {
        viewer: 1,
        link: Arc::new(Sink),
        replay: "bench".into(),
        script: Arc::clone(&script),
        want,
        aspect: None,
        reply,
    });
    let answered = ask(&|reply| WatchCommand::Control {
        viewer: 1,
        control: Control::Seek(total),
        reply,
    });
    println!("  seek to the end, answered by the theater in {answered:.2} s");
    shutdown.begin();
}

fn main() {
    let ticks: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3_000);
    let dir = std::env::temp_dir().join(format!("petri-replay-cost-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = ReplaysConfig {
        dir: Some(dir.clone()),
        ..ReplaysConfig::default()
    };
    let replays = Arc::new(ReplayDir::open(&config).expect("dir").expect("on"));
    let mut plain = room(None);
    let mut recorded = room(Some(replays));
    let (mut plain_time, mut recorded_time) = (Duration::ZERO, Duration::ZERO);
    for t in 0..ticks {
        // alternate which goes first, so neither always runs on a warmer cache
        for first in [t % 2 == 0, t % 2 == 1] {
            let (target, time) = if first {
                (&mut plain, &mut plain_time)
            } else {
                (&mut recorded, &mut recorded_time)
            };
            steer(target, t);
            let started = Instant::now();
            target.tick();
            *time += started.elapsed();
        }
    }
    recorded.close("closed", "bench over");
    let minutes = ticks as f64 / 25.0 / 60.0;
    let per_tick = |d: Duration| d.as_secs_f64() * 1e6 / ticks as f64;
    let (bytes, files) = dir_bytes(&dir);
    println!(
        "room: {PEOPLE} people steering every tick + 10 bots, {ticks} ticks ({minutes:.1} min)"
    );
    println!(
        "  tick, not recording   {:8.1} us\n  tick, recording       {:8.1} us  ({:+.2}% of a tick)",
        per_tick(plain_time),
        per_tick(recorded_time),
        100.0 * (recorded_time.as_secs_f64() / plain_time.as_secs_f64() - 1.0)
    );
    println!(
        "  replay size           {:8.1} KB per minute of play ({} bytes, {} file(s))",
        bytes as f64 / 1024.0 / minutes,
        bytes,
        files.len()
    );
    let started = Instant::now();
    let verified = verify_files(&files).expect("the replay verifies");
    let took = started.elapsed().as_secs_f64();
    println!(
        "  verify                {:8.0} ticks/s ({:.0}x real time; {} ticks, {} checkpoints in {:.2} s)",
        verified.ticks as f64 / took,
        verified.ticks as f64 / took / 25.0,
        verified.ticks,
        verified.checkpoints,
        took
    );

    seek(&files);

    let lineup: Lineup = "forager:40,hunter:40,survivor:20".parse().expect("lineup");
    let mut settings = MatchSettings::classic_scaled(lineup, ticks);
    let path = dir.join("match.petri-replay");
    settings.record = Some(path.clone());
    run_seed(&settings, 42, false, false).expect("match");
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "bots-only match (100 bots): {:.1} KB per minute of play ({bytes} bytes)",
        bytes as f64 / 1024.0 / minutes
    );
    let _ = std::fs::remove_dir_all(&dir);
}
