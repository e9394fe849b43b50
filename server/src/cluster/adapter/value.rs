//! Bounded msgpack (notepack.io-compatible, via `rmpv`) and JSON decoding into one dynamic value
//! type, plus the small accessors the message parsers share.
//!
//! Allocation is bounded by the input: the size is checked first, `rmpv` never preallocates from
//! a length header (it grows as elements actually arrive), and nesting is capped at [`MAX_DEPTH`]
//! so a deep `[[[[..]]]]` cannot overflow the stack. JSON is converted into the same `rmpv::Value`
//! so the message parsers exist once, whichever encoding the sender chose (the Node adapter's
//! first-byte rule: `{` means JSON).

use rmpv::Value;

use super::AdapterError;

/// The deepest nesting accepted. Adapter messages nest four levels (message, packet, data, an
/// argument); 32 leaves room for any reasonable event payload.
pub const MAX_DEPTH: usize = 32;

/// Decodes exactly one msgpack value filling `bytes`.
pub fn decode_msgpack(bytes: &[u8], max_bytes: usize) -> Result<Value, AdapterError> {
    check_size(bytes, max_bytes)?;
    let mut rest = bytes;
    let value = rmpv::decode::read_value_with_max_depth(&mut rest, MAX_DEPTH)
        .map_err(|e| AdapterError::Msgpack(e.to_string()))?;
    if !rest.is_empty() {
        return Err(AdapterError::TrailingBytes(rest.len()));
    }
    Ok(value)
}

/// Decodes by the Node adapter's rule: JSON text when the first byte is `{`, msgpack otherwise.
pub fn decode_json_or_msgpack(bytes: &[u8], max_bytes: usize) -> Result<Value, AdapterError> {
    if bytes.first() != Some(&b'{') {
        return decode_msgpack(bytes, max_bytes);
    }
    check_size(bytes, max_bytes)?;
    let json: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AdapterError::Json(e.to_string()))?;
    Ok(from_json(json))
}

/// Encodes one value as msgpack; notepack.io chooses the same (smallest) integer and string
/// forms, and writes non-integral numbers as float64, as `rmpv` does for `Value::F64`.
pub fn encode_msgpack(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, value);
    out
}

fn check_size(bytes: &[u8], max: usize) -> Result<(), AdapterError> {
    if bytes.len() > max {
        return Err(AdapterError::Oversized {
            len: bytes.len(),
            max,
        });
    }
    Ok(())
}

fn from_json(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Boolean(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            _ => Value::F64(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::from(s),
        serde_json::Value::Array(items) => Value::Array(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| (Value::from(k), from_json(v)))
                .collect(),
        ),
    }
}

/// A dynamic value as JSON, for the responses the Node adapter sends as JSON text. Binary becomes
/// what `JSON.stringify(Buffer)` writes (`{"type":"Buffer","data":[..]}`); extension values (only
/// notepack's `undefined` in practice) become `null`.
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Nil | Value::Ext(..) => serde_json::Value::Null,
        Value::Boolean(b) => (*b).into(),
        Value::Integer(i) => i
            .as_i64()
            .map(Into::into)
            .or_else(|| i.as_u64().map(Into::into))
            .unwrap_or(serde_json::Value::Null),
        Value::F32(f) => {
            serde_json::Number::from_f64(f64::from(*f)).map_or(serde_json::Value::Null, Into::into)
        }
        Value::F64(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Value::String(s) => s.as_str().map_or(serde_json::Value::Null, Into::into),
        Value::Binary(b) => serde_json::json!({ "type": "Buffer", "data": b }),
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Map(pairs) => serde_json::Value::Object(
            pairs
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), to_json(v))))
                .collect(),
        ),
    }
}

/// notepack.io's `undefined`: fixext 1, type 0, data 0. Treated as an absent field.
fn is_undefined(value: &Value) -> bool {
    matches!(value, Value::Ext(0, data) if data.as_slice() == [0])
}

/// The entries of a map, or a shape error naming `what`.
pub(super) fn as_map<'a>(
    value: &'a Value,
    what: &'static str,
) -> Result<&'a [(Value, Value)], AdapterError> {
    match value {
        Value::Map(pairs) => Ok(pairs),
        _ => Err(AdapterError::Shape(what)),
    }
}

/// The value under a string key; `undefined` and `null` read as absent.
pub(super) fn field<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_nil() && !is_undefined(v))
}

/// Moves the value under `key` out of an owned map (for payloads we keep, not copy).
pub(super) fn take_field(map: &mut [(Value, Value)], key: &str) -> Option<Value> {
    let slot = map.iter_mut().find(|(k, _)| k.as_str() == Some(key))?;
    let value = std::mem::replace(&mut slot.1, Value::Nil);
    (!value.is_nil() && !is_undefined(&value)).then_some(value)
}

/// A string, or a number written as one (socket.io rooms and request ids are strings, but a
/// JavaScript caller may pass numbers).
pub(super) fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => s.as_str().map(str::to_owned),
        Value::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// An optional list of room names (absent = empty).
pub(super) fn text_list(
    map: &[(Value, Value)],
    key: &str,
    what: &'static str,
) -> Result<Vec<String>, AdapterError> {
    match field(map, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| as_text(v).ok_or(AdapterError::Shape(what)))
            .collect(),
        Some(_) => Err(AdapterError::Shape(what)),
    }
}

/// A list of room names as msgpack strings.
pub(super) fn text_array(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
}

/// A map with string keys, in the given order (notepack keeps JavaScript's insertion order).
pub(super) fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect(),
    )
}
