//! The Engine.IO v4 HTTP long-polling payload: packets separated by the record separator
//! `\x1e`, a text packet as its type digit and data, a binary message as `b` + base64. Used by
//! the server to read POST bodies and by clients (Petri's swarm) to read poll answers and write
//! POST bodies.
//!
//! [`decode`] is total: the input comes from an untrusted peer, and anything malformed is a
//! typed [`PayloadError`]. Base64 is `data-encoding`'s (strict: bad padding or characters are
//! refused, as the JS server does), a crate tungstenite already compiles into the tree.

use data_encoding::BASE64;

/// The separator between packets of one payload.
pub const SEPARATOR: u8 = 0x1e;

/// One packet of a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    /// A text packet, type digit included.
    Text(&'a str),
    /// A binary message, decoded from base64.
    Binary(Vec<u8>),
}

/// Why a body is not an Engine.IO payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// An empty packet (an empty body, or two separators in a row).
    #[error("empty packet in a polling payload")]
    Empty,
    /// The body is not UTF-8.
    #[error("polling payload is not UTF-8")]
    NotUtf8,
    /// A `b` packet whose rest is not base64.
    #[error("invalid base64 in a binary packet")]
    BadBase64,
}

/// Splits a payload into its packets, in order. The first error ends the payload.
pub fn decode(body: &[u8]) -> impl Iterator<Item = Result<Packet<'_>, PayloadError>> {
    body.split(|b| *b == SEPARATOR).map(|part| {
        let text = std::str::from_utf8(part).map_err(|_| PayloadError::NotUtf8)?;
        match text.as_bytes().first() {
            None => Err(PayloadError::Empty),
            Some(b'b') => BASE64
                .decode(&part[1..])
                .map(Packet::Binary)
                .map_err(|_| PayloadError::BadBase64),
            Some(_) => Ok(Packet::Text(text)),
        }
    })
}

/// Appends one text packet (type digit included) to the payload `out`.
pub fn push_text(out: &mut Vec<u8>, packet: &[u8]) {
    if !out.is_empty() {
        out.push(SEPARATOR);
    }
    out.extend_from_slice(packet);
}

/// Appends one binary message to the payload `out`, as `b` + base64.
pub fn push_binary(out: &mut Vec<u8>, data: &[u8]) {
    if !out.is_empty() {
        out.push(SEPARATOR);
    }
    out.push(b'b');
    let from = out.len();
    out.resize(from + BASE64.encode_len(data.len()), 0);
    BASE64.encode_mut(data, &mut out[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_splits_into_text_and_binary_packets() {
        let packets: Vec<_> = decode(b"4hello\x1ebAQIDBA==\x1e3").collect();
        assert_eq!(
            packets,
            [
                Ok(Packet::Text("4hello")),
                Ok(Packet::Binary(vec![1, 2, 3, 4])),
                Ok(Packet::Text("3"))
            ]
        );
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        assert_eq!(decode(b"").next(), Some(Err(PayloadError::Empty)));
        assert_eq!(
            decode(b"4a\x1e\x1e4b").nth(1),
            Some(Err(PayloadError::Empty))
        );
        assert_eq!(decode(b"b!!!").next(), Some(Err(PayloadError::BadBase64)));
        assert_eq!(decode(b"bAQI").next(), Some(Err(PayloadError::BadBase64)));
        assert_eq!(decode(b"4\xff").next(), Some(Err(PayloadError::NotUtf8)));
    }

    #[test]
    fn what_is_pushed_decodes_back() {
        let mut out = Vec::new();
        push_text(&mut out, b"4hi");
        push_binary(&mut out, &[0, 255, 7]);
        let back: Vec<_> = decode(&out).collect();
        assert_eq!(
            back,
            [Ok(Packet::Text("4hi")), Ok(Packet::Binary(vec![0, 255, 7]))]
        );
    }
}
