//! Property tests with arbitrary input for everything that decodes what the network sends: the
//! bincode game messages, the Engine.IO and Socket.IO packet decoders, and applying frames to a
//! client's world. Inputs are random bytes and mutations of valid messages from a seeded
//! generator, so a failure replays exactly; the case counts keep a CI run to a few seconds
//! (raise `PETRI_FUZZ_CASES` for a longer soak). The property: never panic, never hang, and
//! what decodes survives a round trip unchanged.

use petri_shared::game::{
    Board, BoardEntry, CellChanged, CellEntered, EatenPair, Frame, PlayerInfo, ViewDelta,
};
use petri_shared::{ClientWorld, codec, engineio, socketio};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn cases() -> usize {
    std::env::var("PETRI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn sample_frame(rng: &mut Rng) -> Frame {
    let n = rng.below(6);
    Frame {
        tick: rng.next() as u32,
        view: ViewDelta {
            dx: rng.next() as i32,
            dy: rng.next() as i32 % 100,
            dhalf_width: 3,
            dhalf_height: -7,
        },
        rank: rng.below(300) as u32,
        own: (0..n).map(|i| i as u32 + 1).collect(),
        players: vec![PlayerInfo {
            id: rng.next() as u32,
            name: "zoë 🦠".into(),
            color: 0xff00ff,
        }],
        left: (0..n).map(|i| i as u32 + 100).collect(),
        entered: (0..n)
            .map(|i| CellEntered {
                id: i as u32 + 1,
                kind: (i % 4) as u8,
                x: -5,
                y: 70_000,
                size: 40,
                owner: 7,
            })
            .collect(),
        changed: (0..n)
            .map(|i| CellChanged {
                id: i as u32 + 1,
                dx: -300,
                dy: 1,
                dsize: 0,
            })
            .collect(),
        eaten: vec![EatenPair { eater: 1, eaten: 2 }],
    }
}

/// Flips, inserts, deletes or truncates a few bytes.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        match rng.below(4) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(bytes.len() + 1);
                bytes.insert(i, rng.next() as u8);
            }
            2 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes.remove(i);
            }
            _ => {
                let len = rng.below(bytes.len() + 1);
                bytes.truncate(len);
            }
        }
    }
}

#[test]
fn game_messages_decode_or_refuse_and_round_trip() {
    let mut rng = Rng(0x5EED_0001);
    let mut decoded = 0;
    for case in 0..cases() {
        let mut bytes = if case % 2 == 0 {
            rng.bytes(64)
        } else {
            codec::encode_to_vec(&sample_frame(&mut rng)).expect("encodes")
        };
        mutate(&mut rng, &mut bytes);
        if let Ok(frame) = codec::decode::<Frame>(&bytes) {
            decoded += 1;
            // bincode accepts non-canonical varints (87 in the 3-byte form), so the bytes may
            // differ; the value must survive a round trip
            let again = codec::encode_to_vec(&frame).expect("re-encodes");
            assert_eq!(
                codec::decode::<Frame>(&again).expect("decodes again"),
                frame,
                "case {case}"
            );
            // whatever decodes may still not fit a world; applying it must not panic
            let _ = ClientWorld::default().apply(&frame);
        }
        if let Ok(board) = codec::decode::<Board>(&bytes) {
            let again = codec::encode_to_vec(&board).expect("re-encodes");
            assert_eq!(
                codec::decode::<Board>(&again).expect("decodes again"),
                board,
                "case {case}"
            );
        }
    }
    assert!(
        decoded > 0,
        "some mutated frames still decode, so the round trip was exercised"
    );
    let board = Board {
        tick: 1,
        entries: vec![BoardEntry {
            id: 1,
            name: "a".into(),
            mass: 2,
        }],
        alive: 1,
        ..Board::default()
    };
    assert!(codec::decode::<Board>(&codec::encode_to_vec(&board).expect("encodes")).is_ok());
}

#[test]
fn packet_decoders_never_panic_on_arbitrary_text() {
    let mut rng = Rng(0x5EED_0002);
    let seeds = [
        "0{\"sid\":\"x\"}",
        "2probe",
        "40/play,{\"token\":\"a\"}",
        "42/play,1[\"join\",{\"room\":\"main\",\"name\":\"n\"}]",
        "451-/play,[\"frame\",{\"_placeholder\":true,\"num\":0}]",
        "43/play,7[{\"ok\":true}]",
        "44/lobby,{\"message\":\"nope\"}",
    ];
    for case in 0..cases() {
        let mut bytes = if case % 3 == 0 {
            rng.bytes(48)
        } else {
            seeds[rng.below(seeds.len())].as_bytes().to_vec()
        };
        mutate(&mut rng, &mut bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = engineio::decode_text(&text);
        if let Some(rest) = text.strip_prefix('4') {
            let _ = socketio::decode(rest, 10);
        }
        let _ = socketio::decode(&text, 10);
    }
}
