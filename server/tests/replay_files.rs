//! Replays (issue 15): a recorded match verifies to the same final state, a tampered one is
//! caught at the checkpoint where it diverges, and damaged files of every kind give a clear
//! error, never a panic.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use petri_server::headless::{Lineup, MatchSettings, run_seed};
use petri_server::replay::{
    self, FORMAT_VERSION, Header, Record, ReplayError, ReplayReader, ReplayWriter, Source,
    VerifyError, verify_file,
};
use petri_server::sim::{Command, Mode, PlayerId, SimConfig};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("petri-replay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

fn recorded_match(dir: &Path, ticks: u64) -> (PathBuf, String) {
    recorded_match_in(dir, ticks, Mode::Ffa)
}

fn recorded_match_in(dir: &Path, ticks: u64, mode: Mode) -> (PathBuf, String) {
    let path = dir.join(format!("match-{mode:?}.petri-replay"));
    let lineup: Lineup = "forager:10,hunter:10,survivor:5".parse().expect("lineup");
    let mut settings = MatchSettings::classic_scaled(lineup, ticks);
    settings.config.mode = mode;
    settings.record = Some(path.clone());
    let result = run_seed(&settings, 7, false, false).expect("the match runs");
    (path, result.state_hash)
}

#[test]
fn a_recorded_bots_only_match_verifies_to_its_final_state() {
    let dir = temp_dir("match");
    let (path, final_hash) = recorded_match(&dir, 1_000);
    let verified = verify_file(&path).expect("the replay verifies");
    assert_eq!(verified.ticks, 1_000);
    assert_eq!(format!("{:016x}", verified.final_hash), final_hash);
    assert_eq!(
        verified.checkpoints,
        1_000 / replay::DEFAULT_CHECKPOINT_EVERY + 1
    );
    assert_eq!(
        verified.commands, 25,
        "a bots-only match holds only its joins"
    );
    let size = std::fs::metadata(&path).expect("the file").len();
    assert!(
        size < 8_000,
        "a bots-only match is little more than its header: {size} bytes"
    );
}

#[test]
fn matches_of_every_mode_verify_too() {
    let dir = temp_dir("modes");
    for mode in [Mode::Teams, Mode::Lms] {
        let (path, final_hash) = recorded_match_in(&dir, 1_500, mode);
        let verified = verify_file(&path).expect("the replay verifies");
        assert_eq!(
            format!("{:016x}", verified.final_hash),
            final_hash,
            "{mode:?}"
        );
    }
}

fn header(rules: SimConfig) -> Header {
    Header {
        format: FORMAT_VERSION,
        petri_version: "test".into(),
        seed: 3,
        rules,
        source: Source::Match {
            lineup: "hand-made".into(),
            ticks: 250,
        },
        checkpoint_every: 125,
        session: "s".into(),
        segment: 0,
        first_tick: 0,
    }
}

/// A hand-written replay: one person joins and steers; `lie` corrupts the second checkpoint.
fn hand_written(lie: bool) -> Vec<u8> {
    let rules = SimConfig::classic().scaled_for_players(4);
    let mut arena = petri_server::sim::Arena::new(rules.clone(), 3).expect("arena");
    let mut writer = ReplayWriter::new(Vec::new(), &header(rules)).expect("writer");
    let commands = vec![
        Command::Join {
            name: "ann".into(),
            color: 0xff0000,
            strategy: None,
        },
        Command::Respawn {
            player: PlayerId(1),
        },
    ];
    for command in &commands {
        arena.apply(command);
    }
    writer
        .write(&Record::Commands { tick: 0, commands })
        .expect("write");
    for tick in 1..=250u64 {
        arena.step();
        if tick == 60 {
            let steer = Command::Steer {
                player: PlayerId(1),
                x: 10.0,
                y: 20.0,
            };
            arena.apply(&steer);
            writer
                .write(&Record::Commands {
                    tick,
                    commands: vec![steer],
                })
                .expect("write");
        }
        if tick % 125 == 0 {
            let hash = arena.state_hash() ^ u64::from(lie && tick == 250);
            writer
                .write(&Record::Checkpoint { tick, hash })
                .expect("write");
        }
    }
    let hash = arena.state_hash();
    writer
        .write(&Record::End {
            tick: 250,
            hash,
            continued: false,
        })
        .expect("write");
    writer.finish().expect("finish")
}

fn verify_bytes(bytes: &[u8], dir: &Path) -> Result<replay::Verified, VerifyError> {
    let path = dir.join("hand.petri-replay");
    std::fs::write(&path, bytes).expect("write the file");
    verify_file(&path)
}

#[test]
fn a_replay_whose_checkpoint_disagrees_is_reported_at_that_tick() {
    let dir = temp_dir("diverge");
    let honest = verify_bytes(&hand_written(false), &dir).expect("the honest file verifies");
    assert_eq!(
        (honest.ticks, honest.checkpoints, honest.commands),
        (250, 3, 3)
    );
    match verify_bytes(&hand_written(true), &dir) {
        Err(VerifyError::Diverged {
            tick, last_good, ..
        }) => assert_eq!((tick, last_good), (250, 125)),
        other => panic!("expected a divergence at tick 250, got {other:?}"),
    }
}

fn read_all(bytes: &[u8]) -> Result<usize, ReplayError> {
    let mut reader = ReplayReader::new(Cursor::new(bytes))?;
    let mut records = 0;
    while reader.next_record()?.is_some() {
        records += 1;
    }
    Ok(records)
}

#[test]
fn damaged_files_give_clear_errors() {
    let good = hand_written(false);
    assert_eq!(read_all(&good).expect("reads"), 5);
    // not a replay at all
    assert!(matches!(
        read_all(b"hello world, this is not it"),
        Err(ReplayError::NotAReplay)
    ));
    assert!(matches!(read_all(b""), Err(ReplayError::NotAReplay)));
    // another format version
    let mut other = good.clone();
    other[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let error = read_all(&other).expect_err("refused");
    assert!(
        matches!(error, ReplayError::UnsupportedFormat { found } if found == FORMAT_VERSION + 1)
    );
    assert!(error.to_string().contains("not supported"), "{error}");
    // a header claiming gigabytes
    let mut huge = good.clone();
    huge[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        read_all(&huge),
        Err(ReplayError::HeaderTooLarge(_))
    ));
    // cut short anywhere in the body: truncated or corrupt, and it says after which tick
    let header_end = 14 + u32::from_le_bytes([good[10], good[11], good[12], good[13]]) as usize;
    let middle = (header_end + good.len()) / 2;
    for cut in [header_end + 1, header_end + 10, middle] {
        match read_all(&good[..cut]) {
            Err(ReplayError::Truncated { .. } | ReplayError::Corrupt { .. }) => {}
            other => panic!("cut at {cut} of {}: {other:?}", good.len()),
        }
    }
    // cut inside the header
    assert!(matches!(
        read_all(&good[..header_end / 2]),
        Err(ReplayError::BadHeader(_))
    ));
}

/// A small deterministic generator (the test needs no randomness crate).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn thousands_of_mutated_files_never_panic_the_reader_or_the_verifier() {
    let good = hand_written(false);
    let dir = temp_dir("mutated");
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut refused = 0;
    for round in 0..2_000 {
        let mut bytes = good.clone();
        for _ in 0..1 + rng.below(4) {
            match rng.below(4) {
                0 => {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(bytes.len());
                    bytes[i] = rng.next() as u8;
                }
                2 => bytes.truncate(rng.below(bytes.len()).max(1)),
                _ => {
                    let i = rng.below(bytes.len());
                    bytes.insert(i, rng.next() as u8);
                }
            }
        }
        if read_all(&bytes).is_err() {
            refused += 1;
        }
        // the verifier too, on a sample (it simulates, so it is slower)
        if round % 50 == 0 {
            let _ = verify_bytes(&bytes, &dir);
        }
    }
    assert!(
        refused > 1_000,
        "most mutations are caught: {refused} of 2000"
    );
}
