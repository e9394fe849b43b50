//! `petri serve`: the game server. One port carries the web client, the HTTP API and the
//! Socket.IO endpoint; the persistent main room opens at start, kept lively by bots.
//!
//! Shutdown (SIGINT or SIGTERM) runs in three stages, each a [`Shutdown`] signal begun only when
//! the stage before it is done: `/readyz` turns unready (the server's signal), every room
//! finishes its tick and tells its players (`server-shutdown`; the lobby's signal), then the
//! HTTP side stops accepting and gives open connections `shutdown_grace_ms` to flush before the
//! process exits (the realtime layer's own). Later stages wait for earlier ones so the players'
//! last message is queued before their connections close.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tracing::info;

use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::realtime::{Shutdown, SocketIo, http};
use crate::rooms::{Lobby, MAIN_ROOM, RoomSettings, lobby_api, play_api};
use crate::routes::RouteState;
use crate::sim::SimConfig;
use crate::web::WebRoot;

/// The main room's settings from the configuration (its preset file is read here).
pub fn main_room_settings(config: &ServerConfig) -> anyhow::Result<RoomSettings> {
    let room = &config.main_room;
    let sim = SimConfig::load(room.preset.as_deref()).context("the main room's rules")?;
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
    // the main room's settings are also the template created rooms start from
    let main_room = main_room_settings(&config)?;
    let lobby = Lobby::new(config.limits.clone(), main_room.clone());
    lobby
        .open(MAIN_ROOM.to_owned(), main_room)
        .map_err(|refusal| anyhow::anyhow!("could not open the main room: {}", refusal.message))?;
    let io = SocketIo::new(config.network.realtime(config.shutdown_grace_ms));
    play_api::register(&io, Arc::clone(&lobby));
    lobby_api::register(&io, Arc::clone(&lobby));
    let metrics = Arc::new(Metrics::new(&lobby).with_connections(io.stats().clone()));
    let shutdown = Shutdown::new();
    let state = Arc::new(RouteState {
        lobby: Arc::clone(&lobby),
        metrics,
        io: io.clone(),
        web_root: config
            .web_root
            .clone()
            .map_or(WebRoot::Embedded, WebRoot::Disk),
        shutdown: shutdown.clone(),
    });
    let routes = move |request: &hyper::Request<hyper::body::Incoming>| state.route(request);
    let shutdown_lobby = Arc::clone(&lobby);
    let stages = async move {
        stop.await;
        info!("shutting down: rooms finish their tick and tell their players");
        shutdown.begin();
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
