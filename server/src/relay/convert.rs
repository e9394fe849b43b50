//! Between realtime's [`Payload`] (JSON arguments, binary ones as `{"_placeholder":true,"num":N}`
//! pointing into `bins`) and the adapter's msgpack values (binary as msgpack `bin`, where
//! notepack.io puts a Node `Buffer`). Both directions are total: whatever another server sent
//! becomes some payload (msgpack extensions become `null`, non-text map keys their text form),
//! and nesting is already bounded by the adapter's decoder (`MAX_DEPTH`).

use bytes::Bytes;
use petri_shared::socketio::placeholder;
use rmpv::Value;
use serde_json::{Map, Number, Value as Json};

use crate::realtime::Payload;

/// The arguments of `payload` as msgpack values, attachments in place of their placeholders.
pub fn to_values(payload: &Payload) -> Vec<Value> {
    payload
        .args
        .iter()
        .map(|arg| json_to_value(arg, &payload.bins))
        .collect()
}

/// `event` followed by the arguments: a broadcast's or a server-side emit's `data`.
pub fn event_data(event: &str, payload: &Payload) -> Vec<Value> {
    let mut data = Vec::with_capacity(1 + payload.args.len());
    data.push(Value::from(event));
    data.extend(payload.args.iter().map(|a| json_to_value(a, &payload.bins)));
    data
}

/// Msgpack values as a payload: each `bin` becomes an attachment (copied once into `Bytes`).
pub fn to_payload(values: &[Value]) -> Payload {
    let mut bins = Vec::new();
    let args = values.iter().map(|v| value_to_json(v, &mut bins)).collect();
    Payload { args, bins }
}

/// One JSON value as msgpack (no attachments: handshakes, socket data, server-side answers).
pub fn json_value(json: &Json) -> Value {
    json_to_value(json, &[])
}

/// One msgpack value as JSON; binary becomes `{"type":"Buffer","data":[..]}` (how Node prints a
/// `Buffer` as JSON), for places that have no attachments.
pub fn plain_json(value: &Value) -> Json {
    crate::cluster::adapter::to_json(value)
}

fn json_to_value(json: &Json, bins: &[Bytes]) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Value::from(u),
            (None, Some(i)) => Value::from(i),
            _ => Value::F64(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::Array(items.iter().map(|i| json_to_value(i, bins)).collect()),
        Json::Object(map) => match attachment(map, bins) {
            Some(bytes) => Value::Binary(bytes.to_vec()),
            None => Value::Map(
                map.iter()
                    .map(|(k, v)| (Value::from(k.as_str()), json_to_value(v, bins)))
                    .collect(),
            ),
        },
    }
}

/// The attachment a placeholder object points at.
fn attachment<'a>(map: &Map<String, Json>, bins: &'a [Bytes]) -> Option<&'a Bytes> {
    if map.len() != 2 || map.get("_placeholder") != Some(&Json::Bool(true)) {
        return None;
    }
    bins.get(usize::try_from(map.get("num")?.as_u64()?).ok()?)
}

fn value_to_json(value: &Value, bins: &mut Vec<Bytes>) -> Json {
    match value {
        Value::Nil | Value::Ext(..) => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => i
            .as_u64()
            .map(Json::from)
            .or_else(|| i.as_i64().map(Json::from))
            .unwrap_or(Json::Null),
        Value::F32(f) => Number::from_f64(f64::from(*f)).map_or(Json::Null, Json::Number),
        Value::F64(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.as_str().map_or_else(
            || String::from_utf8_lossy(s.as_bytes()).into_owned(),
            str::to_owned,
        )),
        Value::Binary(b) => {
            let placeholder = placeholder(bins.len());
            bins.push(Bytes::copy_from_slice(b));
            placeholder
        }
        Value::Array(items) => Json::Array(items.iter().map(|i| value_to_json(i, bins)).collect()),
        Value::Map(pairs) => Json::Object(
            pairs
                .iter()
                .map(|(k, v)| (key_text(k), value_to_json(v, bins)))
                .collect(),
        ),
    }
}

fn key_text(key: &Value) -> String {
    match key.as_str() {
        Some(text) => text.to_owned(),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binary_round_trips_through_msgpack_bin() {
        let payload = Payload::new()
            .arg(json!({"a": [1, -2, 2.5, null, true], "b": "x"}))
            .bin(vec![1u8, 2, 3])
            .arg(json!({"nested": {"_placeholder": true, "num": 0}}));
        let values = to_values(&payload);
        assert_eq!(values[1], Value::Binary(vec![1, 2, 3]));
        assert_eq!(values[2].as_map().map(Vec::len), Some(1));
        let back = to_payload(&values);
        assert_eq!(back.args[0], payload.args[0]);
        assert_eq!(
            back.binary_arg(1).map(|b| b.as_ref()),
            Some(&[1u8, 2, 3][..])
        );
        // The nested placeholder became the bytes, and comes back as a second attachment.
        assert_eq!(back.bins.len(), 2);
    }

    #[test]
    fn anything_from_another_server_becomes_some_payload() {
        let odd = vec![
            Value::Ext(1, vec![0]),
            Value::Map(vec![(Value::from(7), Value::from("seven"))]),
            Value::F64(f64::NAN),
        ];
        let payload = to_payload(&odd);
        assert_eq!(
            payload.args,
            vec![Json::Null, json!({"7": "seven"}), Json::Null]
        );
        assert_eq!(event_data("ev", &payload)[0], Value::from("ev"));
    }
}
