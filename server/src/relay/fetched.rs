//! A socket in a REMOTE_FETCH answer: the map `{id, handshake, rooms, data}` the Node adapter
//! sends for each socket (its `RemoteSocket`), both ways. Reading is lenient (another server's
//! answer with a missing field still lists the socket) but never trusts a shape.

use rmpv::Value;

use super::convert::{json_value, plain_json};
use crate::realtime::SocketInfo;

/// A local socket as the map Node servers expect.
pub fn to_value(socket: &SocketInfo) -> Value {
    Value::Map(vec![
        (Value::from("id"), Value::from(socket.id.as_str())),
        (Value::from("handshake"), json_value(&socket.handshake)),
        (
            Value::from("rooms"),
            Value::Array(
                socket
                    .rooms
                    .iter()
                    .map(|r| Value::from(r.as_str()))
                    .collect(),
            ),
        ),
        (Value::from("data"), json_value(&socket.data)),
    ])
}

/// A socket from another server's answer; `None` when it has no text `id`.
pub fn from_value(value: &Value) -> Option<SocketInfo> {
    let pairs = value.as_map()?;
    let get = |key: &str| {
        pairs
            .iter()
            .find_map(|(k, v)| (k.as_str() == Some(key)).then_some(v))
    };
    let id = get("id")?.as_str()?.to_owned();
    let rooms = match get("rooms") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Some(SocketInfo {
        id,
        rooms,
        handshake: get("handshake").map_or(serde_json::Value::Null, plain_json),
        data: get("data").map_or(serde_json::Value::Null, plain_json),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sockets_round_trip_and_junk_is_skipped() {
        let socket = SocketInfo {
            id: "s1".into(),
            rooms: vec!["s1".into(), "lobby".into()],
            handshake: json!({"auth": {"token": "t"}, "issued": 1}),
            data: json!({"name": "ana"}),
        };
        assert_eq!(from_value(&to_value(&socket)), Some(socket));
        assert_eq!(from_value(&Value::from(3)), None);
        assert_eq!(
            from_value(&Value::Map(vec![(Value::from("id"), Value::from(1))])),
            None
        );
    }
}
