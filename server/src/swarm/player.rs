//! One swarm bot: joins a room like a browser does, rebuilds the arena from the frames it gets,
//! and plays with the same brains as the sim's bots, seeing only what those frames show it.
//!
//! Input-to-effect latency is measured with probes: every `PROBE_EVERY` the bot turns its target
//! to the opposite side and times how long until its own cells are seen moving that way.

use std::time::Duration;

use glam::Vec2;
use petri_shared::ClientWorld;
use petri_shared::codec;
use petri_shared::game::{self, CellKindCode, Frame, Joined};
use serde_json::json;
use tokio::time::Instant;

use super::client::{ClientError, Incoming, SocketIoClient};
use super::entry::{Entered, Entry, enter};
use super::link::Transport;
use crate::sim::bots::{Brain, Glimpse, Me, SightBuilder};
use crate::sim::{PlayerId, SimConfig, Strategy};

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
    /// The server (cluster node) the bot played on.
    pub node: Option<String>,
    /// The room it played in.
    pub room: Option<String>,
}

struct Probe {
    direction: Vec2,
    started: Instant,
    from: Vec2,
}

/// The bot's own cells, summarised as a brain wants them, and their size-weighted centre.
fn me_from(world: &ClientWorld, id: u32) -> Option<(Me, Vec2)> {
    let own = || {
        world
            .own
            .iter()
            .filter_map(|h| world.cells.get(h))
            .map(|c| (Vec2::new(c.x as f32, c.y as f32), c.size as f32))
    };
    let me = Me::from_cells(PlayerId(id), own())?;
    let (weighted, weight) = own().fold((Vec2::ZERO, 0.0), |(w, total), (position, size)| {
        (w + position * size * size, total + size * size)
    });
    Some((me, weighted / weight.max(1.0)))
}

/// Plays until `until`, then leaves. Never panics on what the server sends; a protocol error
/// ends this bot and is reported.
pub async fn play(
    url: String,
    transport: Transport,
    entry: Entry,
    name: String,
    strategy: Strategy,
    until: Instant,
) -> BotStats {
    let started = Instant::now();
    let mut stats = BotStats::default();
    if let Err(error) =
        play_inner(&url, transport, &entry, &name, strategy, until, &mut stats).await
    {
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
    transport: Transport,
    entry: &Entry,
    name: &str,
    strategy: Strategy,
    until: Instant,
    stats: &mut BotStats,
) -> Result<(), ClientError> {
    let Entered {
        mut client,
        joined,
        node,
    } = enter(url, transport, entry, name).await?;
    stats.connected = true;
    stats.node = Some(node);
    stats.room = Some(joined.room.id.clone());
    let mut pilot = Pilot::new(&joined, strategy);
    let mut think = tokio::time::interval(THINK_EVERY);
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(until) => break,
            incoming = client.next() => match incoming? {
                Incoming::Event { name, attachments, .. } if name == game::events::FRAME => {
                    let Some(bytes) = attachments.first() else { continue };
                    pilot.on_frame(bytes, stats)?;
                }
                Incoming::Event { name, .. } if name == game::events::DIED => {
                    stats.deaths += 1;
                    pilot.probe = None;
                    client.emit(game::events::RESPAWN, &[]).await?;
                }
                Incoming::Disconnected => return Err(ClientError::Closed),
                _ => {}
            },
            _ = think.tick() => pilot.think(&mut client).await?,
        }
    }
    stats.bytes = client.bytes_received;
    client.close().await;
    Ok(())
}

/// What a playing bot keeps between events: its picture of the arena, its brain and its probe.
struct Pilot {
    player: u32,
    config: SimConfig,
    brain: Brain,
    world: ClientWorld,
    last_tick: Option<u32>,
    next_probe: Instant,
    probe: Option<Probe>,
    heading: Vec2,
    roll: u64,
}

impl Pilot {
    fn new(joined: &Joined, strategy: Strategy) -> Self {
        let player = joined.player.unwrap_or(0);
        Self {
            player,
            config: SimConfig {
                border_width: joined.world.width,
                border_height: joined.world.height,
                ..SimConfig::classic()
            },
            brain: Brain::new(strategy),
            world: ClientWorld::default(),
            last_tick: None,
            next_probe: Instant::now() + PROBE_EVERY,
            probe: None,
            heading: Vec2::X,
            roll: u64::from(player).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        }
    }

    /// Applies a frame, counts skipped ticks, and ends the probe once its move is seen.
    fn on_frame(&mut self, bytes: &[u8], stats: &mut BotStats) -> Result<(), ClientError> {
        let frame: Frame =
            codec::decode(bytes).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.world
            .apply(&frame)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        stats.frames += 1;
        if let Some(last) = self.last_tick {
            let gap = frame.tick.saturating_sub(last).saturating_sub(1);
            stats.frames_skipped += u64::from(gap);
        }
        self.last_tick = Some(frame.tick);
        if let (Some(p), Some((_, center))) = (&self.probe, me_from(&self.world, self.player)) {
            if (center - p.from).dot(p.direction) > PROBE_DISTANCE {
                stats
                    .latencies_ms
                    .push(p.started.elapsed().as_secs_f64() * 1000.0);
                self.probe = None;
            } else if p.started.elapsed() > PROBE_GIVE_UP {
                self.probe = None;
            }
        }
        Ok(())
    }

    /// One decision: start a probe when one is due, hold it while it runs, else let the brain
    /// steer from what the frames show.
    async fn think(&mut self, client: &mut SocketIoClient) -> Result<(), ClientError> {
        let Some((me, center)) = me_from(&self.world, self.player) else {
            return Ok(());
        };
        if self.probe.is_none() && Instant::now() >= self.next_probe {
            self.next_probe = Instant::now() + PROBE_EVERY;
            let direction = -self.heading;
            self.probe = Some(Probe {
                direction,
                started: Instant::now(),
                from: center,
            });
            return steer(client, center + direction * 1000.0).await;
        }
        if self.probe.is_some() {
            return Ok(()); // hold the probe's course until it is seen
        }
        let mut builder = SightBuilder::new(&me, &self.config);
        for cell in self.world.cells.values() {
            let kind = CellKindCode::from_code(cell.kind).unwrap_or(CellKindCode::Player);
            builder.see(Glimpse {
                position: Vec2::new(cell.x as f32, cell.y as f32),
                size: cell.size as f32,
                kind: kind.into(),
                owner: (cell.owner != 0).then_some(PlayerId(cell.owner)),
                // the wire names no teams: a swarm bot plays every room as free-for-all
                team: 0,
            });
        }
        self.roll = self
            .roll
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let decision = self.brain.decide(&me, &builder.finish(), self.roll >> 11);
        self.heading = decision.heading;
        steer(client, me.position + self.heading * 1000.0).await?;
        if decision.split {
            client.emit(game::events::SPLIT, &[]).await?;
        }
        Ok(())
    }
}

async fn steer(client: &mut SocketIoClient, target: Vec2) -> Result<(), ClientError> {
    client
        .emit(game::events::INPUT, &[json!(target.x), json!(target.y)])
        .await
}
