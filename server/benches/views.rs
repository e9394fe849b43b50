//! Time per client per tick to build, diff and encode one client's view: the work a room repeats
//! for every connected client every tick (issue 14). Two scenes, each after `WARMUP_TICKS` of
//! play so players have grown, split and spread, and every client's view is in steady state:
//! - `typical`: 1,000 bots on the classic map scaled for 1,000, every bot watched by a client
//!   (the 1,000-player room of `bench/loadtest.sh 2000 20 60 half`);
//! - `crowded`: 300 bots on a map scaled for 60, five times the classic density, so each view
//!   holds about five times the cells.
//!
//! The arena steps outside the timed part; the timed part is one tick's views of all clients,
//! exactly as `rooms::publish` does them (build, encode into the client's frame buffer, commit).
//! The figure criterion prints is divided by the number of clients: per client per tick.
//!
//! Time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not the wall clock: on a two-core
//! machine where builds and soaks run beside a benchmark, wall-clock samples of the same code
//! varied threefold between runs, while CPU time only counts the moments this code really ran.
//!
//! Run: `cargo bench -p petri-server --bench views`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use petri_server::headless::runner::build_arena;
use petri_server::headless::{Lineup, MatchSettings};
use petri_server::rooms::frame_buffer::FrameBuffer;
use petri_server::rooms::view::{ClientView, Watching};
use petri_server::sim::{Arena, PlayerId, SimConfig};

const WARMUP_TICKS: u64 = 750;
/// Ticks the clients' views follow before measuring, so their handles and pictures are settled.
const VIEW_WARMUP_TICKS: u64 = 50;

struct Scene {
    arena: Arena,
    clients: Vec<(PlayerId, ClientView, FrameBuffer)>,
}

impl Scene {
    fn new(bots: u32, map_for: usize) -> Self {
        let lineup = Lineup::even_mix(bots);
        let mut settings = MatchSettings::classic_scaled(lineup, 0);
        settings.config = SimConfig::classic().scaled_for_players(map_for);
        let mut arena = build_arena(&settings, 42).expect("valid settings");
        for _ in 0..WARMUP_TICKS {
            arena.step();
        }
        let clients = (1..=bots)
            .map(|id| (PlayerId(id), ClientView::new(), FrameBuffer::new()))
            .collect();
        let mut scene = Self { arena, clients };
        for _ in 0..VIEW_WARMUP_TICKS {
            scene.arena.step();
            scene.views();
        }
        scene
    }

    /// One tick's frames for every client, as the room's publisher makes them.
    fn views(&mut self) -> usize {
        let mut bytes = 0;
        for (player, view, frames) in &mut self.clients {
            let frame = view.build(&self.arena, Watching::Player(*player), 0);
            let encoded = frames.encode(frame).expect("a frame encodes");
            bytes += encoded.len();
            view.commit().expect("a frame applies to its own picture");
        }
        bytes
    }
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, now: *mut Timespec) -> i32;
}

/// CPU time this thread has used (Linux).
fn thread_cpu_time() -> Duration {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the duration of the call.
    let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn views(c: &mut Criterion) {
    let mut group = c.benchmark_group("views");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(10));
    for (name, bots, map_for) in [("typical", 1_000u32, 1_000usize), ("crowded", 300, 60)] {
        let mut scene = Scene::new(bots, map_for);
        let clients = scene.clients.len() as u32;
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter_custom(|ticks| {
                let mut spent = Duration::ZERO;
                for _ in 0..ticks {
                    scene.arena.step();
                    let start = thread_cpu_time();
                    black_box(scene.views());
                    spent += thread_cpu_time().saturating_sub(start);
                }
                spent / clients
            })
        });
    }
    group.finish();
}

criterion_group!(benches, views);
criterion_main!(benches);
