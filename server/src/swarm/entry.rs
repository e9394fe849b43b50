//! How a swarm bot gets into a room: a named room on the server it was pointed at, or quick play
//! through that server's lobby, going wherever the answer says. In a cluster the answer (or a
//! join refused `other-node`) names another node's URL, and the bot connects there, exactly as
//! the web client does; this is how `bench/cluster.sh` drives many nodes through one lobby.

use std::time::Duration;

use petri_shared::game::{self, JoinRequest, Joined, RefusalCode, RoomCreated, namespaces};
use serde_json::Value;

use super::client::{ClientError, SocketIoClient};
use super::link::Transport;

/// Every wait of one step.
const WAIT: Duration = Duration::from_secs(10);
/// Quick plays a bot tries before it gives up (a room can fill between the answer and the join).
const QUICKPLAY_ATTEMPTS: u32 = 5;
/// Nodes a join may be sent on to (`other-node`) before the bot gives up: a guard against loops.
const MAX_HOPS: u32 = 3;

/// Where a bot goes.
#[derive(Debug, Clone)]
pub enum Entry {
    /// This room, on the server the swarm was pointed at.
    Room(String),
    /// Whatever the lobby's quick play answers, on whichever node it is.
    QuickPlay,
}

/// A bot in its room: the connection, the join's answer, and the node it plays on.
pub struct Entered {
    pub client: SocketIoClient,
    pub joined: Joined,
    pub node: String,
}

/// Gets the bot named `name` into a room.
/// Every connection goes over `transport`.
pub async fn enter(
    url: &str,
    transport: Transport,
    entry: &Entry,
    name: &str,
) -> Result<Entered, ClientError> {
    let room = match entry {
        Entry::Room(room) => return join(url, transport, room, name).await,
        Entry::QuickPlay => quickplay(url, transport).await?,
    };
    let mut attempt = 1;
    let mut target = room;
    loop {
        let node = target.room.url.clone().unwrap_or_else(|| url.to_owned());
        match join(&node, transport, &target.room.id, name).await {
            Ok(entered) => return Ok(entered),
            Err(ClientError::Protocol(why)) if attempt < QUICKPLAY_ATTEMPTS => {
                // full or closed meanwhile: ask again
                tracing::debug!(%why, "quick play join refused; asking again");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                target = quickplay(url, transport).await?;
            }
            Err(error) => return Err(error),
        }
    }
}

async fn quickplay(url: &str, transport: Transport) -> Result<RoomCreated, ClientError> {
    let mut lobby =
        SocketIoClient::connect_via(url, transport, namespaces::LOBBY, None, WAIT).await?;
    let answer = lobby.call(game::events::QUICKPLAY, &[], WAIT).await;
    lobby.close().await;
    let first = answer?.into_iter().next().unwrap_or(Value::Null);
    serde_json::from_value(first.clone())
        .map_err(|_| ClientError::Protocol(format!("quick play was refused: {first}")))
}

/// Joins `room` at `url`, following `other-node` refusals to the node named.
async fn join(
    url: &str,
    transport: Transport,
    room: &str,
    name: &str,
) -> Result<Entered, ClientError> {
    let mut node = url.to_owned();
    for _ in 0..=MAX_HOPS {
        let mut client =
            SocketIoClient::connect_via(&node, transport, namespaces::PLAY, None, WAIT).await?;
        let request = JoinRequest {
            room: room.to_owned(),
            name: name.to_owned(),
            ..JoinRequest::default()
        };
        let answer = client
            .call(
                game::events::JOIN,
                &[serde_json::to_value(&request).unwrap_or(Value::Null)],
                WAIT,
            )
            .await?
            .into_iter()
            .next()
            .unwrap_or(Value::Null);
        if let Ok(joined) = serde_json::from_value::<Joined>(answer.clone()) {
            return Ok(Entered {
                client,
                joined,
                node,
            });
        }
        client.close().await;
        let elsewhere = answer["code"] == RefusalCode::OtherNode.as_str();
        match answer["url"].as_str() {
            Some(next) if elsewhere => node = next.to_owned(),
            _ => {
                return Err(ClientError::Protocol(format!(
                    "join to {room} was refused: {answer}"
                )));
            }
        }
    }
    Err(ClientError::Protocol(format!(
        "join to {room} was sent on more than {MAX_HOPS} times"
    )))
}
