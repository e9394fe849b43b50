//! The heartbeat task: refresh the directory every `heartbeat_interval`, and at once when asked
//! (a room opened or closed, or the pub/sub connection came back after an outage).

use std::sync::Arc;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::cluster::shared::Shared;
use crate::cluster::subscriber::stopping;

/// Runs until shutdown; the graceful deregistration is the node's, after this returns.
pub async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(shared.config.heartbeat_interval);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    while !stopping(&shutdown) {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shared.refresh.notified() => {}
            _ = shutdown.changed() => continue,
        }
        shared.refresh_once().await;
    }
}
