//! The arena is a function of (seed, settings, input sequence): replaying gives the same world,
//! and a long bots-only match keeps every invariant.

use glam::Vec2;
use petri_server::headless::runner::build_arena;
use petri_server::headless::{Lineup, MatchSettings};
use petri_server::sim::{Arena, CellKind, SimConfig};

fn settings(bots: &str, ticks: u64) -> MatchSettings {
    let lineup: Lineup = bots.parse().expect("valid lineup");
    MatchSettings {
        config: SimConfig::classic().scaled_for_players(lineup.total() as usize),
        lineup,
        ticks,
        history_every: 0,
    }
}

fn run(settings: &MatchSettings, seed: u64) -> u64 {
    let mut arena = build_arena(settings, seed).expect("valid");
    for _ in 0..settings.ticks {
        arena.step();
    }
    arena.state_hash()
}

#[test]
fn the_same_seed_gives_the_same_world() {
    let s = settings("forager:10,hunter:10,survivor:10", 1500);
    assert_eq!(run(&s, 42), run(&s, 42));
}

#[test]
fn a_different_seed_gives_a_different_world() {
    let s = settings("forager:10,hunter:10,survivor:10", 300);
    assert_ne!(run(&s, 1), run(&s, 2));
}

#[test]
fn the_same_inputs_replay_exactly_and_different_inputs_diverge() {
    let play = |steer_right: bool| {
        let mut arena = build_arena(&settings("hunter:5,forager:5", 0), 9).expect("valid");
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
    let s = settings("forager:40,hunter:40,survivor:20", 7500);
    let config = s.config.clone();
    let mut arena: Arena = build_arena(&s, 2024).expect("valid");
    let half = Vec2::new(config.border_width, config.border_height) / 2.0;
    let mut saw_eating = false;
    let mut saw_deaths = false;
    for tick in 1..=s.ticks {
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
