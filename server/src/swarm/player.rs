//! One swarm bot: joins a room like a browser does, rebuilds the arena from the frames it gets,
//! and plays with the same brains as the sim's bots, seeing only what those frames show it.
//!
//! Input-to-effect latency is measured with probes: every `PROBE_EVERY` the bot turns its target
//! to the opposite side and times how long until its own cells are seen moving that way.

use std::time::Duration;

use glam::Vec2;
use petri_shared::ClientWorld;
use petri_shared::codec;
use petri_shared::game::{self, Frame, JoinRequest, Joined, kind, namespaces};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::client::{ClientError, Incoming, SocketIoClient};
use crate::sim::bots::{Brain, Glimpse, Me, SightBuilder};
use crate::sim::{CellKind, PlayerId, SimConfig, Strategy};

/// A person reacts in about 200 ms; deciding faster only costs the load generator CPU.
const THINK_EVERY: Duration = Duration::from_millis(200);
const PROBE_EVERY: Duration = Duration::from_secs(2);
const PROBE_GIVE_UP: Duration = Duration::from_secs(2);
/// Units the cells must cover in the probe's direction for the input to count as seen.
const PROBE_DISTANCE: f32 = 3.0;

/// What one bot measured.
#[derive(Debug, Clone, Default)]
pub struct BotStats {
    pub connected: bool,
    pub error: Option<String>,
    pub frames: u64,
    /// Ticks the server skipped for this bot (gaps between consecutive frames' ticks).
    pub frames_skipped: u64,
    pub bytes: u64,
    pub latencies_ms: Vec<f64>,
    pub deaths: u64,
    pub disconnected_early: bool,
    pub seconds: f64,
}

struct Probe {
    direction: Vec2,
    started: Instant,
    from: Vec2,
}

fn kind_of(code: u8) -> CellKind {
    match code {
        kind::FOOD => CellKind::Food,
        kind::EJECTED => CellKind::Ejected,
        kind::VIRUS => CellKind::Virus,
        _ => CellKind::Player,
    }
}

/// The bot's own cells, summarised as a brain wants them, and their size-weighted centre.
fn me_from(world: &ClientWorld, id: u32) -> Option<(Me, Vec2)> {
    let mut me: Option<Me> = None;
    let (mut weighted, mut weight) = (Vec2::ZERO, 0.0);
    for cell in world.own.iter().filter_map(|h| world.cells.get(h)) {
        let position = Vec2::new(cell.x as f32, cell.y as f32);
        let size = cell.size as f32;
        weighted += position * size * size;
        weight += size * size;
        match me.as_mut() {
            None => {
                me = Some(Me {
                    id: PlayerId(id),
                    position,
                    size,
                    smallest: size,
                    total_size: size,
                    cells: 1,
                })
            }
            Some(m) => {
                if size > m.size {
                    m.size = size;
                    m.position = position;
                }
                m.smallest = m.smallest.min(size);
                m.total_size += size;
                m.cells += 1;
            }
        }
    }
    me.map(|m| (m, weighted / weight.max(1.0)))
}

/// Plays until `until`, then leaves. Never panics on what the server sends; a protocol error
/// ends this bot and is reported.
pub async fn play(
    url: String,
    room: String,
    name: String,
    strategy: Strategy,
    until: Instant,
) -> BotStats {
    let started = Instant::now();
    let mut stats = BotStats::default();
    if let Err(error) = play_inner(&url, &room, &name, strategy, until, &mut stats).await {
        match error {
            ClientError::Closed if stats.connected => stats.disconnected_early = true,
            other => stats.error = Some(other.to_string()),
        }
    }
    stats.seconds = started.elapsed().as_secs_f64();
    stats
}

async fn play_inner(
    url: &str,
    room: &str,
    name: &str,
    strategy: Strategy,
    until: Instant,
    stats: &mut BotStats,
) -> Result<(), ClientError> {
    let wait = Duration::from_secs(10);
    let mut client = SocketIoClient::connect(url, namespaces::PLAY, None, wait).await?;
    let request = JoinRequest {
        room: room.to_owned(),
        name: name.to_owned(),
        ..JoinRequest::default()
    };
    let answer = client
        .call(
            game::events::JOIN,
            &[serde_json::to_value(&request).unwrap_or(Value::Null)],
            wait,
        )
        .await?;
    let joined: Joined = answer
        .into_iter()
        .next()
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| ClientError::Protocol(format!("join to {room} was refused")))?;
    stats.connected = true;
    let player = joined.player.unwrap_or(0);
    let config = SimConfig {
        border_width: joined.world.width,
        border_height: joined.world.height,
        ..SimConfig::classic()
    };
    let mut brain = Brain::new(strategy);
    let mut world = ClientWorld::default();
    let mut last_tick: Option<u32> = None;
    let mut think = tokio::time::interval(THINK_EVERY);
    let mut next_probe = Instant::now() + PROBE_EVERY;
    let mut probe: Option<Probe> = None;
    let mut heading = Vec2::X;
    let mut roll: u64 = u64::from(player).wrapping_mul(0x9E37_79B9_7F4A_7C15);

    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(until) => break,
            incoming = client.next() => match incoming? {
                Incoming::Event { name, attachments, .. } if name == game::events::FRAME => {
                    let Some(bytes) = attachments.first() else { continue };
                    let frame: Frame = codec::decode(bytes).map_err(|e| ClientError::Protocol(e.to_string()))?;
                    world.apply(&frame).map_err(|e| ClientError::Protocol(e.to_string()))?;
                    stats.frames += 1;
                    if let Some(last) = last_tick {
                        stats.frames_skipped += u64::from(frame.tick.saturating_sub(last).saturating_sub(1));
                    }
                    last_tick = Some(frame.tick);
                    if let (Some(p), Some((_, center))) = (&probe, me_from(&world, player)) {
                        if (center - p.from).dot(p.direction) > PROBE_DISTANCE {
                            stats.latencies_ms.push(p.started.elapsed().as_secs_f64() * 1000.0);
                            probe = None;
                        } else if p.started.elapsed() > PROBE_GIVE_UP {
                            probe = None;
                        }
                    }
                }
                Incoming::Event { name, .. } if name == game::events::DIED => {
                    stats.deaths += 1;
                    probe = None;
                    client.emit(game::events::RESPAWN, &[]).await?;
                }
                Incoming::Disconnected => return Err(ClientError::Closed),
                _ => {}
            },
            _ = think.tick() => {
                let Some((me, center)) = me_from(&world, player) else { continue };
                if probe.is_none() && Instant::now() >= next_probe {
                    next_probe = Instant::now() + PROBE_EVERY;
                    let direction = -heading;
                    probe = Some(Probe { direction, started: Instant::now(), from: center });
                    let target = center + direction * 1000.0;
                    client.emit(game::events::INPUT, &[json!(target.x), json!(target.y)]).await?;
                    continue;
                }
                if probe.is_some() {
                    continue; // hold the probe's course until it is seen
                }
                let mut builder = SightBuilder::new(&me, &config);
                for cell in world.cells.values() {
                    builder.see(Glimpse {
                        position: Vec2::new(cell.x as f32, cell.y as f32),
                        size: cell.size as f32,
                        kind: kind_of(cell.kind),
                        owner: (cell.owner != 0).then_some(PlayerId(cell.owner)),
                    });
                }
                roll = roll.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let decision = brain.decide(&me, &builder.finish(), roll >> 11);
                heading = decision.heading;
                let target = me.position + heading * 1000.0;
                client.emit(game::events::INPUT, &[json!(target.x), json!(target.y)]).await?;
                if decision.split {
                    client.emit(game::events::SPLIT, &[]).await?;
                }
            }
        }
    }
    stats.bytes = client.bytes_received;
    client.close().await;
    Ok(())
}
