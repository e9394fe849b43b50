//! Answering the Node adapter's requests: the integration gets each decoded request with an
//! [`AdapterReplier`] that knows the request id and the channel, and publishes the answer in the
//! exact shape a Node requester waits for. Node requesters count every subscriber of the request
//! channel (`PUBSUB NUMSUB`) and wait for each one, so a Petri node must answer every request
//! that expects an answer, even with an empty list or a zero count.

use redis::aio::ConnectionManager;
use rmpv::Value;

use crate::cluster::adapter::{
    encode_all_rooms_response, encode_broadcast_ack, encode_client_count, encode_msgpack,
    encode_server_side_emit_ack, encode_sockets_response,
};
use crate::cluster::error::ClusterError;

/// Where and how to answer one request.
#[derive(Clone)]
pub struct AdapterReplier {
    conn: ConnectionManager,
    /// The requester's own response channel (`socket.io-response#/#<uid>#`; what the Node adapter
    /// uses with `publishOnSpecificResponseChannel`), or the shared one when the request carried
    /// no uid. Node requesters always listen to both.
    channel: String,
    request_id: String,
}

impl AdapterReplier {
    pub(crate) fn new(conn: ConnectionManager, channel: String, request_id: String) -> Self {
        Self {
            conn,
            channel,
            request_id,
        }
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    async fn publish(&self, payload: Vec<u8>) -> Result<(), ClusterError> {
        let mut conn = self.conn.clone();
        redis::cmd("PUBLISH")
            .arg(&self.channel)
            .arg(payload)
            .query_async::<i64>(&mut conn)
            .await?;
        Ok(())
    }

    /// SOCKETS: the local socket ids in the requested rooms.
    pub async fn sockets(&self, ids: &[String]) -> Result<(), ClusterError> {
        self.publish(encode_sockets_response(&self.request_id, ids))
            .await
    }

    /// ALL_ROOMS: every local room name.
    pub async fn all_rooms(&self, rooms: &[String]) -> Result<(), ClusterError> {
        self.publish(encode_all_rooms_response(&self.request_id, rooms))
            .await
    }

    /// REMOTE_FETCH: one `{id, handshake, rooms, data}` map per local socket.
    pub async fn fetched(&self, sockets: Vec<Value>) -> Result<(), ClusterError> {
        let entries = vec![
            (
                Value::from("requestId"),
                Value::from(self.request_id.as_str()),
            ),
            (Value::from("sockets"), Value::Array(sockets)),
        ];
        let value = Value::Map(entries);
        let has_binary = contains_binary(&value);
        // Node answers REMOTE_FETCH as JSON; socket data with binary cannot be JSON, so it goes as
        // msgpack, which Node's first-byte rule also reads.
        let payload = if has_binary {
            encode_msgpack(&value)
        } else {
            serde_json::to_vec(&crate::cluster::adapter::to_json(&value)).unwrap_or_default()
        };
        self.publish(payload).await
    }

    /// SERVER_SIDE_EMIT with ack: the local handler's single ack argument.
    pub async fn server_side_emit_ack(&self, arg: &Value) -> Result<(), ClusterError> {
        self.publish(encode_server_side_emit_ack(&self.request_id, arg))
            .await
    }

    /// BROADCAST with ack, first answer: how many local clients got the packet (0 included).
    pub async fn client_count(&self, count: u64) -> Result<(), ClusterError> {
        self.publish(encode_client_count(&self.request_id, count))
            .await
    }

    /// BROADCAST with ack, then one per client: that client's ack value.
    pub async fn broadcast_ack(&self, ack: Value) -> Result<(), ClusterError> {
        self.publish(encode_broadcast_ack(&self.request_id, ack))
            .await
    }

    /// Legacy join/leave/disconnect: the bare `{requestId}` acknowledgement.
    pub async fn done(&self) -> Result<(), ClusterError> {
        let value = Value::Map(vec![(
            Value::from("requestId"),
            Value::from(self.request_id.as_str()),
        )]);
        self.publish(
            serde_json::to_vec(&crate::cluster::adapter::to_json(&value)).unwrap_or_default(),
        )
        .await
    }
}

fn contains_binary(value: &Value) -> bool {
    match value {
        Value::Binary(_) => true,
        Value::Array(items) => items.iter().any(contains_binary),
        Value::Map(pairs) => pairs
            .iter()
            .any(|(k, v)| contains_binary(k) || contains_binary(v)),
        _ => false,
    }
}
