//! One simulation step with 100, 1,000 and 10,000 bots on a map sized for them (area, food and
//! viruses grow with the bot count), measured in steady state: each arena first plays
//! `WARMUP_TICKS` so bots have grown, split and spread out like in a real match.
//!
//! Run: `cargo bench -p petri-server --bench tick`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use petri_server::headless::runner::build_arena;
use petri_server::headless::{Lineup, MatchSettings};

const WARMUP_TICKS: u64 = 750;

fn settings(bots: u32) -> MatchSettings {
    let lineup = Lineup::even_mix(bots);
    MatchSettings::classic_scaled(lineup, 0)
}

fn tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick");
    for bots in [100u32, 1_000, 10_000] {
        let mut arena = build_arena(&settings(bots), 42).expect("valid settings");
        for _ in 0..WARMUP_TICKS {
            arena.step();
        }
        if bots >= 10_000 {
            group
                .sample_size(20)
                .measurement_time(Duration::from_secs(15));
        } else {
            group
                .sample_size(50)
                .measurement_time(Duration::from_secs(8));
        }
        group.bench_with_input(BenchmarkId::from_parameter(bots), &bots, |b, _| {
            b.iter(|| {
                arena.step();
                black_box(arena.tick())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, tick);
criterion_main!(benches);
