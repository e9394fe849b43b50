//! Several seeds of one match: seeds are independent worlds, so they run side by side on a few
//! worker threads (scoped, one shared seed counter), and come back in seed-list order.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::progress::Progress;
use super::report::SeedResult;
use super::runner::run_seed;
use super::settings::MatchSettings;
use crate::sim::ConfigError;

/// Why a set of seeds could not be played.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("building the arena: {0}")]
    Config(#[from] ConfigError),
    #[error("a match worker stopped unexpectedly; {finished} of {seeds} seeds finished")]
    WorkerLost { finished: usize, seeds: usize },
    #[error("recording {path}: {source}")]
    Record {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl MatchError {
    pub(super) fn record(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Record {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Plays every seed, on `threads` workers (default: one per core, never more than seeds). One
/// seed runs on the calling thread with its own progress bar; several share a bar counting seeds.
pub fn run_matches(
    settings: &MatchSettings,
    seeds: &[u64],
    threads: Option<usize>,
    show_progress: bool,
) -> Result<Vec<SeedResult>, MatchError> {
    if let [only] = seeds {
        return Ok(vec![run_seed(settings, *only, show_progress, false)?]);
    }
    let workers = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, seeds.len().max(1));
    let next = AtomicUsize::new(0);
    let progress =
        parking_lot::Mutex::new(Progress::new("seeds", seeds.len() as u64, show_progress));
    let mut results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&seed) = seeds.get(i) else { break };
                        mine.push((i, run_seed(settings, seed, false, true)));
                        progress.lock().advance(1);
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect::<Vec<_>>()
    });
    progress.lock().finish();
    if results.len() != seeds.len() {
        return Err(MatchError::WorkerLost {
            finished: results.len(),
            seeds: seeds.len(),
        });
    }
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
