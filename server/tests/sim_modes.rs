//! The modes' rules, each pinned by a scene (the map emptied of food and viruses, decay off), and
//! each mode's determinism: teams (teammates never eat each other and push apart, newcomers join
//! the smallest team, the board sums each team's mass) and last man standing (the dead stay dead
//! until the next round, a round ends with one winner or at its time limit, a new round starts).

use glam::Vec2;
use petri_server::sim::modes::TEAM_COLORS;
use petri_server::sim::{Arena, Mode, PlayerId, RoundPhase, SimConfig};
use petri_server::testkit::arena_with_bots;

fn quiet(mode: Mode) -> SimConfig {
    SimConfig {
        food_target_count: 0,
        virus_min_count: 0,
        player_decay_rate: 0.0,
        mode,
        team_count: 2,
        lms_round_seconds: 4.0,
        lms_break_seconds: 1.0,
        ..SimConfig::default()
    }
}

fn person_at(arena: &mut Arena, position: Vec2, mass: f32) -> PlayerId {
    let id = arena.add_player("person", 0x123456, None);
    arena.place_player_cell(id, position, mass).expect("exists");
    arena.set_target(id, position);
    id
}

fn cell_positions(arena: &mut Arena, id: PlayerId) -> Vec<Vec2> {
    let cells = arena.cells();
    cells
        .iter()
        .filter(|c| c.owner == Some(id))
        .map(|c| c.position)
        .collect()
}

#[test]
fn newcomers_join_the_smallest_team_and_wear_its_colour() {
    let mut arena = Arena::new(
        SimConfig {
            team_count: 3,
            ..quiet(Mode::Teams)
        },
        1,
    )
    .expect("arena");
    let ids: Vec<PlayerId> = (0..7)
        .map(|_| arena.add_player("p", 0x123456, None))
        .collect();
    let teams: Vec<u8> = ids
        .iter()
        .map(|&id| arena.team_of(id).expect("a team"))
        .collect();
    assert_eq!(teams, [1, 2, 3, 1, 2, 3, 1]);
    // one leaves team 2: the next newcomer fills it
    arena.remove_player(ids[1]);
    let next = arena.add_player("late", 0x123456, None);
    assert_eq!(arena.team_of(next), Some(2));
    let player = arena.player(ids[2]).expect("exists");
    assert_eq!(player.color, TEAM_COLORS[2]);
    // no teams outside the teams mode
    let mut ffa = Arena::new(quiet(Mode::Ffa), 1).expect("arena");
    let solo = ffa.add_player("p", 0x123456, None);
    assert_eq!(
        (ffa.team_of(solo), ffa.player(solo).map(|p| p.color)),
        (None, Some(0x123456))
    );
}

#[test]
fn teammates_never_eat_each_other_and_push_apart() {
    let mut arena = Arena::new(quiet(Mode::Teams), 1).expect("arena");
    let big = person_at(&mut arena, Vec2::ZERO, 2_000.0); // team 1
    let rival = person_at(&mut arena, Vec2::new(3_000.0, 0.0), 20.0); // team 2
    let mate = person_at(&mut arena, Vec2::new(10.0, 0.0), 20.0); // team 1, inside `big`
    assert_eq!(arena.team_of(big), arena.team_of(mate));
    for _ in 0..30 {
        arena.step();
    }
    assert!(!arena.is_dead(mate), "a teammate is never eaten");
    let gap = cell_positions(&mut arena, mate)[0].distance(cell_positions(&mut arena, big)[0]);
    let sizes = (2_000.0_f32 * 100.0).sqrt() + (20.0_f32 * 100.0).sqrt();
    assert!(gap >= sizes - 1.0, "pushed apart: {gap} < {sizes}");
    // the other team's cell is food
    arena.place_player_cell(rival, Vec2::new(5.0, 5.0), 20.0);
    arena.step();
    assert_eq!(
        cell_positions(&mut arena, rival).len(),
        1,
        "the rival's cell inside was eaten"
    );

    // the board: each team's mass, in team order
    for _ in 0..5 {
        arena.step();
    }
    let standings = arena.team_standings().to_vec();
    assert_eq!(standings.len(), 2);
    let mass = |id| arena.player(id).expect("exists").mass;
    assert!((standings[0].mass - (mass(big) + mass(mate))).abs() < 1e-2);
    assert!((standings[1].mass - mass(rival)).abs() < 1e-2);
    assert_eq!((standings[0].players, standings[1].players), (2, 1));
}

#[test]
fn lms_the_dead_wait_for_the_next_round_and_the_last_alive_wins() {
    let mut arena = Arena::new(quiet(Mode::Lms), 3).expect("arena");
    let a = arena.add_player("a", 0x123456, None);
    let b = arena.add_player("b", 0x123456, None);
    arena.step(); // the first round starts: everyone together
    let round = arena.round().expect("a round");
    assert_eq!((round.phase, round.number), (RoundPhase::Playing, 1));
    assert!(
        !arena.is_dead(a) && !arena.is_dead(b),
        "both start together"
    );

    // `a` grows over `b` and eats it
    let at = cell_positions(&mut arena, b)[0];
    arena.place_player_cell(a, at, 3_000.0);
    arena.step();
    assert!(arena.is_dead(b));
    // the round is over: one left alive, it wins
    let round = arena.round().expect("a round");
    assert_eq!((round.phase, round.winner), (RoundPhase::Break, Some(a)));
    assert_eq!(arena.player(a).map(|p| p.wins), Some(1));
    // asking changes nothing: the dead stay dead through the break
    for _ in 0..20 {
        arena.respawn(b);
        arena.step();
        assert!(arena.is_dead(b), "no respawn before the next round");
    }
    // a late joiner waits too
    let late = arena.add_player("late", 0x123456, None);
    arena.respawn(late);
    arena.step();
    assert!(arena.is_dead(late));
    // the break ends: a new round, everyone in it, fresh
    for _ in 0..10 {
        arena.step();
    }
    let round = arena.round().expect("a round");
    assert_eq!((round.phase, round.number), (RoundPhase::Playing, 2));
    for id in [a, b, late] {
        assert!(!arena.is_dead(id), "{id:?} is in the new round");
    }
    let start = arena.config().player_start_size;
    let a_mass = arena.player(a).map(|p| p.mass).unwrap_or(0.0);
    assert!(
        (a_mass - start * start / 100.0).abs() < 1.0,
        "a fresh start: {a_mass}"
    );
}

#[test]
fn lms_at_the_time_limit_the_heaviest_wins() {
    let mut arena = Arena::new(quiet(Mode::Lms), 4).expect("arena");
    let light = arena.add_player("light", 0x123456, None);
    let heavy = arena.add_player("heavy", 0x123456, None);
    arena.step();
    let far = Vec2::new(6_000.0, 6_000.0);
    arena.place_player_cell(heavy, far, 500.0);
    let limit = (4.0 * arena.config().tick_rate as f32) as usize;
    for _ in 0..limit - 2 {
        arena.step();
        assert_eq!(arena.round().map(|r| r.phase), Some(RoundPhase::Playing));
    }
    for _ in 0..3 {
        arena.step();
    }
    let round = arena.round().expect("a round");
    assert_eq!(
        (round.phase, round.winner),
        (RoundPhase::Break, Some(heavy))
    );
    assert!(!arena.is_dead(light), "nobody was eaten: the time ran out");
}

#[test]
fn every_mode_is_deterministic_and_the_modes_differ() {
    let run = |mode: Mode, seed: u64| {
        let mut arena = arena_with_bots("forager:8,hunter:6,survivor:6", seed);
        let config = SimConfig {
            mode,
            lms_round_seconds: 8.0,
            lms_break_seconds: 2.0,
            ..arena.config().clone()
        };
        let mut fresh = Arena::new(config, seed).expect("arena");
        for player in arena.players() {
            fresh.add_player(&player.name, player.color, player.strategy);
        }
        for _ in 0..600 {
            fresh.step();
        }
        fresh.state_hash()
    };
    let mut hashes = Vec::new();
    for mode in Mode::ALL {
        let first = run(mode, 11);
        assert_eq!(first, run(mode, 11), "{mode} replays exactly");
        assert_ne!(first, run(mode, 12), "{mode} depends on the seed");
        hashes.push(first);
    }
    hashes.dedup();
    assert_eq!(hashes.len(), 3, "the modes play differently");
}
