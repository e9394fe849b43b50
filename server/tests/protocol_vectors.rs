//! Shared test vectors: a few binary messages encoded by the server's own codec, each beside a
//! JSON file with every field it must decode to. Clients in other languages (the web client's
//! `node --test` suite first) decode the `.bin` files and compare against the `.json` files.
//!
//! The files live in `tests/vectors/` and are committed. This test rewrites a file only when its
//! content differs from what the current code produces, so running it twice changes nothing; and
//! when a committed file differs, the test fails after rewriting it: the wire format changed,
//! which every client must hear about (review the diff, bump `PROTOCOL_VERSION`, commit).

use std::fs;
use std::path::{Path, PathBuf};

use petri_shared::codec;
use petri_shared::game::{
    Board, BoardEntry, CellChanged, CellEntered, EatenPair, Frame, PlayerInfo, RoundState,
    TeamShare, ViewDelta, kind, round_phase,
};
use serde_json::{Value, json};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn frame_json(f: &Frame) -> Value {
    json!({
        "tick": f.tick,
        "view": {
            "dx": f.view.dx,
            "dy": f.view.dy,
            "dhalf_width": f.view.dhalf_width,
            "dhalf_height": f.view.dhalf_height,
        },
        "rank": f.rank,
        "own": f.own,
        "players": f.players.iter().map(|p| json!({
            "id": p.id, "name": p.name, "color": p.color,
        })).collect::<Vec<_>>(),
        "left": f.left,
        "entered": f.entered.iter().map(|c| json!({
            "id": c.id, "kind": c.kind, "x": c.x, "y": c.y, "size": c.size, "owner": c.owner,
        })).collect::<Vec<_>>(),
        "changed": f.changed.iter().map(|c| json!({
            "id": c.id, "dx": c.dx, "dy": c.dy, "dsize": c.dsize,
        })).collect::<Vec<_>>(),
        "eaten": f.eaten.iter().map(|e| json!({
            "eater": e.eater, "eaten": e.eaten,
        })).collect::<Vec<_>>(),
    })
}

fn board_json(b: &Board) -> Value {
    json!({
        "tick": b.tick,
        "entries": b.entries.iter().map(|e| json!({
            "id": e.id, "name": e.name, "mass": e.mass,
        })).collect::<Vec<_>>(),
        "alive": b.alive,
        "teams": b.teams.iter().map(|t| json!({
            "team": t.team, "color": t.color, "mass": t.mass, "players": t.players,
        })).collect::<Vec<_>>(),
        "round": {
            "phase": b.round.phase, "number": b.round.number,
            "seconds_left": b.round.seconds_left, "winner": b.round.winner,
            "winner_name": b.round.winner_name,
        },
    })
}

fn empty_frame() -> Frame {
    Frame::default()
}

/// Every list filled, every cell kind, and values that need each varint form: one byte (< 251),
/// `251` + u16, `252` + u32, for both plain and zigzag integers.
fn full_frame() -> Frame {
    Frame {
        tick: 4_000_000_000,
        view: ViewDelta {
            dx: -1234,
            dy: 70_000,
            dhalf_width: 960,
            dhalf_height: -540,
        },
        rank: 3,
        own: vec![250, 251, 65_535],
        players: vec![
            PlayerInfo {
                id: 65_536,
                name: "Zoë 🦠 细胞".to_owned(),
                color: 0xff_88_00,
            },
            PlayerInfo {
                id: 1,
                name: "cell".to_owned(),
                color: 0,
            },
            PlayerInfo {
                id: 4_000_000_000,
                name: String::new(),
                color: 0xff_ff_ff,
            },
        ],
        left: vec![0, 7, 250, 251, 4_294_967_295],
        entered: vec![
            CellEntered {
                id: 250,
                kind: kind::PLAYER,
                x: -5000,
                y: -1,
                size: 251,
                owner: 65_536,
            },
            CellEntered {
                id: 251,
                kind: kind::FOOD,
                x: 125,
                y: -126,
                size: 10,
                owner: 0,
            },
            CellEntered {
                id: 65_535,
                kind: kind::EJECTED,
                x: i32::MIN,
                y: i32::MAX,
                size: 65_536,
                owner: 0,
            },
            CellEntered {
                id: 4_000_000_000,
                kind: kind::VIRUS,
                x: 0,
                y: 300,
                size: 4_000_000_000,
                owner: 0,
            },
        ],
        changed: vec![
            CellChanged {
                id: 250,
                dx: -1,
                dy: 1,
                dsize: 0,
            },
            CellChanged {
                id: 65_535,
                dx: -300,
                dy: 70_000,
                dsize: -2,
            },
            CellChanged {
                id: 251,
                dx: 125,
                dy: -126,
                dsize: 126,
            },
            CellChanged {
                id: 4_000_000_000,
                dx: i32::MIN,
                dy: i32::MAX,
                dsize: -40_000,
            },
        ],
        eaten: vec![
            EatenPair {
                eater: 250,
                eaten: 251,
            },
            EatenPair {
                eater: 65_536,
                eaten: 4_000_000_000,
            },
        ],
    }
}

fn board() -> Board {
    Board {
        tick: 65_536,
        entries: vec![
            BoardEntry {
                id: 65_536,
                name: "Zoë 🦠 细胞".to_owned(),
                mass: 70_000,
            },
            BoardEntry {
                id: 251,
                name: "bot".to_owned(),
                mass: 250,
            },
            BoardEntry {
                id: 3,
                name: "a".to_owned(),
                mass: 0,
            },
        ],
        alive: 251,
        ..Board::default()
    }
}

/// A board with a mode's fields filled: three teams and a round in its break.
fn board_modes() -> Board {
    Board {
        teams: vec![
            TeamShare {
                team: 1,
                color: 0xe84855,
                mass: 70_000,
                players: 4,
            },
            TeamShare {
                team: 2,
                color: 0x3bceac,
                mass: 0,
                players: 0,
            },
            TeamShare {
                team: 3,
                color: 0x3d7dd8,
                mass: 250,
                players: 251,
            },
        ],
        round: RoundState {
            phase: round_phase::BREAK,
            number: 12,
            seconds_left: 9,
            winner: 65_536,
            winner_name: "Zoë 🦠 细胞".to_owned(),
        },
        ..board()
    }
}

/// Writes `bytes` to `path` unless it already holds exactly them. Returns whether a file that
/// existed held something else (a missing file is simply created).
fn write_if_changed(path: &Path, bytes: &[u8]) -> bool {
    let old = fs::read(path).ok();
    if old.as_deref() == Some(bytes) {
        return false;
    }
    fs::write(path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    old.is_some()
}

/// Checks (and if needed rewrites) `NAME.bin` and `NAME.json`; the stored `.bin` must decode,
/// with today's codec, back to `value`. Returns the names of files that were out of date.
fn check_vector<T>(name: &str, kind_name: &str, value: &T, fields: Value) -> Vec<String>
where
    T: codec::Encode + codec::Decode<()> + PartialEq + std::fmt::Debug,
{
    let dir = vectors_dir();
    fs::create_dir_all(&dir).expect("vectors directory");
    let bin_path = dir.join(format!("{name}.bin"));
    let json_path = dir.join(format!("{name}.json"));

    let bytes = codec::encode_to_vec(value).expect("encodes");
    let doc = json!({ "type": kind_name, "bytes": bytes.len(), "value": fields });
    let mut text = serde_json::to_string_pretty(&doc).expect("json");
    text.push('\n');

    let mut stale = Vec::new();
    if write_if_changed(&bin_path, &bytes) {
        stale.push(format!("{name}.bin"));
    }
    if write_if_changed(&json_path, text.as_bytes()) {
        stale.push(format!("{name}.json"));
    }

    // Read back what is on disk now, as a client would.
    let stored = fs::read(&bin_path).expect("reads vector");
    let decoded: T = codec::decode(&stored).expect("stored vector decodes");
    assert_eq!(&decoded, value, "{name}.bin decodes to the vector's value");
    let stored_json: Value =
        serde_json::from_slice(&fs::read(&json_path).expect("reads json")).expect("valid json");
    assert_eq!(stored_json, doc, "{name}.json holds the vector's fields");
    stale
}

#[test]
fn vectors_match_the_wire_format() {
    let mut stale = Vec::new();
    let empty = empty_frame();
    stale.extend(check_vector(
        "frame_empty",
        "Frame",
        &empty,
        frame_json(&empty),
    ));
    let full = full_frame();
    stale.extend(check_vector(
        "frame_full",
        "Frame",
        &full,
        frame_json(&full),
    ));
    let b = board();
    stale.extend(check_vector("board", "Board", &b, board_json(&b)));
    let m = board_modes();
    stale.extend(check_vector("board_modes", "Board", &m, board_json(&m)));

    // Fresh checkouts (CI) have every file: a difference means the format or the vectors changed.
    assert!(
        stale.is_empty() || std::env::var_os("PETRI_UPDATE_VECTORS").is_some(),
        "test vectors were out of date and have been rewritten: {stale:?}. If the wire format \
         changed on purpose, bump PROTOCOL_VERSION, check the clients and commit the new files \
         (or set PETRI_UPDATE_VECTORS=1 to accept them silently)."
    );
}

#[test]
fn small_values_take_one_byte() {
    // The empty frame: tick, view (4 fields), rank and six empty lists, one byte each.
    let bytes = codec::encode_to_vec(&empty_frame()).expect("encodes");
    assert_eq!(bytes, vec![0u8; 12]);
}
