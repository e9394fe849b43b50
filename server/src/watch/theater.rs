//! The theater: one thread that plays every playback of a server at its own speed, and the
//! rule by which viewers share them.
//!
//! **The clock.** Like a room's runner, the theater is an OS thread off the async runtime with a
//! fixed frame period (`FRAME_PERIOD`, 25 frames a second whatever the speed): each frame every
//! playing playback steps as many ticks as its speed owes the clock (16x at 25 Hz is 16 steps, a
//! fiftieth of what one core steps), then every viewer gets its frame. Commands come over a
//! bounded channel (`try_send`, a network task never waits) and are taken between frames.
//!
//! **Sharing.** Viewers at the same (replay, tick, speed, playing) watch one playback: a viewer
//! that opens or seeks to a state a playback stands at joins it, and two playbacks that come to
//! the same state (two viewers seeking to one tick, then both pressing play at one frame) are
//! merged at the end of the frame. A viewer that changes speed or pauses changes its playback in
//! place when it watches alone, and otherwise moves to (or starts) another one. So the cost is
//! one simulation per distinct position and speed, however many watch (`TheaterStats`).
//!
//! **Seeking** re-simulates from tick 0 (`Script::cue`) on a thread of its own, so a seek never
//! stalls the other playbacks; the viewer keeps watching where it was until the new position is
//! ready, then moves there with a fresh view (its answer says `reset`). `max_playbacks` bounds
//! playbacks and seeks in progress together.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use petri_shared::game::{Refusal, RefusalCode};
use tracing::{info, warn};

use super::WatchError;
use super::playback::{Playback, ReplayState};
use super::script::{Position, Script};
use crate::realtime::Shutdown;
use crate::rooms::roster::Client;
use crate::rooms::{ClientId, ClientLink, HostLimits};

/// How often viewers get a frame, whatever the playback's speed.
pub const FRAME_PERIOD: Duration = Duration::from_millis(40);
/// The leaderboard goes out every this many frames (half a second), as a room's does.
const BOARD_EVERY_FRAMES: u64 = 12;
/// `replay_state` goes out every this many frames (five a second), and after every change.
const STATE_EVERY_FRAMES: u64 = 5;
/// Commands waiting for the theater; past it a viewer is told `busy`.
const QUEUE_DEPTH: usize = 1024;

/// How a viewer's request is answered: where it now watches, and whether its view restarted.
pub type WatchReply = Box<dyn FnOnce(Result<Answer, Refusal>) + Send>;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    pub state: ReplayState,
    /// The viewer moved to another position: its picture starts over with the next frame.
    pub reset: bool,
}

/// What a viewer wants changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Control {
    Play,
    Pause,
    Speed(f64),
    Seek(u64),
    Follow(Option<u32>),
}

pub enum WatchCommand {
    Watch {
        viewer: ClientId,
        link: Arc<dyn ClientLink>,
        replay: String,
        script: Arc<Script>,
        want: ReplayState,
        /// The screen's shape (`rules::view_aspect` checked it); `None`: the classic one.
        aspect: Option<f32>,
        reply: WatchReply,
    },
    Control {
        viewer: ClientId,
        control: Control,
        reply: WatchReply,
    },
    Leave {
        viewer: ClientId,
    },
    /// A seek's re-simulation is done (from its worker thread).
    Cued(Box<Cue>),
}

pub struct Cue {
    viewer: ClientId,
    replay: String,
    script: Arc<Script>,
    want: ReplayState,
    position: Result<Position, WatchError>,
    reply: WatchReply,
}

/// What the theater is doing, for tests and operators.
#[derive(Debug, Default)]
pub struct TheaterStats {
    pub playbacks: AtomicUsize,
    pub viewers: AtomicUsize,
    pub seeking: AtomicUsize,
}

/// The network's handle on the theater.
pub struct TheaterHandle {
    commands: SyncSender<WatchCommand>,
    stats: Arc<TheaterStats>,
}

impl TheaterHandle {
    /// Queues a command; a full queue answers the viewer `busy` at once.
    pub fn send(&self, command: WatchCommand) {
        if let Err(TrySendError::Full(command) | TrySendError::Disconnected(command)) =
            self.commands.try_send(command)
        {
            let busy = || Refusal::new(RefusalCode::Busy, "the replay server is busy; try again");
            match command {
                WatchCommand::Watch { reply, .. } | WatchCommand::Control { reply, .. } => {
                    reply(Err(busy()));
                }
                WatchCommand::Cued(cue) => (cue.reply)(Err(busy())),
                WatchCommand::Leave { .. } => {}
            }
        }
    }

    pub fn stats(&self) -> &Arc<TheaterStats> {
        &self.stats
    }
}

/// Starts the theater's thread; it stops when `shutdown` begins.
pub fn start(max_playbacks: usize, shutdown: Shutdown) -> std::io::Result<Arc<TheaterHandle>> {
    let (tx, rx) = sync_channel(QUEUE_DEPTH);
    let stats = Arc::new(TheaterStats::default());
    let mut theater = Theater {
        playbacks: Vec::new(),
        waiting: Vec::new(),
        seeking: Vec::new(),
        max_playbacks: max_playbacks.max(1),
        commands: tx.clone(),
        stats: Arc::clone(&stats),
        limits: HostLimits::default(),
    };
    std::thread::Builder::new()
        .name("replay-theater".into())
        .spawn(move || theater.run(&rx, &shutdown))?;
    Ok(Arc::new(TheaterHandle {
        commands: tx,
        stats,
    }))
}

struct Theater {
    playbacks: Vec<Playback>,
    /// Viewers whose first position is being prepared.
    waiting: Vec<(ClientId, Client)>,
    /// Viewers with a seek being prepared: one at a time each, so that one viewer cannot
    /// take every place `max_playbacks` leaves.
    seeking: Vec<ClientId>,
    max_playbacks: usize,
    /// For seek workers to hand their result back.
    commands: SyncSender<WatchCommand>,
    stats: Arc<TheaterStats>,
    /// A viewer's buckets (never used: a viewer sends nothing to an arena).
    limits: HostLimits,
}

impl Theater {
    fn run(&mut self, commands: &Receiver<WatchCommand>, shutdown: &Shutdown) {
        info!("replay theater open");
        let mut frame: u64 = 0;
        let mut last = Instant::now();
        let mut next = last + FRAME_PERIOD;
        while !shutdown.is_begun() {
            loop {
                let now = Instant::now();
                if now >= next {
                    break;
                }
                match commands.recv_timeout(next - now) {
                    Ok(command) => self.handle(command),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            let now = Instant::now();
            frame += 1;
            self.frame(now.duration_since(last).as_secs_f64(), frame);
            last = now;
            next += FRAME_PERIOD;
            if now > next + FRAME_PERIOD * 5 {
                next = now + FRAME_PERIOD; // far behind: skip ahead, do not race
            }
        }
        info!("replay theater closed");
    }

    /// One frame: every playback moves on, every viewer gets its frame; then empty playbacks
    /// stop and playbacks at the same state merge.
    fn frame(&mut self, seconds: f64, frame: u64) {
        for playback in &mut self.playbacks {
            playback.advance(seconds);
            playback.send(frame.is_multiple_of(BOARD_EVERY_FRAMES));
            if frame.is_multiple_of(STATE_EVERY_FRAMES) {
                playback.send_state();
            }
        }
        self.playbacks.retain(|p| p.viewers() > 0);
        self.merge();
        self.publish();
    }

    fn merge(&mut self) {
        let mut i = 0;
        while i < self.playbacks.len() {
            let mut j = i + 1;
            while j < self.playbacks.len() {
                let (head, tail) = self.playbacks.split_at_mut(j);
                if tail[0].is_at(&head[i].replay, head[i].state()) {
                    let mut other = self.playbacks.swap_remove(j);
                    self.playbacks[i].absorb(&mut other);
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
    }

    fn publish(&self) {
        let viewers = self.playbacks.iter().map(|p| p.viewers() as usize).sum();
        self.stats
            .playbacks
            .store(self.playbacks.len(), Ordering::Relaxed);
        self.stats.viewers.store(viewers, Ordering::Relaxed);
        self.stats
            .seeking
            .store(self.seeking.len(), Ordering::Relaxed);
    }

    fn handle(&mut self, command: WatchCommand) {
        match command {
            WatchCommand::Watch {
                viewer,
                link,
                replay,
                script,
                want,
                aspect,
                reply,
            } => {
                self.leave(viewer);
                let name = String::new();
                let watching = crate::rooms::view::Watching::Spectator(None);
                let tick_rate = script.tick_rate();
                let mut client = Client::new(link, watching, None, &self.limits, tick_rate, name);
                client.view.set_aspect(aspect);
                self.waiting.push((viewer, client));
                self.place(viewer, replay, script, want, reply);
            }
            WatchCommand::Control {
                viewer,
                control,
                reply,
            } => self.control(viewer, control, reply),
            WatchCommand::Leave { viewer } => self.leave(viewer),
            WatchCommand::Cued(cue) => self.cued(*cue),
        }
        self.publish();
    }

    fn leave(&mut self, viewer: ClientId) {
        self.waiting.retain(|(v, _)| *v != viewer);
        for playback in &mut self.playbacks {
            playback.unseat(viewer);
        }
    }

    fn playback_of(&self, viewer: ClientId) -> Option<usize> {
        self.playbacks.iter().position(|p| p.has(viewer))
    }

    fn control(&mut self, viewer: ClientId, control: Control, reply: WatchReply) {
        let Some(index) = self.playback_of(viewer) else {
            let message = "watch a replay first (or wait for the last seek to finish)";
            return reply(Err(Refusal::new(RefusalCode::BadRequest, message)));
        };
        let playback = &mut self.playbacks[index];
        let mut want = playback.state();
        match control {
            Control::Follow(player) => {
                playback.follow(viewer, player);
                return reply(Ok(Answer {
                    state: want,
                    reset: false,
                }));
            }
            Control::Play => want.playing = true,
            Control::Pause => want.playing = false,
            Control::Speed(speed) => want.speed = speed,
            Control::Seek(tick) => want.tick = tick,
        }
        let seek = matches!(control, Control::Seek(_));
        if !seek && playback.viewers() == 1 {
            playback.set(want.speed, want.playing);
            playback.send_state();
            return reply(Ok(Answer {
                state: playback.state(),
                reset: false,
            }));
        }
        let (replay, script) = (playback.replay.clone(), Arc::clone(playback.script()));
        self.place(viewer, replay, script, want, reply);
    }

    /// Puts `viewer` where `want` is: into a playback standing there, or into a new one once a
    /// worker has re-simulated to it.
    fn place(
        &mut self,
        viewer: ClientId,
        replay: String,
        script: Arc<Script>,
        want: ReplayState,
        reply: WatchReply,
    ) {
        if let Some(index) = self.playbacks.iter().position(|p| p.is_at(&replay, want)) {
            return self.seat(viewer, index, reply);
        }
        if self.seeking.contains(&viewer) {
            let message = "the last seek is still being prepared; try again in a moment";
            return reply(Err(Refusal::new(RefusalCode::Busy, message)));
        }
        let busy = self.playbacks.len() + self.seeking.len();
        if busy >= self.max_playbacks {
            self.waiting.retain(|(v, _)| *v != viewer);
            let message = format!(
                "{busy} replays are playing, the most this server plays at once; try again soon"
            );
            return reply(Err(Refusal::new(RefusalCode::Busy, message)));
        }
        self.seeking.push(viewer);
        let commands = self.commands.clone();
        let worker = move || {
            let position = script.cue(want.tick);
            let cue = Cue {
                viewer,
                replay,
                script,
                want,
                position,
                reply,
            };
            if let Err(error) = commands.send(WatchCommand::Cued(Box::new(cue)))
                && let WatchCommand::Cued(cue) = error.0
            {
                let closed = Refusal::new(RefusalCode::Internal, "the theater closed");
                (cue.reply)(Err(closed));
            }
        };
        if let Err(error) = std::thread::Builder::new()
            .name("replay-seek".into())
            .spawn(worker)
        {
            warn!(%error, "could not start a seek");
            self.seeking.retain(|v| *v != viewer);
            self.waiting.retain(|(v, _)| *v != viewer);
        }
    }

    /// A worker reached the position a viewer wanted.
    fn cued(&mut self, cue: Cue) {
        let Cue {
            viewer,
            replay,
            script,
            want,
            position,
            reply,
        } = cue;
        self.seeking.retain(|v| *v != viewer);
        let position = match position {
            Ok(position) => position,
            Err(error) => {
                self.waiting.retain(|(v, _)| *v != viewer);
                let message = format!("could not play the replay: {error}");
                return reply(Err(Refusal::new(RefusalCode::Internal, message)));
            }
        };
        if let Some(index) = self.playbacks.iter().position(|p| p.is_at(&replay, want)) {
            return self.seat(viewer, index, reply);
        }
        let playback = Playback::new(replay, script, position, want.speed, want.playing);
        self.playbacks.push(playback);
        let index = self.playbacks.len() - 1;
        self.seat(viewer, index, reply);
    }

    /// Moves `viewer` (waiting, or in another playback) into playback `index`, its view fresh.
    fn seat(&mut self, viewer: ClientId, index: usize, reply: WatchReply) {
        let waiting = self.waiting.iter().position(|(v, _)| *v == viewer);
        let client = match waiting {
            Some(at) => Some(self.waiting.swap_remove(at).1),
            None => self
                .playbacks
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| *i != index)
                .find_map(|(_, p)| p.unseat(viewer)),
        };
        let Some(mut client) = client else {
            // it left (or is already there) while its position was being prepared
            let playback = &self.playbacks[index];
            let state = playback.state();
            let reset = false;
            if playback.has(viewer) {
                reply(Ok(Answer { state, reset }));
            }
            return;
        };
        client.view.restart();
        let playback = &mut self.playbacks[index];
        // the answer goes before the first frame of the new position (one ordered socket)
        reply(Ok(Answer {
            state: playback.state(),
            reset: true,
        }));
        playback.seat(viewer, client);
        playback.send_state();
    }
}
