//! The `/replay` namespace (docs/PROTOCOL.md, "Replays"): `watch` opens a replay, and
//! `replay_control` plays, pauses, changes speed, seeks and follows; the server sends `frame`
//! and `board` exactly as `/play` sends a spectator, and `replay_state`.
//!
//! Handlers run on network tasks and never wait: they check the request's shape and values
//! (an id the library lists, a finite speed within `MIN_SPEED..=MAX_SPEED`, a tick within the
//! replay), then queue a command for the theater, which answers through the ack. Loading a
//! replay from disk runs on the blocking pool. A refusal always says what was wrong.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use petri_shared::game::{self, Refusal, RefusalCode, WorldInfo, events, namespaces};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::WatchError;
use super::library::Library;
use super::playback::{MAX_SPEED, MIN_SPEED, ReplayState};
use super::theater::{Answer, Control, TheaterHandle, WatchCommand};
use crate::realtime::{Ack, Payload, SocketIo, SocketRef};
use crate::rooms::api::{answer, answer_result, first_arg, refuse, slow_down};
use crate::rooms::net_limiter::NetLimiter;
use crate::rooms::socket_link::{LinkEnder, SocketLink};
use crate::sim::rules::view_aspect;

/// Requests a viewer may send per second (and burst): a timeline dragged by hand is a few
/// dozen seeks a second at most.
const EVENTS_PER_SECOND: f64 = 60.0;
const EVENT_BURST: f64 = 30.0;
/// The longest id a replay can have (a room's session id is well below it).
const MAX_ID_CHARS: usize = 200;

/// What the namespace serves.
pub struct ReplayService {
    pub library: Arc<Library>,
    pub theater: Arc<TheaterHandle>,
}

/// `watch`'s argument.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchRequest {
    id: String,
    #[serde(default)]
    tick: u64,
    speed: Option<f64>,
    #[serde(default)]
    paused: bool,
    /// The screen's shape (width / height), as in a `JoinRequest`.
    aspect: Option<f64>,
}

/// `replay_control`'s argument.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlRequest {
    action: String,
    #[serde(default)]
    value: Value,
}

/// The answer to `watch`.
#[derive(Debug, Serialize)]
struct Watched {
    ok: bool,
    protocol: u32,
    id: String,
    world: WorldInfo,
    state: ReplayState,
    reset: bool,
}

/// The answer to `replay_control`.
#[derive(Debug, Serialize)]
struct Controlled {
    ok: bool,
    state: ReplayState,
    reset: bool,
}

/// A viewer's socket: its id in the theater, the replay's length, its link's off switch.
#[derive(Clone)]
struct Viewer {
    id: u64,
    total_ticks: u64,
    link: LinkEnder,
}

struct Connection {
    id: u64,
    service: Arc<ReplayService>,
    limiter: NetLimiter,
}

pub fn register(io: &SocketIo, service: Arc<ReplayService>) {
    let next_viewer = Arc::new(AtomicU64::new(1));
    io.ns(namespaces::REPLAY, move |socket: SocketRef| {
        let connection = Arc::new(Connection {
            id: next_viewer.fetch_add(1, Ordering::Relaxed),
            service: Arc::clone(&service),
            limiter: NetLimiter::new(EVENTS_PER_SECOND, EVENT_BURST),
        });
        let watcher = Arc::clone(&connection);
        socket.on(events::WATCH, move |socket, payload, ack| {
            on_watch(&watcher, socket, &payload, ack);
        });
        let controller = Arc::clone(&connection);
        socket.on(events::REPLAY_CONTROL, move |socket, payload, ack| {
            on_control(&controller, socket, &payload, ack);
        });
        let leaver = Arc::clone(&connection);
        socket.on(events::LEAVE, move |socket, _, ack| {
            leave(&leaver, socket);
            answer(ack, &serde_json::json!({ "ok": true }));
        });
        socket.on_unknown(|_, event, ack| {
            let message = format!("`{event}` is not an event of {}", namespaces::REPLAY);
            refuse(ack, RefusalCode::UnknownEvent, message);
        });
        socket.on_disconnect(move |socket, _| leave(&connection, socket));
    });
}

fn leave(connection: &Connection, socket: &SocketRef) {
    if let Some(viewer) = socket.extensions.remove::<Viewer>() {
        viewer.link.end();
        let leave = WatchCommand::Leave { viewer: viewer.id };
        connection.service.theater.send(leave);
    }
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal::new(RefusalCode::BadRequest, message)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `watch { id, tick?, speed?, paused? }`: open a replay there.
fn on_watch(connection: &Arc<Connection>, socket: &SocketRef, payload: &Payload, ack: Option<Ack>) {
    if !connection.limiter.allow() {
        return answer(ack, &slow_down());
    }
    let request: WatchRequest = match first_arg(payload, events::WATCH, "WatchRequest", false) {
        Ok(request) => request,
        Err(refusal) => return answer(ack, &refusal),
    };
    let library = &connection.service.library;
    let speed = request.speed.unwrap_or_else(|| library.default_speed());
    if let Err(refusal) = check_speed(speed) {
        return answer(ack, &refusal);
    }
    if !valid_id(&request.id) {
        let message = "no replay by that id (ids are letters, digits, '-', '_' and '.')";
        return refuse(ack, RefusalCode::UnknownRoom, message);
    }
    tokio::spawn(open_and_watch(
        Arc::clone(connection),
        socket.clone(),
        request,
        speed,
        ack,
    ));
}

/// Loads the replay off the runtime, checks the request against it, and seats the viewer.
async fn open_and_watch(
    connection: Arc<Connection>,
    socket: SocketRef,
    request: WatchRequest,
    speed: f64,
    ack: Option<Ack>,
) {
    let library = Arc::clone(&connection.service.library);
    let id = request.id.clone();
    let script = match tokio::task::spawn_blocking(move || library.open(&id)).await {
        Ok(Ok(script)) => script,
        Ok(Err(error @ WatchError::Busy)) => {
            return refuse(ack, RefusalCode::Busy, error.to_string());
        }
        Ok(Err(error)) => return refuse(ack, RefusalCode::UnknownRoom, error.to_string()),
        Err(_) => return refuse(ack, RefusalCode::Internal, "could not open the replay"),
    };
    let (total_ticks, rules) = (script.total_ticks(), &script.header().rules);
    if request.tick > total_ticks {
        let message = format!(
            "tick {} is past the replay's end ({total_ticks})",
            request.tick
        );
        return answer(ack, &bad(message));
    }
    let aspect = match request.aspect.map(|a| view_aspect(a, rules)) {
        None => None,
        Some(Some(aspect)) => Some(aspect),
        Some(None) => return answer(ack, &bad("aspect must be a positive number")),
    };
    let world = WorldInfo {
        width: rules.border_width,
        height: rules.border_height,
        tick_rate: script.tick_rate(),
    };
    let want = ReplayState {
        tick: request.tick,
        total_ticks,
        speed,
        playing: !request.paused,
    };
    leave(&connection, &socket);
    let link = SocketLink::new(socket.clone());
    socket.set_data(Viewer {
        id: connection.id,
        total_ticks,
        link: link.ender(),
    });
    let (id, replay) = (request.id.clone(), request.id);
    let reply = Box::new(move |result: Result<Answer, Refusal>| {
        answer_result(ack, result.map(|a| watched(id, world, a)));
    });
    connection.service.theater.send(WatchCommand::Watch {
        viewer: connection.id,
        link: Arc::new(link),
        replay,
        script,
        want,
        aspect,
        reply,
    });
}

fn watched(id: String, world: WorldInfo, answer: Answer) -> Watched {
    Watched {
        ok: true,
        protocol: game::PROTOCOL_VERSION,
        id,
        world,
        state: answer.state,
        reset: answer.reset,
    }
}

fn check_speed(speed: f64) -> Result<f64, Refusal> {
    if speed.is_finite() && (MIN_SPEED..=MAX_SPEED).contains(&speed) {
        Ok(speed)
    } else {
        Err(bad(format!(
            "speed must be a number from {MIN_SPEED} to {MAX_SPEED}"
        )))
    }
}

/// `replay_control { action, value? }`.
fn on_control(connection: &Connection, socket: &SocketRef, payload: &Payload, ack: Option<Ack>) {
    if !connection.limiter.allow() {
        return answer(ack, &slow_down());
    }
    let Some(viewer) = socket.data::<Viewer>() else {
        return answer(ack, &bad("watch a replay first"));
    };
    let control = first_arg(payload, events::REPLAY_CONTROL, "ReplayControl", false)
        .and_then(|request: ControlRequest| parse_control(&request, viewer.total_ticks));
    let control = match control {
        Ok(control) => control,
        Err(refusal) => return answer(ack, &refusal),
    };
    let reply = Box::new(move |result: Result<Answer, Refusal>| {
        answer_result(
            ack,
            result.map(|a| Controlled {
                ok: true,
                state: a.state,
                reset: a.reset,
            }),
        );
    });
    connection.service.theater.send(WatchCommand::Control {
        viewer: viewer.id,
        control,
        reply,
    });
}

fn parse_control(request: &ControlRequest, total_ticks: u64) -> Result<Control, Refusal> {
    let value = &request.value;
    match request.action.as_str() {
        "play" => Ok(Control::Play),
        "pause" => Ok(Control::Pause),
        "speed" => {
            let speed = value.as_f64().ok_or_else(|| bad("speed takes a number"))?;
            check_speed(speed).map(Control::Speed)
        }
        "seek" => match value.as_u64() {
            Some(tick) if tick <= total_ticks => Ok(Control::Seek(tick)),
            Some(tick) => Err(bad(format!(
                "tick {tick} is past the replay's end ({total_ticks})"
            ))),
            None => Err(bad("seek takes a tick: a whole number, 0 or more")),
        },
        "follow" => match value {
            Value::Null => Ok(Control::Follow(None)),
            v => v
                .as_u64()
                .and_then(|p| u32::try_from(p).ok())
                .map(|p| Control::Follow(Some(p)))
                .ok_or_else(|| bad("follow takes a player id, or null for the leader")),
        },
        other => Err(bad(format!(
            "`{other}` is not a replay control (play, pause, speed, seek, follow)"
        ))),
    }
}
