//! One shutdown signal, in mini-redis's shape (`shutdown.rs` there): a cheap handle that can be
//! asked "has shutdown begun?" from any thread without blocking, awaited in a `select!`, and
//! that tracks the tasks which must end before shutdown is complete.
//!
//! Petri uses one type for every stage of stopping: `/readyz` turning unready, the game rooms
//! finishing their tick, and the HTTP side closing its connections (`serve.rs` sequences them).
//! Each stage is its own `Shutdown`, so "begun" means the same thing everywhere.
//!
//! Built on `tokio::sync::watch`: the flag is an atomic (a room's tick thread reads it every tick
//! for the price of a load), waiting subscribes to a watch channel, and the in-flight tasks each
//! hold a receiver of a second one, so "drained" is the sender seeing its last receiver go (the
//! `shutdown_complete` drop-guard idiom, without a separate `mpsc`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// A shutdown signal. Cloning it gives another handle to the same signal.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    begun: AtomicBool,
    signal: watch::Sender<bool>,
    /// Every [`InFlight`] holds a receiver; when none is left, the tracked work is done.
    in_flight: watch::Sender<()>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            begun: AtomicBool::new(false),
            signal: watch::Sender::new(false),
            in_flight: watch::Sender::new(()),
        }
    }
}

/// Held by a task that must finish before shutdown completes (see [`Shutdown::drained`]); drop
/// it when the task ends.
#[derive(Debug)]
#[must_use = "the task counts as running only while this is held"]
pub struct InFlight {
    _held: watch::Receiver<()>,
}

impl Shutdown {
    /// A signal that has not begun.
    pub fn new() -> Self {
        Self::default()
    }

    /// Begins the shutdown (idempotent): every waiter of [`Shutdown::begun`] wakes.
    pub fn begin(&self) {
        if !self.inner.begun.swap(true, Ordering::AcqRel) {
            self.inner.signal.send_replace(true);
        }
    }

    /// Whether the shutdown has begun. Non-blocking; callable from any thread.
    pub fn is_begun(&self) -> bool {
        self.inner.begun.load(Ordering::Acquire)
    }

    /// Completes once the shutdown has begun (at once if it already has). Cancel-safe: meant for
    /// a `select!` branch.
    pub async fn begun(&self) {
        let mut signal = self.inner.signal.subscribe();
        // The sender lives as long as `self`, so this only returns once the flag is set.
        let _ = signal.wait_for(|begun| *begun).await;
    }

    /// Registers a task that shutdown waits for.
    pub fn in_flight(&self) -> InFlight {
        InFlight {
            _held: self.inner.in_flight.subscribe(),
        }
    }

    /// Completes once every [`InFlight`] has been dropped (at once if there is none).
    pub async fn drained(&self) {
        self.inner.in_flight.closed().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn begun_wakes_waiters_and_drained_waits_for_every_task() {
        let shutdown = Shutdown::new();
        assert!(!shutdown.is_begun());
        let waiter = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.begun().await }
        });
        let task = shutdown.in_flight();
        shutdown.begin();
        shutdown.begin();
        assert!(shutdown.is_begun());
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter wakes")
            .expect("waiter task");
        // a late waiter returns at once
        shutdown.begun().await;
        let drained = tokio::time::timeout(Duration::from_millis(20), shutdown.drained()).await;
        assert!(drained.is_err(), "a task is still in flight");
        drop(task);
        tokio::time::timeout(Duration::from_secs(5), shutdown.drained())
            .await
            .expect("drained once the last task ended");
    }
}
