//! The one module that knows game messages travel as bincode 2. Everything else calls
//! `encode_into` / `decode`, so the format could be swapped here without touching callers.
//!
//! The configuration is bincode's `standard()`: little-endian, variable-length integers
//! (LEB128-style varints, zigzag for signed), which is what makes small deltas small. Decoding
//! is capped at `MAX_DECODE_BYTES` so a hostile length prefix cannot make us allocate gigabytes.

pub use bincode::{Decode, Encode};

/// The most a single decoded message may claim to need. Game messages are far smaller.
pub const MAX_DECODE_BYTES: usize = 1 << 20;

/// Why a message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("could not encode the message: {0}")]
    Encode(#[from] bincode::error::EncodeError),
    #[error("not a valid message: {0}")]
    Decode(#[from] bincode::error::DecodeError),
    #[error("{0} bytes after the end of the message")]
    TrailingBytes(usize),
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_DECODE_BYTES>()
}

/// Appends the encoding of `value` to `out` (anything `std::io::Write`, e.g. a reused `Vec<u8>`
/// or a `bytes::BufMut` writer), returning the number of bytes written.
pub fn encode_into<T: Encode, W: std::io::Write>(
    value: &T,
    out: &mut W,
) -> Result<usize, CodecError> {
    Ok(bincode::encode_into_std_write(value, out, config())?)
}

/// Encodes `value` into a fresh vector (for messages off the hot path).
pub fn encode_to_vec<T: Encode>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode_into(value, &mut out)?;
    Ok(out)
}

/// Appends the encoding of a serde value (types stored rather than sent, such as replay
/// records, which are not part of the wire contract), with the same configuration.
pub fn encode_serde_into<T: serde::Serialize, W: std::io::Write>(
    value: &T,
    out: &mut W,
) -> Result<usize, CodecError> {
    Ok(bincode::serde::encode_into_std_write(value, out, config())?)
}

/// Decodes exactly one serde value filling all of `bytes`.
pub fn decode_serde<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, read) = bincode::serde::decode_from_slice(bytes, config())?;
    if read != bytes.len() {
        return Err(CodecError::TrailingBytes(bytes.len() - read));
    }
    Ok(value)
}

/// Decodes exactly one message filling all of `bytes`.
pub fn decode<T: Decode<()>>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, read) = bincode::decode_from_slice(bytes, config())?;
    if read != bytes.len() {
        return Err(CodecError::TrailingBytes(bytes.len() - read));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Encode, Decode)]
    struct Sample {
        a: u32,
        b: i32,
        names: Vec<String>,
    }

    #[test]
    fn round_trips_and_refuses_garbage() {
        let s = Sample {
            a: 7,
            b: -3,
            names: vec!["x".into()],
        };
        let bytes = encode_to_vec(&s).expect("encodes");
        assert_eq!(bytes.len(), 5, "small ints are one byte each");
        assert_eq!(decode::<Sample>(&bytes).expect("decodes"), s);
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode::<Sample>(&longer),
            Err(CodecError::TrailingBytes(1))
        ));
        assert!(decode::<Sample>(&bytes[..3]).is_err());
        // a length prefix claiming 2^40 strings must fail, not allocate
        let hostile = [7u8, 5, 0xfd, 0, 0, 0, 0, 0, 1, 0, 0];
        assert!(decode::<Sample>(&hostile).is_err());
    }
}
