//! The dedicated pub/sub connection: connect, subscribe, pump messages, and on any loss reconnect
//! with backoff and subscribe again.
//!
//! Why a hand-run `PubSub` connection rather than RESP3 pushes on a `ConnectionManager`: the
//! reconnect and resubscribe are then ours, in one loop, and the moment of reconnection is known —
//! that is when the node must re-assert its directory entries (Redis may have restarted empty),
//! and it works on RESP2 servers too. A PING every heartbeat detects a half-open connection that
//! TCP would only notice after `tcp-keepalive` (300 s by default).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{PubSubSink, PubSubStream};
use tokio::sync::watch;

use crate::cluster::backoff::Backoff;
use crate::cluster::redact::RedisUrl;
use crate::cluster::stats::ClusterStats;

/// What to subscribe to, re-applied on every connect.
#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    pub channels: Vec<String>,
    pub patterns: Vec<String>,
}

/// Where messages and connection events go.
pub trait SubscriberEvents: Send + Sync + 'static {
    /// The connection is (again) up and every subscription is in place.
    fn on_connected(&self);
    /// One message; `channel` is the channel it was published on (not the pattern).
    fn on_message(&self, channel: &str, payload: &[u8]);
}

/// Timings of the loop.
#[derive(Debug, Clone, Copy)]
pub struct SubscriberTimings {
    /// Connect + subscribe, and each PING, must finish within this.
    pub io_timeout: Duration,
    /// How often the idle connection is PINGed.
    pub ping_every: Duration,
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
}

/// Runs until `shutdown` turns true (or its sender is dropped).
pub async fn run(
    client: redis::Client,
    url: RedisUrl,
    subscriptions: Subscriptions,
    events: Arc<dyn SubscriberEvents>,
    stats: Arc<ClusterStats>,
    timings: SubscriberTimings,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(timings.reconnect_min, timings.reconnect_max);
    let mut was_up = false;
    while !stopping(&shutdown) {
        let connected =
            tokio::time::timeout(timings.io_timeout, connect(&client, &subscriptions)).await;
        match connected {
            Ok(Ok((sink, stream))) => {
                backoff.reset();
                stats.set_subscriber_up(true);
                ClusterStats::bump(&stats.connects);
                tracing::info!(redis = %url, "cluster pub/sub connected");
                events.on_connected();
                pump(sink, stream, events.as_ref(), timings, &mut shutdown).await;
                stats.set_subscriber_up(false);
                was_up = true;
                if stopping(&shutdown) {
                    break;
                }
                tracing::warn!(redis = %url, "cluster pub/sub connection lost; reconnecting");
            }
            Ok(Err(error)) if was_up => {
                tracing::debug!(redis = %url, %error, "cluster reconnect failed")
            }
            Ok(Err(error)) => {
                tracing::warn!(redis = %url, %error, "cluster pub/sub connect failed")
            }
            Err(_) => tracing::warn!(redis = %url, "cluster pub/sub connect timed out"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff.next_delay()) => {}
            _ = shutdown.changed() => {}
        }
    }
    stats.set_subscriber_up(false);
}

/// True once shutdown was asked for, or its sender is gone (the node was dropped).
pub(crate) fn stopping(shutdown: &watch::Receiver<bool>) -> bool {
    *shutdown.borrow() || shutdown.has_changed().is_err()
}

async fn connect(
    client: &redis::Client,
    subs: &Subscriptions,
) -> redis::RedisResult<(PubSubSink, PubSubStream)> {
    let mut pubsub = client.get_async_pubsub().await?;
    if !subs.channels.is_empty() {
        pubsub.subscribe(&subs.channels).await?;
    }
    if !subs.patterns.is_empty() {
        pubsub.psubscribe(&subs.patterns).await?;
    }
    Ok(pubsub.split())
}

/// Delivers messages until the stream ends, a PING fails, or shutdown.
async fn pump(
    mut sink: PubSubSink,
    mut stream: PubSubStream,
    events: &dyn SubscriberEvents,
    timings: SubscriberTimings,
    shutdown: &mut watch::Receiver<bool>,
) {
    let mut ping = tokio::time::interval(timings.ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(message) => events.on_message(message.get_channel_name(), message.get_payload_bytes()),
                None => return,
            },
            _ = ping.tick() => {
                let answered = tokio::time::timeout(timings.io_timeout, sink.ping::<redis::Value>()).await;
                if !matches!(answered, Ok(Ok(_))) {
                    return;
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}
