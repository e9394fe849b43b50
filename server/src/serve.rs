//! `petri serve`: the game server. One port carries the web client, the HTTP API and the
//! Socket.IO endpoint; the persistent main room opens at start, kept lively by bots.
//!
//! Shutdown (SIGINT or SIGTERM) runs in three stages, each a [`Shutdown`] signal begun only when
//! the stage before it is done: `/readyz` turns unready (the server's signal), every room
//! finishes its tick and tells its players (`server-shutdown`; the lobby's signal), then the
//! HTTP side stops accepting and gives open connections `shutdown_grace_ms` to flush before the
//! process exits (the realtime layer's own). Later stages wait for earlier ones so the players'
//! last message is queued before their connections close. A cluster node leaves the directory in
//! the first stage, so the other nodes stop sending players here at once.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::cluster::ClusterNode;
use crate::config::ServerConfig;
use crate::heap;
use crate::metrics::Metrics;
use crate::realtime::{Shutdown, SocketIo, http};
use crate::relay::{Relay, RelayStats};
use crate::replay::ReplayDir;
use crate::rooms::{
    Lobby, LobbyRooms, MAIN_ROOM, Placement, RoomSettings, lobby_api, lobby_notices, play_api,
};
use crate::routes::RouteState;
use crate::sim::SimConfig;
use crate::watch::{self, Library, ReplayService, Shelf, TheaterStats, theater};
use crate::web::WebRoot;
use petri_shared::game::namespaces;

/// The main room's settings from the configuration (its preset file is read here).
pub fn main_room_settings(config: &ServerConfig) -> anyhow::Result<RoomSettings> {
    let room = &config.main_room;
    let mut sim = SimConfig::load(room.preset.as_deref()).context("the main room's rules")?;
    if let Some(mode) = room.mode {
        sim.mode = mode;
    }
    Ok(RoomSettings {
        name: room.name.clone(),
        capacity: room.capacity,
        bot_fill: room.bots,
        sim,
        ..RoomSettings::default_public(&room.name)
    })
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Serves on `listener` until `stop` completes, then shuts down gracefully.
pub async fn serve(
    config: ServerConfig,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let shelf = config.replays.dir.clone().map(Shelf::Dir);
    serve_replays(config, shelf, listener, stop).await
}

/// `serve`, offering the replays of `shelf` to watch (`petri serve` offers its replay
/// directory's; `petri replay watch` one file, `petri match --watch` its match).
pub async fn serve_replays(
    config: ServerConfig,
    shelf: Option<Shelf>,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    // the main room's settings are also the template created rooms start from
    let main_room = main_room_settings(&config)?;
    let replays = ReplayDir::open(&config.replays)
        .with_context(|| format!("the replay directory {:?}", config.replays.dir))?
        .map(Arc::new);
    let lobby = Lobby::recording(config.limits.clone(), main_room.clone(), replays);
    lobby
        .open(MAIN_ROOM.to_owned(), main_room)
        .map_err(|refusal| anyhow::anyhow!("could not open the main room: {}", refusal.message))?;
    let io = SocketIo::new(config.network.realtime(config.shutdown_grace_ms));
    let (placement, relay_stats) = place_rooms(&config, &listener, &lobby, &io)?;
    play_api::register(&io, Arc::clone(&placement));
    lobby_api::register(&io, Arc::clone(&placement));
    let mut metrics = Metrics::new(&lobby).with_connections(io.stats().clone());
    if let Some(node) = placement.node() {
        metrics = metrics.with_cluster(node.stats(), relay_stats.clone());
    }
    let shutdown = Shutdown::new();
    let replays = match shelf {
        Some(shelf) => {
            let (library, stats) = watch_replays(&config, shelf, &io, &shutdown)?;
            metrics = metrics.with_replays(stats);
            Some(library)
        }
        None => None,
    };
    let notices = lobby_notices::spawn(Arc::clone(&placement), io.clone(), shutdown.clone());
    let trim_stop = shutdown.clone();
    tokio::spawn(heap::trim_every(
        Duration::from_secs(config.memory_trim_secs),
        async move { trim_stop.begun().await },
    ));
    let state = Arc::new(RouteState {
        lobby: Arc::clone(&placement),
        metrics: Arc::new(metrics),
        io: io.clone(),
        web_root: config
            .web_root
            .clone()
            .map_or(WebRoot::Embedded, WebRoot::Disk),
        shutdown: shutdown.clone(),
        replays,
    });
    let routes = move |request: &hyper::Request<hyper::body::Incoming>| state.route(request);
    let shutdown_lobby = Arc::clone(&lobby);
    let stages = async move {
        stop.await;
        info!("shutting down: rooms finish their tick and tell their players");
        shutdown.begin();
        let _ = notices.await;
        if let Some(node) = placement.node()
            && let Err(error) = node.shutdown().await
        {
            warn!(%error, "could not leave the cluster's directory; its entries will expire");
        }
        let rooms = Arc::clone(&shutdown_lobby);
        let _ = tokio::task::spawn_blocking(move || rooms.shutdown()).await;
    };
    http::serve(listener, io, routes, stages)
        .await
        .context("serving HTTP")?;
    lobby.shutdown();
    info!("stopped");
    Ok(())
}

/// Starts the replay theater and the `/replay` namespace over `shelf`.
fn watch_replays(
    config: &ServerConfig,
    shelf: Shelf,
    io: &SocketIo,
    shutdown: &Shutdown,
) -> anyhow::Result<(Arc<Library>, Arc<TheaterStats>)> {
    let library = Arc::new(Library::new(shelf, config.replays.max_load_mb));
    let theater = theater::start(config.replays.max_playbacks, shutdown.clone())
        .context("starting the replay theater")?;
    let stats = Arc::clone(theater.stats());
    let service = ReplayService {
        library: Arc::clone(&library),
        theater,
    };
    watch::api::register(io, Arc::new(service));
    Ok((library, stats))
}

/// The lobby alone, or the lobby as one node of the cluster `[cluster]` configures, with the
/// realtime layer's broadcasts relayed to the other servers (`relay/`). The default public URL
/// is the address really bound (a test's port 0 is resolved by then).
fn place_rooms(
    config: &ServerConfig,
    listener: &TcpListener,
    lobby: &Arc<Lobby>,
    io: &SocketIo,
) -> anyhow::Result<(Arc<Placement>, Option<Arc<RelayStats>>)> {
    let bound = listener.local_addr().context("reading the bound address")?;
    let Some(cluster) = config
        .cluster
        .resolve(bound)
        .context("the [cluster] settings")?
    else {
        return Ok((Placement::single(Arc::clone(lobby)), None));
    };
    info!(
        redis = %cluster.redis_url,
        node = %cluster.node_id,
        url = %cluster.public_url,
        "joining the cluster"
    );
    let url = cluster.public_url.clone();
    let rooms = Arc::new(LobbyRooms(Arc::clone(lobby)));
    let relay = Relay::new(io.clone());
    let binding = relay.binding(RELAYED_NAMESPACES.iter().map(|&n| n.to_owned()).collect());
    let node =
        ClusterNode::start(cluster, rooms, Some(binding)).context("starting the cluster node")?;
    let node = Arc::new(node);
    relay.attach(Arc::clone(&node));
    Ok((
        Placement::clustered(Arc::clone(lobby), node, url),
        Some(relay.stats()),
    ))
}

/// The namespaces whose broadcasts and server-side requests cross servers: the default one (what
/// Node.js servers sharing the Redis use) and the game's two. The game's frames are per-socket
/// emits and never cross; these carry only what is broadcast (and `fetchSockets` & co. see them).
const RELAYED_NAMESPACES: [&str; 3] = ["/", namespaces::PLAY, namespaces::LOBBY];

/// Binds the configured address and serves until SIGINT/SIGTERM.
pub async fn run(config: ServerConfig) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.bind).await.with_context(|| {
        format!(
            "could not listen on {}: is another server using that port? Choose another with --bind",
            config.bind
        )
    })?;
    let address = listener.local_addr().context("reading the bound address")?;
    info!("Petri is running: open http://{address} to play");
    serve(config, listener, shutdown_signal()).await
}
