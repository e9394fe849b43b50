//! The arguments of an event or ack: JSON values plus binary attachments.
//!
//! Binary data never goes through JSON. An argument that *is* binary is represented in `args` by
//! the placeholder `{"_placeholder":true,"num":N}` and its bytes live in `bins[N]` as a shared
//! [`Bytes`] buffer: decoding a binary event costs no copy, and re-emitting it (an echo, a
//! broadcast to 1000 sockets) only bumps reference counts.

use super::EmitError;
use bytes::Bytes;
use petri_shared::socketio::placeholder;
use serde::Serialize;
use serde_json::Value;

/// Event arguments with binary attachments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payload {
    /// JSON arguments; binary ones are placeholders pointing into `bins`.
    pub args: Vec<Value>,
    /// Binary attachments, in placeholder `num` order.
    pub bins: Vec<Bytes>,
}

impl Payload {
    /// No arguments.
    pub fn new() -> Self {
        Self::default()
    }

    /// One JSON argument made from any `Serialize` value. A value that does not serialise (a
    /// map with non-string keys, a failing `Serialize` impl) is logged and refused with
    /// [`EmitError::NotSerializable`], never sent as `null`.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, EmitError> {
        match serde_json::to_value(value) {
            Ok(v) => Ok(Self::from(v)),
            Err(error) => {
                tracing::warn!(%error, "payload does not serialise to JSON");
                Err(EmitError::NotSerializable)
            }
        }
    }

    /// Appends a JSON argument.
    pub fn arg(mut self, v: impl Into<Value>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Appends a binary argument (a placeholder in `args`, the bytes in `bins`).
    pub fn bin(mut self, b: impl Into<Bytes>) -> Self {
        self.args.push(placeholder(self.bins.len()));
        self.bins.push(b.into());
        self
    }

    /// If argument `i` is a binary placeholder, its bytes.
    pub fn binary_arg(&self, i: usize) -> Option<&Bytes> {
        let o = self.args.get(i)?.as_object()?;
        if o.get("_placeholder") != Some(&Value::Bool(true)) {
            return None;
        }
        self.bins
            .get(usize::try_from(o.get("num")?.as_u64()?).ok()?)
    }
}

impl From<Value> for Payload {
    /// One JSON argument.
    fn from(v: Value) -> Self {
        Self {
            args: vec![v],
            bins: Vec::new(),
        }
    }
}

impl From<Vec<Value>> for Payload {
    /// Several JSON arguments.
    fn from(args: Vec<Value>) -> Self {
        Self {
            args,
            bins: Vec::new(),
        }
    }
}

impl From<()> for Payload {
    /// No arguments.
    fn from(_: ()) -> Self {
        Self::default()
    }
}

impl From<Bytes> for Payload {
    /// One binary argument.
    fn from(b: Bytes) -> Self {
        Self::new().bin(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binary_arguments_are_placeholders_plus_shared_bytes() {
        let p = Payload::new()
            .arg(1)
            .bin(vec![1u8, 2])
            .arg("x")
            .bin(Bytes::from_static(b"z"));
        assert_eq!(
            p.args,
            vec![
                json!(1),
                json!({"_placeholder": true, "num": 0}),
                json!("x"),
                json!({"_placeholder": true, "num": 1})
            ]
        );
        assert_eq!(p.binary_arg(1).map(|b| b.as_ref()), Some(&[1u8, 2][..]));
        assert_eq!(p.binary_arg(3).map(|b| b.as_ref()), Some(&b"z"[..]));
        assert_eq!(p.binary_arg(0), None);
        assert_eq!(p.binary_arg(9), None);
        // A placeholder pointing past the attachments is not binary.
        let bad = Payload::from(json!({"_placeholder": true, "num": 5}));
        assert_eq!(bad.binary_arg(0), None);
    }

    #[test]
    fn json_serialises_or_says_why_not() {
        #[derive(Serialize)]
        struct Joined {
            room: &'static str,
        }
        assert_eq!(
            Payload::json(&Joined { room: "main" }),
            Ok(Payload::from(json!({ "room": "main" })))
        );
        let bad: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert_eq!(Payload::json(&bad), Err(EmitError::NotSerializable));
    }

    #[test]
    fn conversions() {
        assert_eq!(Payload::from(()).args.len(), 0);
        assert_eq!(Payload::from(vec![json!(1), json!(2)]).args.len(), 2);
        let b = Payload::from(Bytes::from_static(b"ab"));
        assert_eq!((b.args.len(), b.bins.len()), (1, 1));
    }
}
