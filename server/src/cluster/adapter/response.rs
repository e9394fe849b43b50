//! Responses read from `socket.io-response#/#…` (untrusted). As in the Node adapter, a response
//! is interpreted by the *request* it answers (the requester knows what it asked); only the ack
//! answers (6, 8, 9) name their type. So decoding yields the request id and the raw fields, with
//! typed accessors for each kind of answer.

use rmpv::Value;

use super::AdapterError;
use super::request::RequestType;
use super::value::{as_text, decode_json_or_msgpack, field};

/// One decoded response.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterResponse {
    pub request_id: String,
    /// Set for SERVER_SIDE_EMIT acks (6), BROADCAST_CLIENT_COUNT (8) and BROADCAST_ACK (9).
    pub kind: Option<RequestType>,
    fields: Vec<(Value, Value)>,
}

/// Decodes a response by the first-byte rule; a response without a request id is refused.
pub fn decode_response(bytes: &[u8], max_bytes: usize) -> Result<AdapterResponse, AdapterError> {
    let Value::Map(fields) = decode_json_or_msgpack(bytes, max_bytes)? else {
        return Err(AdapterError::Shape("response is not a map"));
    };
    let request_id = field(&fields, "requestId")
        .and_then(as_text)
        .ok_or(AdapterError::Shape("response requestId"))?;
    let kind = match field(&fields, "type").and_then(Value::as_i64) {
        Some(code) => Some(RequestType::from_code(code)?),
        None => None,
    };
    Ok(AdapterResponse {
        request_id,
        kind,
        fields,
    })
}

impl AdapterResponse {
    fn list(&self, key: &str) -> Option<&[Value]> {
        match field(&self.fields, key) {
            Some(Value::Array(items)) => Some(items),
            _ => None,
        }
    }

    /// SOCKETS: socket ids. REMOTE_FETCH: one map per socket (`id`, `handshake`, `rooms`, `data`).
    pub fn sockets(&self) -> Option<&[Value]> {
        self.list("sockets")
    }

    /// ALL_ROOMS: room names (non-string entries skipped).
    pub fn rooms(&self) -> Option<Vec<String>> {
        Some(self.list("rooms")?.iter().filter_map(as_text).collect())
    }

    /// SERVER_SIDE_EMIT ack: the remote handler's ack argument (`None` when it acked with nothing).
    pub fn data(&self) -> Option<&Value> {
        field(&self.fields, "data")
    }

    /// BROADCAST_CLIENT_COUNT: how many clients the remote server sent the packet to.
    pub fn client_count(&self) -> Option<u64> {
        field(&self.fields, "clientCount").and_then(Value::as_u64)
    }

    /// BROADCAST_ACK: one client's ack value.
    pub fn ack(&self) -> Option<&Value> {
        field(&self.fields, "packet")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::adapter::{encode_broadcast_ack, encode_client_count};

    #[test]
    fn responses_decode_by_request_id_with_typed_accessors() {
        let rooms = decode_response(br#"{"requestId":"q","rooms":["a",7]}"#, 1024).expect("rooms");
        assert_eq!((rooms.request_id.as_str(), rooms.kind), ("q", None));
        assert_eq!(rooms.rooms(), Some(vec!["a".to_owned(), "7".to_owned()]));
        let count = decode_response(&encode_client_count("q", 3), 1024).expect("count");
        assert_eq!(
            (count.kind, count.client_count()),
            (Some(RequestType::BroadcastClientCount), Some(3))
        );
        let ack =
            decode_response(&encode_broadcast_ack("q", Value::from("ok")), 1024).expect("ack");
        assert_eq!(ack.ack(), Some(&Value::from("ok")));
        assert!(decode_response(br#"{"rooms":[]}"#, 1024).is_err());
        assert!(decode_response(br#"{"requestId":"q","type":77}"#, 1024).is_err());
    }
}
