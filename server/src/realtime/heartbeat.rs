//! The Engine.IO heartbeat and connect timer of one connection, as plain state with no clock of
//! its own: the connection task sleeps until [`Heartbeat::wake_at`] and then calls
//! [`Heartbeat::on_timer`] with the time, so the rules are tested with made-up instants.
//!
//! Rules (the JS server's): the server pings every `ping_interval`; a pong must arrive within
//! `ping_timeout` of the ping, and the next ping is due `ping_interval` after that pong. Until the
//! upper layer is attached (Socket.IO: a namespace joined), the connection must attach within
//! `connect_timeout`. It runs inside the connection's own `select!` rather than in a task of its
//! own (as engineioxide's `heartbeat_job` does): one task per connection, not two.

use super::DisconnectReason;
use std::time::Duration;
use tokio::time::Instant;

/// The timers of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Heartbeat {
    ping_interval: Duration,
    ping_timeout: Duration,
    /// When the next ping is due (meaningful while no pong is awaited).
    next_ping: Instant,
    /// Set while a ping is unanswered: the pong must arrive by then.
    pong_deadline: Option<Instant>,
    /// Set until the upper layer attaches: it must by then.
    connect_deadline: Option<Instant>,
}

/// What the connection must do when the timer fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beat {
    /// Nothing is due yet (woken early).
    Idle,
    /// Send a ping now.
    Ping,
}

impl Heartbeat {
    /// The timers of a connection opened at `now`.
    pub(crate) fn new(
        now: Instant,
        ping_interval: Duration,
        ping_timeout: Duration,
        connect_timeout: Duration,
    ) -> Self {
        Self {
            ping_interval,
            ping_timeout,
            next_ping: now + ping_interval,
            pong_deadline: None,
            connect_deadline: Some(now + connect_timeout),
        }
    }

    /// The upper layer is attached: the connect timer no longer applies.
    pub(crate) fn attached(&mut self) {
        self.connect_deadline = None;
    }

    /// The peer answered the ping at `now`.
    pub(crate) fn on_pong(&mut self, now: Instant) {
        self.pong_deadline = None;
        self.next_ping = now + self.ping_interval;
    }

    /// When the next timer is due. There always is one (the heartbeat never stops), so the
    /// connection sleeps until this without a "never" placeholder.
    pub(crate) fn wake_at(&self) -> Instant {
        let heartbeat = self.pong_deadline.unwrap_or(self.next_ping);
        self.connect_deadline
            .map_or(heartbeat, |connect| connect.min(heartbeat))
    }

    /// The timer fired at `now`: whether to ping, or why the connection must close.
    pub(crate) fn on_timer(&mut self, now: Instant) -> Result<Beat, DisconnectReason> {
        if self.pong_deadline.is_some_and(|deadline| now >= deadline) {
            return Err(DisconnectReason::PingTimeout);
        }
        if self
            .connect_deadline
            .is_some_and(|deadline| now >= deadline)
        {
            return Err(DisconnectReason::ConnectTimeout);
        }
        if self.pong_deadline.is_none() && now >= self.next_ping {
            self.pong_deadline = Some(now + self.ping_timeout);
            return Ok(Beat::Ping);
        }
        Ok(Beat::Idle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    /// Pings every 25 s, waits 20 s for the pong, 45 s to attach (the defaults).
    fn heartbeat(start: Instant) -> Heartbeat {
        Heartbeat::new(start, 25 * SEC, 20 * SEC, 45 * SEC)
    }

    #[test]
    fn a_ping_is_due_every_interval_after_the_last_pong() {
        let t0 = Instant::now();
        let mut hb = heartbeat(t0);
        hb.attached();
        assert_eq!(hb.wake_at(), t0 + 25 * SEC);
        assert_eq!(hb.on_timer(t0 + 24 * SEC), Ok(Beat::Idle), "woken early");
        assert_eq!(hb.on_timer(t0 + 25 * SEC), Ok(Beat::Ping));
        assert_eq!(hb.wake_at(), t0 + 45 * SEC, "now waiting for the pong");
        assert_eq!(
            hb.on_timer(t0 + 30 * SEC),
            Ok(Beat::Idle),
            "one ping at a time"
        );
        hb.on_pong(t0 + 31 * SEC);
        assert_eq!(hb.wake_at(), t0 + 56 * SEC);
        assert_eq!(hb.on_timer(t0 + 56 * SEC), Ok(Beat::Ping));
    }

    #[test]
    fn a_missed_pong_closes_with_ping_timeout() {
        let t0 = Instant::now();
        let mut hb = heartbeat(t0);
        hb.attached();
        assert_eq!(hb.on_timer(t0 + 25 * SEC), Ok(Beat::Ping));
        assert_eq!(
            hb.on_timer(t0 + 45 * SEC),
            Err(DisconnectReason::PingTimeout)
        );
    }

    #[test]
    fn a_connection_that_never_attaches_closes_with_connect_timeout() {
        let t0 = Instant::now();
        let mut hb = heartbeat(t0);
        assert_eq!(hb.on_timer(t0 + 25 * SEC), Ok(Beat::Ping));
        hb.on_pong(t0 + 26 * SEC);
        assert_eq!(
            hb.wake_at(),
            t0 + 45 * SEC,
            "the connect deadline comes first"
        );
        assert_eq!(
            hb.on_timer(t0 + 45 * SEC),
            Err(DisconnectReason::ConnectTimeout)
        );
        let mut attached = heartbeat(t0);
        attached.attached();
        assert_eq!(attached.on_timer(t0 + 45 * SEC), Ok(Beat::Ping));
    }
}
