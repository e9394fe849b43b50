//! Gives a `Room` its own thread and a fixed tick rate.
//!
//! Rooms tick off the async runtime on purpose: a tick is CPU work that must start on time, and a
//! dedicated thread per room keeps one busy room from delaying the network tasks or other rooms
//! (the OS scheduler spreads them over the cores). The network hands commands over a bounded
//! channel (`try_send`, never blocking a network task); between ticks the thread waits on that
//! channel with a deadline, so joins are answered within a tick. A panic inside a room is caught:
//! that room closes and tells its clients, every other room keeps ticking.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use petri_shared::game::{self, RoomSummary};
use tracing::{error, info};

use super::command::RoomCommand;
use super::room::Room;
use super::settings::RoomSettings;
use super::status::RoomStatus;
use crate::realtime::{Cork, Shutdown};

/// Why a command did not reach a room; the command comes back so a join can still be answered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the room is too busy to take more commands right now")]
    Busy(Box<RoomCommand>),
    #[error("the room has closed")]
    Closed(Box<RoomCommand>),
}

/// The network's handle on a running room.
pub struct RoomHandle {
    id: String,
    settings: RoomSettings,
    commands: SyncSender<RoomCommand>,
    status: Arc<RoomStatus>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl RoomHandle {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn private_code(&self) -> Option<&str> {
        self.settings.private_code.as_deref()
    }

    pub fn status(&self) -> &RoomStatus {
        &self.status
    }

    pub fn is_closed(&self) -> bool {
        self.status.closed.load(Ordering::Relaxed)
    }

    /// Queues a command without waiting.
    pub fn send(&self, command: RoomCommand) -> Result<(), SendError> {
        if self.is_closed() {
            return Err(SendError::Closed(Box::new(command)));
        }
        self.commands.try_send(command).map_err(|e| match e {
            TrySendError::Full(c) => SendError::Busy(Box::new(c)),
            TrySendError::Disconnected(c) => SendError::Closed(Box::new(c)),
        })
    }

    pub fn summary(&self) -> RoomSummary {
        self.status.summary(&self.id, &self.settings)
    }

    /// Waits for the room's thread to finish (after a shutdown or its close).
    pub fn join_thread(&self) {
        if let Some(thread) = self.thread.lock().take()
            && thread.join().is_err()
        {
            error!(room = %self.id, "the room thread ended in a panic");
        }
    }
}

/// Starts `room` on its own thread. `shutdown` stops every room at its next tick.
pub fn start(
    room: Room,
    queue_depth: usize,
    shutdown: Shutdown,
) -> std::io::Result<Arc<RoomHandle>> {
    let (tx, rx) = sync_channel(queue_depth.max(1));
    let handle = Arc::new(RoomHandle {
        id: room.id().to_owned(),
        settings: room.settings().clone(),
        commands: tx,
        status: room.status(),
        thread: Mutex::new(None),
    });
    let thread = std::thread::Builder::new()
        .name(format!("room-{}", room.id()))
        .spawn(move || run(room, rx, shutdown))?;
    *handle.thread.lock() = Some(thread);
    Ok(handle)
}

fn run(mut room: Room, commands: Receiver<RoomCommand>, shutdown: Shutdown) {
    let id = room.id().to_owned();
    let status = room.status();
    let period = Duration::from_secs_f64(1.0 / f64::from(room.arena().config().tick_rate.max(1)));
    info!(room = %id, "room open");
    let mut next_tick = Instant::now() + period;
    let reason = loop {
        if shutdown.is_begun() {
            break "the server is shutting down";
        }
        // take commands until the tick is due
        let mut hung_up = false;
        loop {
            let now = Instant::now();
            if now >= next_tick {
                break;
            }
            match commands.recv_timeout(next_tick - now) {
                Ok(command) => {
                    if catch_unwind(AssertUnwindSafe(|| room.handle(command))).is_err() {
                        hung_up = true;
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    hung_up = true;
                    break;
                }
            }
        }
        if hung_up {
            break "the room stopped unexpectedly";
        }
        let started = Instant::now();
        // Corked: the tick's frames and leaderboard are held back, then handed to each client's
        // connection task, which writes them in one go (also on a panic). The room thread only
        // computes, and when the writers fall behind a client's next frames join the same write.
        let cork = Cork::handing_off();
        let ticked = catch_unwind(AssertUnwindSafe(|| room.tick()));
        drop(cork);
        let took = started.elapsed();
        status.tick_times.observe(took);
        let outcome = match ticked {
            Ok(outcome) => outcome,
            Err(_) => {
                error!(room = %id, "the room's tick panicked; closing the room, other rooms carry on");
                break "the room crashed";
            }
        };
        status
            .last_tick_micros
            .store(took.as_micros() as u64, Ordering::Relaxed);
        if outcome.should_close {
            break "the room was empty";
        }
        next_tick += period;
        let now = Instant::now();
        if now > next_tick + period * 5 {
            // far behind (the machine stalled): skip ahead instead of racing to catch up
            next_tick = now + period;
        }
    };
    let event = if shutdown.is_begun() {
        game::events::SERVER_SHUTDOWN
    } else {
        game::events::ROOM_CLOSED
    };
    if catch_unwind(AssertUnwindSafe(|| room.close(event, reason))).is_err() {
        status.closed.store(true, Ordering::Relaxed);
    }
    info!(room = %id, reason, "room closed");
}
