//! `petri swarm`: N bots that play over the network exactly like browsers do. It is how Petri is
//! load tested, and a worked example of a client written from docs/PROTOCOL.md.

pub mod client;
pub mod entry;
mod http1;
pub mod link;
pub mod player;
pub mod polling;
pub mod report;

use std::io::{IsTerminal, Write};
use std::time::Duration;

use petri_shared::game::{self, CreateRoom, RoomCreated, namespaces};
use serde_json::Value;
use tokio::time::Instant;

use client::{ClientError, SocketIoClient};
use entry::Entry;
pub use link::Transport;
pub use report::SwarmReport;

use crate::sim::Strategy;

/// What a swarm does.
#[derive(Debug, Clone)]
pub struct SwarmSettings {
    pub url: String,
    pub bots: usize,
    /// Rooms to create and spread the bots over; 0 joins `room` instead.
    pub rooms: usize,
    /// The room to join when `rooms` is 0.
    pub room: String,
    /// Every bot asks the lobby for quick play instead (and follows it to any cluster node).
    pub quickplay: bool,
    pub duration: Duration,
    /// New connections per second while the swarm starts (a handshake storm is its own test).
    pub connect_rate: f64,
    /// Bots the server adds to each created room.
    pub server_bots: u32,
    pub show_progress: bool,
    /// WebSocket, or HTTP long-polling the whole time.
    pub transport: Transport,
}

/// Creates the swarm's rooms through the lobby, like the web client's "create room" button.
async fn create_rooms(settings: &SwarmSettings) -> Result<Vec<String>, ClientError> {
    if settings.quickplay {
        return Ok(Vec::new());
    }
    if settings.rooms == 0 {
        return Ok(vec![settings.room.clone()]);
    }
    let wait = Duration::from_secs(10);
    let mut lobby = SocketIoClient::connect_via(
        &settings.url,
        settings.transport,
        namespaces::LOBBY,
        None,
        wait,
    )
    .await?;
    let per_room = settings.bots.div_ceil(settings.rooms) as u32;
    let mut ids = Vec::new();
    for i in 0..settings.rooms {
        let request = CreateRoom {
            name: Some(format!("swarm {}", i + 1)),
            capacity: Some(per_room),
            bots: Some(settings.server_bots),
            ..CreateRoom::default()
        };
        // the lobby limits room creation per connection: wait and retry (bounded) when told to
        let mut attempts = 0;
        let created: RoomCreated = loop {
            let answer = lobby
                .call(
                    game::events::CREATE,
                    &[serde_json::to_value(&request).unwrap_or(Value::Null)],
                    wait,
                )
                .await?;
            let first = answer.into_iter().next().unwrap_or(Value::Null);
            if first["code"] == "rate-limited" && attempts < 50 {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
            break serde_json::from_value(first.clone()).map_err(|_| {
                ClientError::Protocol(format!("the server would not create a room: {first}"))
            })?;
        };
        ids.push(created.room.id);
    }
    lobby.close().await;
    Ok(ids)
}

/// Runs the swarm to the end and reports.
pub async fn run(settings: SwarmSettings) -> Result<SwarmReport, ClientError> {
    let rooms = create_rooms(&settings).await?;
    let started = Instant::now();
    let until = started + settings.duration;
    let gap = Duration::from_secs_f64(1.0 / settings.connect_rate.max(1.0));
    let mut tasks = Vec::with_capacity(settings.bots);
    for i in 0..settings.bots {
        let strategy = Strategy::ALL[i % Strategy::ALL.len()];
        let entry = if rooms.is_empty() {
            Entry::QuickPlay
        } else {
            Entry::Room(rooms[i % rooms.len()].clone())
        };
        tasks.push(tokio::spawn(player::play(
            settings.url.clone(),
            settings.transport,
            entry,
            format!("swarm-{}", i + 1),
            strategy,
            until,
        )));
        if i + 1 < settings.bots {
            tokio::time::sleep(gap).await;
        }
        if Instant::now() >= until {
            break;
        }
    }
    let progress = settings.show_progress && std::io::stderr().is_terminal();
    while Instant::now() < until {
        let finished = tasks.iter().filter(|t| t.is_finished()).count();
        if progress {
            let left = until.saturating_duration_since(Instant::now()).as_secs();
            eprint!(
                "\rswarm: {} bots running, {finished} finished, {left} s left   ",
                tasks.len() - finished
            );
            let _ = std::io::stderr().flush();
        }
        tokio::time::sleep(
            Duration::from_millis(500).min(until.saturating_duration_since(Instant::now())),
        )
        .await;
    }
    if progress {
        eprintln!();
    }
    let mut stats = Vec::with_capacity(tasks.len());
    for task in tasks {
        match tokio::time::timeout(Duration::from_secs(15), task).await {
            Ok(Ok(s)) => stats.push(s),
            Ok(Err(join_error)) => stats.push(player::BotStats {
                error: Some(format!("the bot task failed: {join_error}")),
                ..Default::default()
            }),
            Err(_) => stats.push(player::BotStats {
                error: Some("the bot did not stop in time".into()),
                ..Default::default()
            }),
        }
    }
    Ok(SwarmReport::from_bots(
        &stats,
        rooms.len(),
        settings.duration.as_secs_f64(),
    ))
}
