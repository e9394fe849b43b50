//! The replays a server offers: the files of its `[replays] dir` (`GET /api/replays`), the one
//! file `petri replay watch` serves, or the match `petri match --watch` plays.
//!
//! A replay's id names what a viewer opens: a room session's id (all its segments, played as
//! one) or a match file's name without its extension (every match of one seed has the same
//! session id, so the file tells them apart). An id is never made into a path: `open` lists
//! the shelf again and takes the files of the listed replay with that id, so only what is
//! listed can be opened, and a `../` is just an id that is not there.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::Serialize;

use super::WatchError;
use super::script::Script;
use crate::replay::dir::EXTENSION;
use crate::replay::{Header, ReplayReader, Source};

/// Where the replays come from.
pub enum Shelf {
    /// Every replay file of a directory.
    Dir(PathBuf),
    /// These files (one replay, or one session's segments).
    Files(Vec<PathBuf>),
    /// One replay held in memory under this id, offered at this speed (`match --watch`).
    Live {
        id: String,
        script: Arc<Script>,
        speed: f64,
    },
}

/// One replay in the list (`GET /api/replays`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReplayListing {
    pub id: String,
    /// `room` or `match`.
    pub kind: &'static str,
    /// The room's name, or the match's lineup.
    pub source: String,
    pub seed: u64,
    pub mode: String,
    /// The length, when the header says it (a match); a room session's is known once opened.
    pub ticks: Option<u64>,
    pub seconds: Option<f64>,
    pub tick_rate: u32,
    /// All of its files.
    pub bytes: u64,
    pub segments: u32,
    /// When its first file was written, in Unix seconds.
    pub created: u64,
}

/// A listed replay and its files, in segment order.
struct Entry {
    listing: ReplayListing,
    files: Vec<(u32, PathBuf)>,
}

/// How long a listing is reused: the home screens of many browsers ask for it, and each listing
/// opens every file of the directory.
pub const LISTING_TTL: Duration = Duration::from_secs(2);

/// Replays read from disk at once, at most; past it an open is refused `busy` (each holds up to
/// `max_load_mb` of file and its decoding).
pub const MAX_CONCURRENT_LOADS: usize = 2;

pub struct Library {
    shelf: Shelf,
    max_load_bytes: u64,
    /// Scripts being watched, by id and the bytes of their files: a second viewer of a replay
    /// shares the first one's, and a file that grew (a room still recording) is read again.
    loaded: Mutex<HashMap<String, (u64, Weak<Script>)>>,
    loading: AtomicUsize,
    /// The last listing and when it was made.
    listed: Mutex<Option<(Instant, Arc<Vec<ReplayListing>>)>>,
}

/// A place among `MAX_CONCURRENT_LOADS`, given back when dropped.
struct LoadSlot<'a>(&'a AtomicUsize);

impl<'a> LoadSlot<'a> {
    fn take(loading: &'a AtomicUsize) -> Result<Self, WatchError> {
        let taken = loading.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < MAX_CONCURRENT_LOADS).then_some(n + 1)
        });
        taken.map(|_| Self(loading)).map_err(|_| WatchError::Busy)
    }
}

impl Drop for LoadSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Library {
    pub fn new(shelf: Shelf, max_load_mb: u64) -> Self {
        Self {
            shelf,
            max_load_bytes: max_load_mb.saturating_mul(1 << 20),
            loaded: Mutex::new(HashMap::new()),
            loading: AtomicUsize::new(0),
            listed: Mutex::new(None),
        }
    }

    /// The speed a viewer starts at unless it asks for another.
    pub fn default_speed(&self) -> f64 {
        match self.shelf {
            Shelf::Live { speed, .. } => speed,
            _ => 1.0,
        }
    }

    /// Every replay on the shelf, newest first (as of at most `LISTING_TTL` ago).
    pub fn list(&self) -> Arc<Vec<ReplayListing>> {
        let mut cached = self.listed.lock();
        if let Some((at, listed)) = cached.as_ref()
            && at.elapsed() < LISTING_TTL
        {
            return Arc::clone(listed);
        }
        let mut listed: Vec<ReplayListing> =
            self.entries().into_values().map(|e| e.listing).collect();
        listed.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        let listed = Arc::new(listed);
        *cached = Some((Instant::now(), Arc::clone(&listed)));
        listed
    }

    /// The replay listed as `id`, loaded (blocking: call it off the async runtime).
    pub fn open(&self, id: &str) -> Result<Arc<Script>, WatchError> {
        if let Shelf::Live {
            id: live, script, ..
        } = &self.shelf
        {
            return if live == id {
                Ok(Arc::clone(script))
            } else {
                Err(WatchError::Unknown)
            };
        }
        let entry = self.entries().remove(id).ok_or(WatchError::Unknown)?;
        let bytes = entry.listing.bytes;
        let cached = self
            .loaded
            .lock()
            .get(id)
            .and_then(|(b, script)| script.upgrade().filter(|_| *b == bytes));
        if let Some(script) = cached {
            return Ok(script);
        }
        let _slot = LoadSlot::take(&self.loading)?;
        let paths: Vec<PathBuf> = entry.files.into_iter().map(|(_, p)| p).collect();
        let script = Arc::new(Script::load(&paths, self.max_load_bytes)?);
        let mut loaded = self.loaded.lock();
        loaded.retain(|_, (_, s)| s.strong_count() > 0);
        loaded.insert(id.to_owned(), (bytes, Arc::downgrade(&script)));
        Ok(script)
    }

    fn entries(&self) -> BTreeMap<String, Entry> {
        let files = match &self.shelf {
            Shelf::Dir(dir) => dir_files(dir),
            Shelf::Files(files) => files.clone(),
            Shelf::Live { id, script, .. } => return live_entry(id, script),
        };
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for path in files {
            let Ok(reader) = ReplayReader::open(&path) else {
                continue; // not a replay this build reads: not offered
            };
            let meta = std::fs::metadata(&path).ok();
            let bytes = meta.as_ref().map_or(0, |m| m.len());
            let created = meta
                .and_then(|m| m.created().or_else(|_| m.modified()).ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            let header = reader.header();
            let id = match &header.source {
                Source::Room { .. } => header.session.clone(),
                Source::Match { .. } => file_stem(&path),
            };
            let entry = entries.entry(id.clone()).or_insert_with(|| Entry {
                listing: listing(id, header, 0, created),
                files: Vec::new(),
            });
            entry.listing.bytes += bytes;
            entry.listing.segments += 1;
            entry.listing.created = entry.listing.created.min(created);
            entry.files.push((header.segment, path));
        }
        for entry in entries.values_mut() {
            entry.files.sort();
        }
        entries
    }
}

fn live_entry(id: &str, script: &Script) -> BTreeMap<String, Entry> {
    let mut listing = listing(id.to_owned(), script.header(), 1, 0);
    listing.ticks = Some(script.total_ticks());
    listing.seconds = Some(script.total_ticks() as f64 / f64::from(script.tick_rate()));
    let entry = Entry {
        listing,
        files: Vec::new(),
    };
    BTreeMap::from([(id.to_owned(), entry)])
}

fn listing(id: String, header: &Header, segments: u32, created: u64) -> ReplayListing {
    let tick_rate = header.rules.tick_rate.max(1);
    let (kind, source, ticks) = match &header.source {
        Source::Room { name, .. } => ("room", name.clone(), None),
        Source::Match { lineup, ticks } => ("match", lineup.clone(), Some(*ticks)),
    };
    ReplayListing {
        id,
        kind,
        source,
        seed: header.seed,
        mode: header.rules.mode.to_string(),
        ticks,
        seconds: ticks.map(|t| t as f64 / f64::from(tick_rate)),
        tick_rate,
        bytes: 0,
        segments,
        created,
    }
}

fn dir_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == EXTENSION))
        .collect()
}

fn file_stem(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
