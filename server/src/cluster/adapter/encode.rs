//! What Petri sends on the adapter's request and response channels, byte-shaped as the Node
//! adapter sends it: JSON text, except a broadcast with acks and the per-client broadcast ack
//! (msgpack, because they may carry binary).

use rmpv::Value;

use super::broadcast::{opts_value, packet_value};
use super::request::{AdapterRequest, RequestType, RoomSelector};
use super::value::{encode_msgpack, map, text_array, to_json};

fn selector_value(s: &RoomSelector) -> Value {
    map(vec![
        ("rooms", text_array(&s.rooms)),
        ("except", text_array(&s.except)),
    ])
}

fn json(value: &Value) -> Vec<u8> {
    serde_json::to_vec(&to_json(value)).unwrap_or_default()
}

/// Encodes a request as the Node adapter sends it: `{uid, requestId, type, ..fields}`, JSON
/// except a broadcast with acks (msgpack).
pub fn encode_request(request: &AdapterRequest) -> Vec<u8> {
    let mut entries = Vec::with_capacity(6);
    if let Some(uid) = request.uid() {
        entries.push(("uid", Value::from(uid)));
    }
    if let Some(id) = request.request_id() {
        entries.push(("requestId", Value::from(id)));
    }
    entries.push(("type", Value::from(request.kind() as u8)));
    body_fields(request, &mut entries);
    let value = map(entries);
    match request {
        AdapterRequest::Broadcast { .. } => encode_msgpack(&value),
        _ => json(&value),
    }
}

/// The fields after `type`, per request type.
fn body_fields(request: &AdapterRequest, out: &mut Vec<(&'static str, Value)>) {
    match request {
        AdapterRequest::Sockets { rooms, .. } => out.push(("rooms", text_array(rooms))),
        AdapterRequest::AllRooms { .. } => {}
        AdapterRequest::RemoteJoin {
            selector, rooms, ..
        }
        | AdapterRequest::RemoteLeave {
            selector, rooms, ..
        } => {
            out.push(("opts", selector_value(selector)));
            out.push(("rooms", text_array(rooms)));
        }
        AdapterRequest::RemoteDisconnect {
            selector, close, ..
        } => {
            out.push(("opts", selector_value(selector)));
            out.push(("close", Value::from(*close)));
        }
        AdapterRequest::RemoteFetch { selector, .. } => {
            out.push(("opts", selector_value(selector)))
        }
        AdapterRequest::ServerSideEmit { data, .. } => {
            out.push(("data", Value::Array(data.clone())))
        }
        AdapterRequest::Broadcast { packet, opts, .. } => {
            out.push(("packet", packet_value(packet)));
            out.push(("opts", opts_value(opts)));
        }
        AdapterRequest::Legacy { sid, room, .. } => {
            out.push(("sid", Value::from(sid.as_str())));
            if let Some(room) = room {
                out.push(("room", Value::from(room.as_str())));
            }
        }
    }
}

/// The answer to SOCKETS: the ids of the local sockets in the rooms.
pub fn encode_sockets_response(request_id: &str, sockets: &[String]) -> Vec<u8> {
    json(&map(vec![
        ("requestId", Value::from(request_id)),
        ("sockets", text_array(sockets)),
    ]))
}

/// The answer to ALL_ROOMS: every local room name (socket-id rooms included, as Node does).
pub fn encode_all_rooms_response(request_id: &str, rooms: &[String]) -> Vec<u8> {
    json(&map(vec![
        ("requestId", Value::from(request_id)),
        ("rooms", text_array(rooms)),
    ]))
}

/// The ack of a SERVER_SIDE_EMIT (always on the shared response channel).
pub fn encode_server_side_emit_ack(request_id: &str, arg: &Value) -> Vec<u8> {
    json(&map(vec![
        ("type", Value::from(RequestType::ServerSideEmit as u8)),
        ("requestId", Value::from(request_id)),
        ("data", arg.clone()),
    ]))
}

/// The first answer to a BROADCAST with acks: how many local clients were sent the packet
/// (sent even when 0, or the requester waits for this node until its timeout).
pub fn encode_client_count(request_id: &str, client_count: u64) -> Vec<u8> {
    json(&map(vec![
        ("type", Value::from(RequestType::BroadcastClientCount as u8)),
        ("requestId", Value::from(request_id)),
        ("clientCount", Value::from(client_count)),
    ]))
}

/// One client's ack of a BROADCAST with acks (msgpack: the ack may carry binary).
pub fn encode_broadcast_ack(request_id: &str, ack: Value) -> Vec<u8> {
    encode_msgpack(&map(vec![
        ("type", Value::from(RequestType::BroadcastAck as u8)),
        ("requestId", Value::from(request_id)),
        ("packet", ack),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::adapter::{BroadcastOpts, SioPacket, decode_request};

    const MAX: usize = 1 << 20;

    #[test]
    fn every_request_round_trips() {
        let sel = RoomSelector {
            rooms: vec!["r".into()],
            except: vec!["s".into()],
        };
        let uid = Some("abc123".to_owned());
        let packet = SioPacket {
            kind: 2,
            data: vec![Value::from("ev"), Value::Binary(vec![9])],
            nsp: "/".into(),
        };
        let requests = [
            AdapterRequest::Sockets {
                uid: uid.clone(),
                request_id: "q1".into(),
                rooms: vec!["r".into()],
            },
            AdapterRequest::AllRooms {
                uid: uid.clone(),
                request_id: "q2".into(),
            },
            AdapterRequest::RemoteJoin {
                uid: uid.clone(),
                selector: sel.clone(),
                rooms: vec!["x".into()],
            },
            AdapterRequest::RemoteLeave {
                uid: uid.clone(),
                selector: sel.clone(),
                rooms: vec!["x".into()],
            },
            AdapterRequest::RemoteDisconnect {
                uid: uid.clone(),
                selector: sel.clone(),
                close: true,
            },
            AdapterRequest::RemoteFetch {
                uid: uid.clone(),
                request_id: "q3".into(),
                selector: sel.clone(),
            },
            AdapterRequest::ServerSideEmit {
                uid: uid.clone(),
                request_id: None,
                data: vec![Value::from("hello"), Value::from(1)],
            },
            AdapterRequest::ServerSideEmit {
                uid: uid.clone(),
                request_id: Some("q4".into()),
                data: vec![Value::from("hello")],
            },
            AdapterRequest::Broadcast {
                uid,
                request_id: "q5".into(),
                packet,
                opts: BroadcastOpts::default(),
            },
        ];
        for request in requests {
            let bytes = encode_request(&request);
            let is_json = bytes.first() == Some(&b'{');
            assert_eq!(
                is_json,
                !matches!(request, AdapterRequest::Broadcast { .. }),
                "{request:?}"
            );
            assert_eq!(decode_request(&bytes, MAX), Ok(request));
        }
    }

    #[test]
    fn responses_have_the_node_shapes() {
        let v: serde_json::Value =
            serde_json::from_slice(&encode_client_count("r", 0)).unwrap_or_default();
        assert_eq!(
            v,
            serde_json::json!({"type": 8, "requestId": "r", "clientCount": 0})
        );
        let v: serde_json::Value =
            serde_json::from_slice(&encode_all_rooms_response("r", &["a".into()]))
                .unwrap_or_default();
        assert_eq!(v, serde_json::json!({"requestId": "r", "rooms": ["a"]}));
        let ack = encode_broadcast_ack("r", Value::from("ok"));
        assert_ne!(ack.first(), Some(&b'{'));
    }
}
