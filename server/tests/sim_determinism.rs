//! The arena is a function of (seed, settings, input sequence): replaying gives the same world,
//! and a long bots-only match keeps every invariant.

use glam::Vec2;
use petri_server::sim::CellKind;
use petri_server::testkit::arena_with_bots;

fn run(bots: &str, ticks: u64, seed: u64) -> u64 {
    let mut arena = arena_with_bots(bots, seed);
    for _ in 0..ticks {
        arena.step();
    }
    arena.state_hash()
}

#[test]
fn the_same_seed_gives_the_same_world() {
    let bots = "forager:10,hunter:10,survivor:10";
    assert_eq!(run(bots, 1500, 42), run(bots, 1500, 42));
}

#[test]
fn a_different_seed_gives_a_different_world() {
    let bots = "forager:10,hunter:10,survivor:10";
    assert_ne!(run(bots, 300, 1), run(bots, 300, 2));
}

#[test]
fn the_same_inputs_replay_exactly_and_different_inputs_diverge() {
    let play = |steer_right: bool| {
        let mut arena = arena_with_bots("hunter:5,forager:5", 9);
        let person = arena.add_player("person", 0x00ff00, None);
        arena.respawn(person);
        for tick in 0..600u32 {
            let angle = tick as f32 * 0.05;
            let x = if steer_right { 1000.0 } else { -1000.0 };
            arena.set_target(person, Vec2::new(x * angle.cos(), 1000.0 * angle.sin()));
            if tick % 97 == 0 {
                arena.split(person);
            }
            if tick % 31 == 0 {
                arena.eject(person);
            }
            if tick % 200 == 0 {
                arena.respawn(person);
            }
            arena.step();
        }
        arena.state_hash()
    };
    assert_eq!(play(true), play(true));
    assert_ne!(play(true), play(false));
}

#[test]
fn a_long_bots_only_match_keeps_every_invariant() {
    let mut arena = arena_with_bots("forager:40,hunter:40,survivor:20", 2024);
    let config = arena.config().clone();
    let half = Vec2::new(config.border_width, config.border_height) / 2.0;
    let mut saw_eating = false;
    let mut saw_deaths = false;
    for tick in 1..=7500 {
        arena.step();
        saw_eating |= !arena.events().eaten.is_empty();
        saw_deaths |= !arena.events().deaths.is_empty();
        if tick % 250 != 0 {
            continue;
        }
        let cells = arena.cells();
        for c in &cells {
            assert!(
                c.position.is_finite() && c.mass.is_finite(),
                "tick {tick}: {c:?}"
            );
            assert!(
                c.mass > 0.0,
                "tick {tick}: an eaten cell survived the tick: {c:?}"
            );
            assert!(
                c.position.x.abs() <= half.x && c.position.y.abs() <= half.y,
                "tick {tick}: outside the map: {c:?}"
            );
        }
        let food = cells.iter().filter(|c| c.kind == CellKind::Food).count();
        let viruses = cells.iter().filter(|c| c.kind == CellKind::Virus).count();
        assert!(
            food <= config.food_target_count as usize,
            "tick {tick}: {food} food"
        );
        assert!(
            viruses <= config.virus_max_count as usize,
            "tick {tick}: {viruses} viruses"
        );
        for p in arena.players() {
            assert!(
                p.cells <= config.player_max_cells as usize,
                "tick {tick}: {p:?}"
            );
            let owned = cells.iter().filter(|c| c.owner == Some(p.id)).count();
            assert_eq!(
                owned, p.cells,
                "tick {tick}: the player's list matches its cells"
            );
            assert!(p.mass.is_finite() && p.mass >= 0.0);
        }
        let board = &arena.leaderboard().ranking;
        assert!(
            board.windows(2).all(|w| w[0].mass >= w[1].mass),
            "tick {tick}: leaderboard sorted"
        );
    }
    assert!(saw_eating && saw_deaths, "a real match happened");
}
