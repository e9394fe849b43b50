//! Server-side events: what other servers send with JS `serverSideEmit(event, ...args)`.
//!
//! JS registers them with `io.on(event, handler)` on the namespace; here it is
//! [`Namespace::on_server_event`]. They never come from clients and never reach client handlers.
//! A sender that wants an answer (JS `serverSideEmitWithAck`) gets one value per server, given
//! with [`ServerAck::send`]. The remote hook's implementation hands incoming ones to
//! [`Namespace::dispatch_server_event`].

use super::Payload;
use super::namespace::Namespace;
use super::server_ack::ServerAck;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::oneshot;

impl Namespace {
    /// Registers the handler for server-side event `event` (JS `io.on(event, ..)` for events
    /// sent by `serverSideEmit`), replacing any previous one.
    pub fn on_server_event<F>(&self, event: impl Into<String>, handler: F)
    where
        F: Fn(Payload, Option<ServerAck>) + Send + Sync + 'static,
    {
        self.server_handlers()
            .write()
            .insert(event.into(), Arc::new(handler));
    }

    /// Runs the handler of a server-side event from another server. With `want_ack`, returns
    /// where its answer will arrive; `None` when there is no handler (JS answers nothing then
    /// either) or no answer was asked for.
    pub fn dispatch_server_event(
        &self,
        event: &str,
        payload: Payload,
        want_ack: bool,
    ) -> Option<oneshot::Receiver<serde_json::Value>> {
        let handler = self.server_handlers().read().get(event).cloned()?;
        let (ack, answer) = if want_ack {
            let (tx, rx) = oneshot::channel();
            (Some(ServerAck::new(tx)), Some(rx))
        } else {
            (None, None)
        };
        if std::panic::catch_unwind(AssertUnwindSafe(|| handler(payload, ack))).is_err() {
            tracing::error!(ns = %self.path(), event, "server-side event handler panicked");
            return None;
        }
        answer
    }
}
