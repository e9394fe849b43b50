use super::super::compress::SYNC_TAIL;
use super::*;
use tokio_tungstenite::tungstenite::protocol::frame::coding::Control;
use zlib_rs::{Deflate, DeflateFlush};

const MASK: [u8; 4] = [0x11, 0x22, 0x33, 0x44];

/// A client frame: header (masked), payload masked.
fn frame(fin: bool, rsv1: bool, opcode: OpCode, payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        is_final: fin,
        rsv1,
        opcode,
        mask: Some(MASK),
        ..FrameHeader::default()
    };
    let mut out = Vec::new();
    header.format(payload.len() as u64, &mut out).unwrap();
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out
}

/// What a client's compressor makes of `message` (sync-flushed, tail cut).
fn deflated(deflate: &mut Deflate, message: &[u8]) -> Vec<u8> {
    let mut out = vec![0; message.len() + 64];
    let before = deflate.total_out();
    deflate
        .compress(message, &mut out, DeflateFlush::SyncFlush)
        .unwrap();
    out.truncate((deflate.total_out() - before) as usize);
    assert!(out.ends_with(&SYNC_TAIL));
    out.truncate(out.len() - 4);
    out
}

/// Everything the filter hands tungstenite for `wire`, fed `step` bytes at a time.
fn run(inflater: &mut Inflater, wire: &[u8], step: usize) -> Result<Vec<u8>, InflateError> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    for chunk in wire.chunks(step) {
        inflater.feed(chunk)?;
        while inflater.has_output() {
            let n = inflater.read_into(&mut buf)?;
            out.extend_from_slice(&buf[..n]);
        }
    }
    Ok(out)
}

/// The (opcode, fin, unmasked payload) of each frame in `bytes`.
fn frames(bytes: &[u8]) -> Vec<(OpCode, bool, Vec<u8>)> {
    let mut cursor = Cursor::new(bytes);
    let mut out = Vec::new();
    while (cursor.position() as usize) < bytes.len() {
        let (h, len) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
        assert!(!h.rsv1);
        let start = cursor.position() as usize;
        let mask = h.mask.unwrap_or([0; 4]);
        let payload = bytes[start..start + len as usize]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        cursor.set_position(start as u64 + len);
        out.push((h.opcode, h.is_final, payload));
    }
    out
}

#[test]
fn compressed_messages_come_out_plain_whatever_the_read_sizes() {
    for step in [1, 3, 7, 4096] {
        let mut client = Deflate::new(6, false, 10);
        let mut wire = Vec::new();
        for i in 0..4 {
            let text = format!(r#"42/play,["input",{{"x":{i},"y":2}}]"#);
            wire.extend(frame(
                true,
                true,
                OpCode::Data(Data::Text),
                &deflated(&mut client, text.as_bytes()),
            ));
            wire.extend(frame(true, false, OpCode::Data(Data::Binary), &[i; 5]));
        }
        let mut inflater = Inflater::new(10, 1000);
        let got = frames(&run(&mut inflater, &wire, step).unwrap());
        assert_eq!(got.len(), 8, "step {step}");
        assert_eq!(
            got[6],
            (
                OpCode::Data(Data::Text),
                true,
                br#"42/play,["input",{"x":3,"y":2}]"#.to_vec()
            )
        );
        assert_eq!(got[7].2, vec![3; 5]);
    }
}

#[test]
fn a_fragmented_compressed_message_with_a_ping_between_is_reassembled_in_order() {
    let mut client = Deflate::new(6, false, 15);
    let message: String = (0..40_000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    let z = deflated(&mut client, message.as_bytes());
    let (a, b) = z.split_at(z.len() / 2);
    let mut wire = frame(false, true, OpCode::Data(Data::Text), a);
    wire.extend(frame(true, false, OpCode::Control(Control::Ping), b"hi"));
    wire.extend(frame(true, false, OpCode::Data(Data::Continue), b));
    let mut inflater = Inflater::new(15, 1_000_000);
    let got = frames(&run(&mut inflater, &wire, 4096).unwrap());
    let text: Vec<u8> = got
        .iter()
        .filter(|f| matches!(f.0, OpCode::Data(_)))
        .flat_map(|f| f.2.clone())
        .collect();
    assert_eq!(text, message.as_bytes());
    assert!(got.iter().any(|f| f.0 == OpCode::Control(Control::Ping)));
    assert!(got.last().unwrap().1, "the message ends with a final frame");
    assert!(got.iter().all(|f| f.2.len() <= OUTPUT_CHUNK));
}

#[test]
fn a_bomb_stops_at_the_limit() {
    let mut client = Deflate::new(9, false, 15);
    let z = deflated(&mut client, &vec![0u8; 2_000_000]);
    assert!(z.len() < 5_000);
    let wire = frame(true, true, OpCode::Data(Data::Binary), &z);
    let mut inflater = Inflater::new(15, 100_000);
    assert_eq!(
        run(&mut inflater, &wire, 4096),
        Err(InflateError::TooBig(100_000))
    );
}

#[test]
fn what_only_a_compressing_peer_can_get_wrong_is_refused() {
    let protocol = |wire: Vec<u8>| run(&mut Inflater::new(15, 1000), &wire, 4096);
    let ping = frame(true, true, OpCode::Control(Control::Ping), b"");
    assert!(matches!(protocol(ping), Err(InflateError::Protocol(_))));
    let mut cont = frame(false, false, OpCode::Data(Data::Text), b"a");
    cont.extend(frame(true, true, OpCode::Data(Data::Continue), b"b"));
    assert!(matches!(protocol(cont), Err(InflateError::Protocol(_))));
    let garbage = frame(true, true, OpCode::Data(Data::Text), &[0xff; 16]);
    assert!(matches!(protocol(garbage), Err(InflateError::Protocol(_))));
    // RSV2 is not ours to judge: tungstenite refuses it
    let mut rsv2 = frame(true, false, OpCode::Data(Data::Text), b"x");
    rsv2[0] |= 0x20;
    assert_eq!(protocol(rsv2.clone()).unwrap(), rsv2);
}

#[test]
fn an_idle_filter_holds_no_zlib_state_and_plain_frames_pass_byte_for_byte() {
    let mut inflater = Inflater::new(10, 1000);
    let wire = frame(true, false, OpCode::Data(Data::Text), b"42[\"x\"]");
    assert_eq!(run(&mut inflater, &wire, 2).unwrap(), wire);
    assert!(!inflater.is_allocated());
}

#[test]
fn fragments_that_inflate_to_nothing_cannot_go_on_forever() {
    // empty stored blocks: 5 bytes each, inflating to nothing
    let empty: Vec<u8> = std::iter::repeat_n([0u8, 0, 0, 0xff, 0xff], 200)
        .flatten()
        .collect();
    let mut wire = frame(false, true, OpCode::Data(Data::Text), &empty);
    for _ in 0..3 {
        wire.extend(frame(false, false, OpCode::Data(Data::Continue), &empty));
    }
    assert_eq!(
        run(&mut Inflater::new(15, 1000), &wire, 4096),
        Err(InflateError::TooBig(1000))
    );
}
