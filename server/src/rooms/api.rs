//! What the `/play` and `/lobby` handlers share: answering through an ack, refusing, and reading
//! an event's JSON argument. Every answer is a typed value (`Joined`, `RoomCreated`, `Refusal`,
//! ...) serialised here, once; a value that cannot be serialised is logged, never sent as `null`.

use petri_shared::game::{Refusal, RefusalCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::warn;

use crate::realtime::{Ack, Payload};

/// Answers through the ack, if the client asked for one.
pub fn answer(ack: Option<Ack>, value: &impl Serialize) {
    let Some(ack) = ack else {
        return;
    };
    match serde_json::to_value(value) {
        Ok(value) => {
            // a client that has gone cannot be answered; nothing else to do
            let _ = ack.send(value);
        }
        Err(error) => warn!(%error, "could not serialise an answer"),
    }
}

/// Answers with the value or the refusal.
pub fn answer_result<T: Serialize>(ack: Option<Ack>, result: Result<T, Refusal>) {
    match result {
        Ok(value) => answer(ack, &value),
        Err(refusal) => answer(ack, &refusal),
    }
}

/// Answers with a refusal.
pub fn refuse(ack: Option<Ack>, code: RefusalCode, message: impl Into<String>) {
    answer(ack, &Refusal::new(code, message));
}

/// The refusal for a connection over its request rate.
pub fn slow_down() -> Refusal {
    Refusal::new(RefusalCode::RateLimited, "too many requests; slow down")
}

/// The event's first argument as `T`, or a refusal that says what `event` takes (`shape`).
/// With `default`, an absent argument is `T::default()`.
pub fn first_arg<T: DeserializeOwned + Default>(
    payload: &Payload,
    event: &str,
    shape: &str,
    default: bool,
) -> Result<T, Refusal> {
    let bad = |detail: String| {
        Refusal::new(
            RefusalCode::BadRequest,
            format!("{event} takes a {shape} object{detail}"),
        )
    };
    match payload.args.first() {
        None if default => Ok(T::default()),
        None => Err(bad(" (none was sent)".to_owned())),
        Some(value) => T::deserialize(value).map_err(|error| bad(format!(": {error}"))),
    }
}
