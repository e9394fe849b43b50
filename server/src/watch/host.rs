//! `petri replay watch FILE` and `petri match --watch`: a server for one replay, and the URL to
//! open it at.
//!
//! Both are a whole `petri serve` on 127.0.0.1 (the web client, `/api/replays`, `/replay`) whose
//! shelf is that one replay and whose main room has no bots, so nothing runs that nobody watches.
//!
//! **`match --watch` decided:** a bots-only match is its header and its lineup's joins (bots
//! think inside the simulation), so the match served is a replay of exactly those
//! ([`Script::new`]) and its playback *is* the match being run, at real time or `--speed`,
//! frame by frame as a viewer watches: the same arena a headless run steps, stepped by the
//! theater's clock. No file is written or followed: recording to a file while watching it
//! grow would need a reader that waits on a half-written zlib stream, and would only replay
//! what this plays anyway. A viewer may seek, ahead too (the future of a deterministic match is
//! as known as its past); each viewer starts at tick 0.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use super::library::{Library, Shelf};
use super::script::Script;
use crate::config::ServerConfig;
use crate::headless::MatchSettings;
use crate::headless::runner::{lineup_commands, match_header};
use crate::replay::ReplayReader;

/// The id under which `petri match --watch` serves its match.
pub fn match_id(seed: u64) -> String {
    format!("match-{seed}")
}

/// The shelf of `petri match --watch`: seed `seed` of the match, to be played live.
pub fn live_match(settings: &MatchSettings, seed: u64, speed: f64) -> anyhow::Result<Shelf> {
    let header = match_header(settings, seed);
    let commands = lineup_commands(settings, seed).context("the match's rules")?;
    let script = Script::new(header, commands, settings.ticks);
    Ok(Shelf::Live {
        id: match_id(seed),
        script: Arc::new(script),
        speed,
    })
}

/// The id `petri replay watch FILE...` serves its files under (one replay, or one session's
/// segments in order), or why they cannot be watched.
pub fn id_of_files(files: &[PathBuf]) -> anyhow::Result<String> {
    for file in files {
        ReplayReader::open(file).with_context(|| format!("reading {}", file.display()))?;
    }
    let library = Library::new(Shelf::Files(files.to_vec()), u64::MAX);
    match library.list().as_slice() {
        [one] => Ok(one.id.clone()),
        _ => anyhow::bail!("these files are not one replay (one match, or one session's segments)"),
    }
}

/// Serves `shelf` on 127.0.0.1:`port` (0: any free port), printing the URL of replay `id`
/// once listening, until `stop` completes.
pub async fn serve_one(
    shelf: Shelf,
    id: &str,
    port: u16,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut config = ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], port)),
        ..ServerConfig::default()
    };
    config.main_room.bots = 0;
    // the person running it chose the file: no cap on its size but the machine's memory
    config.replays.max_load_mb = u64::MAX >> 20;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("could not listen on {}", config.bind))?;
    let address = listener.local_addr().context("reading the bound address")?;
    // stdout, one line, flushed: what a person (or a test) reads to know where to go
    println!("watch at http://{address}/#replay/{id}");
    crate::serve::serve_replays(config, Some(shelf), listener, stop).await
}
