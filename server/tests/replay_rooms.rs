//! A live room's replay (issue 15): a room with people who join, steer, split, eject, die,
//! respawn, leave and reconnect, recorded across rotated segments, verifies from its files
//! alone to the room's own final state. And the replay directory's cap removes the oldest
//! finished files first.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use petri_server::replay::{ReplayDir, ReplayReader, ReplaysConfig, Source, verify_files};
use petri_server::rooms::{HostLimits, Room, RoomCommand, RoomSettings};
use petri_server::testkit::{RecordingLink, join_now, small_room_settings};
use petri_shared::game::JoinRequest;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("petri-rooms-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

fn replay_dir(dir: &Path, max_dir_mb: u64) -> Arc<ReplayDir> {
    let config = ReplaysConfig {
        dir: Some(dir.to_path_buf()),
        max_dir_mb,
        rotate_minutes: 1,
        ..ReplaysConfig::default()
    };
    Arc::new(
        ReplayDir::open(&config)
            .expect("opens")
            .expect("recording is on"),
    )
}

fn player(name: &str, token: Option<String>) -> JoinRequest {
    JoinRequest {
        room: "rec".into(),
        name: name.into(),
        token,
        ..JoinRequest::default()
    }
}

/// The room's segment files, in order.
fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("lists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "petri-replay"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_live_room_with_people_coming_and_going_verifies_from_its_replay() {
    let dir = temp_dir("live");
    let settings = RoomSettings {
        capacity: 20,
        bot_fill: 6,
        ..small_room_settings()
    };
    let limits = HostLimits {
        reconnect_window_secs: 2.0,
        ..HostLimits::default()
    };
    let mut room = Room::recorded(
        "rec".into(),
        settings,
        limits,
        11,
        Some(replay_dir(&dir, 64)),
    )
    .expect("a room");
    let mut tokens = Vec::new();
    let mut links = Vec::new();
    for c in 1..=8u64 {
        let link = RecordingLink::new();
        let joined =
            join_now(&mut room, c, link.clone(), player(&format!("p{c}"), None)).expect("joins");
        tokens.push(joined.token);
        links.push(link);
    }
    // 3,500 ticks at 25 Hz: rotation every minute (1,500 ticks) makes three segments
    for t in 0..3_500u64 {
        for c in 1..=8u64 {
            let angle = (c * 7 + t) as f64 / 40.0;
            room.handle(RoomCommand::Target {
                client: c,
                x: 2000.0 + 1800.0 * angle.cos(),
                y: 2000.0 + 1800.0 * angle.sin(),
            });
            match (t + c * 13) % 97 {
                0 => room.handle(RoomCommand::Split { client: c }),
                1 => room.handle(RoomCommand::Eject { client: c }),
                2 => room.handle(RoomCommand::Respawn { client: c }),
                _ => {}
            }
        }
        match t {
            // one drops and comes back with its token; one leaves for good; a newcomer joins
            800 => room.handle(RoomCommand::Disconnected { client: 3 }),
            820 => {
                let back = join_now(
                    &mut room,
                    30,
                    RecordingLink::new(),
                    player("p3", tokens[2].clone()),
                )
                .expect("resumes");
                assert!(back.resumed, "the token gives the same player back");
            }
            1_600 => room.handle(RoomCommand::Leave { client: 5 }),
            2_000 => {
                join_now(&mut room, 40, RecordingLink::new(), player("late", None)).expect("joins");
            }
            _ => {}
        }
        room.tick();
    }
    let deaths: u32 = room.arena_mut().players().iter().map(|p| p.deaths).sum();
    assert!(deaths > 0, "people and bots died along the way");
    let final_tick = room.arena().tick();
    let final_hash = room.arena_mut().state_hash();
    room.close("closed", "test over");

    let files = segments(&dir);
    assert_eq!(files.len(), 3, "rotated into three segments: {files:?}");
    let header = ReplayReader::open(&files[0])
        .expect("reads")
        .header()
        .clone();
    assert_eq!(header.seed, 11);
    assert!(matches!(header.source, Source::Room { ref id, .. } if id == "rec"));
    let verified = verify_files(&files).expect("the room's replay verifies");
    assert_eq!(verified.ticks, final_tick);
    assert_eq!(verified.final_hash, final_hash);
    assert_eq!(verified.segments, 3);
    // steering the room let through (its input rate limit drops some), splits, joins, leaves
    assert!(verified.commands > 10_000, "{} commands", verified.commands);
    // a segment alone, or out of order, is refused with a reason
    assert!(verify_files(&files[1..]).is_err());
    assert!(verify_files(&[files[0].clone(), files[2].clone()]).is_err());
}

#[test]
fn the_directory_cap_removes_the_oldest_finished_replays_first() {
    let dir = temp_dir("cap");
    let old = SystemTime::now() - Duration::from_secs(3_600);
    for (i, name) in [
        "a-000.petri-replay",
        "b-000.petri-replay",
        "c-000.petri-replay",
    ]
    .iter()
    .enumerate()
    {
        let path = dir.join(name);
        std::fs::write(&path, vec![0u8; 600 * 1024]).expect("writes");
        let file = std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("opens");
        file.set_modified(old + Duration::from_secs(i as u64 * 60))
            .expect("dates");
    }
    std::fs::write(dir.join("notes.txt"), vec![0u8; 900 * 1024]).expect("writes");
    // 1 MiB of cap: of 1.8 MiB of replays the two oldest go; other files are not ours to touch
    let replays = replay_dir(&dir, 1);
    let open = replays.begin("live", 0);
    std::fs::write(&open, vec![0u8; 100 * 1024]).expect("writes");
    replays.enforce_cap();
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .expect("lists")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["c-000.petri-replay", "live-000.petri-replay", "notes.txt"]
    );
    // the file being written is never removed, even when it alone is over the cap
    std::fs::write(&open, vec![0u8; 2 * 1024 * 1024]).expect("writes");
    replays.enforce_cap();
    assert!(open.exists());
    assert!(!dir.join("c-000.petri-replay").exists());
}
