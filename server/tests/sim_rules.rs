//! Each classic rule pinned by a scene built cell by cell. The map is emptied of food and
//! viruses (and decay switched off) unless the rule under test needs them, so nothing but the
//! rule can change the outcome.

use glam::Vec2;
use petri_server::sim::rules::{mass_of, recombine_ticks, size_of, speed};
use petri_server::sim::{Arena, Boost, CellKind, PlayerId, SimConfig};

fn quiet_config() -> SimConfig {
    SimConfig {
        food_target_count: 0,
        virus_min_count: 0,
        player_decay_rate: 0.0,
        ..SimConfig::default()
    }
}

fn arena() -> Arena {
    Arena::new(quiet_config(), 7).expect("valid config")
}

/// A person holding still: its target is where its cell is.
fn person_at(arena: &mut Arena, position: Vec2, mass: f32) -> PlayerId {
    let id = arena.add_player("person", 0xff0000, None);
    arena
        .place_player_cell(id, position, mass)
        .expect("player exists");
    arena.set_target(id, position);
    id
}

fn cells_of(arena: &mut Arena, id: PlayerId) -> Vec<petri_server::sim::CellView> {
    arena
        .cells()
        .into_iter()
        .filter(|c| c.owner == Some(id))
        .collect()
}

fn count(arena: &mut Arena, kind: CellKind) -> usize {
    arena.cells().iter().filter(|c| c.kind == kind).count()
}

fn total_mass(arena: &mut Arena, id: PlayerId) -> f32 {
    cells_of(arena, id).iter().map(|c| c.mass).sum()
}

#[test]
fn cells_steer_toward_the_target_and_big_cells_are_slower() {
    let mut a = arena();
    let small = person_at(&mut a, Vec2::new(0.0, 0.0), 10.0);
    let big = person_at(&mut a, Vec2::new(0.0, 2000.0), 1000.0);
    a.set_target(small, Vec2::new(5000.0, 0.0));
    a.set_target(big, Vec2::new(5000.0, 2000.0));
    a.step();
    let moved_small = cells_of(&mut a, small)[0].position.x;
    let moved_big = cells_of(&mut a, big)[0].position.x;
    let config = quiet_config();
    assert!(
        (moved_small - speed(size_of(10.0), &config)).abs() < 1e-3,
        "small moved {moved_small}"
    );
    assert!(
        (moved_big - speed(size_of(1000.0), &config)).abs() < 1e-3,
        "big moved {moved_big}"
    );
    assert!(moved_small > moved_big * 2.0);
    // a cell never overshoots its target
    a.set_target(small, Vec2::new(moved_small + 3.0, 0.0));
    a.step();
    assert!((cells_of(&mut a, small)[0].position.x - (moved_small + 3.0)).abs() < 1e-3);
}

#[test]
fn the_border_holds_cells_and_bounces_boosts() {
    let mut a = arena();
    let config = quiet_config();
    let edge = config.border_width / 2.0;
    let p = person_at(&mut a, Vec2::new(edge - 100.0, 0.0), 100.0);
    a.set_target(p, Vec2::new(1.0e9, 0.0));
    let blob = a.place_ejected(
        Vec2::new(-edge + 50.0, 0.0),
        13.0,
        Boost {
            direction: Vec2::NEG_X,
            distance: 780.0,
        },
    );
    for _ in 0..60 {
        a.step();
    }
    let cell = cells_of(&mut a, p)[0];
    assert!(
        cell.position.x <= edge,
        "player cell left the map: {:?}",
        cell.position
    );
    assert!(
        cell.position.x > edge - 100.0,
        "player cell should have pressed on toward the border"
    );
    let blob = a.cell(blob).expect("blob still exists");
    assert!(
        blob.position.x > -edge + 50.0,
        "the blob should have bounced back into the map: {:?}",
        blob.position
    );
}

#[test]
fn cells_eat_food_they_cover() {
    let mut a = arena();
    let p = person_at(&mut a, Vec2::ZERO, 10.0);
    let near = a.place_food(Vec2::new(20.0, 0.0), 1.0);
    let far = a.place_food(Vec2::new(200.0, 0.0), 1.0);
    a.step();
    assert!(a.cell(near).is_none(), "covered food is eaten");
    assert!(a.cell(far).is_some(), "food out of reach stays");
    assert!((total_mass(&mut a, p) - 11.0).abs() < 1e-4);
    assert_eq!(a.events().eaten.len(), 1);
}

#[test]
fn eating_a_player_needs_the_size_ratio() {
    let mut a = arena();
    let big = person_at(&mut a, Vec2::ZERO, 100.0);
    // size ratio sqrt(100/80) = 1.118 < 1.15: no meal
    let close = person_at(&mut a, Vec2::new(10.0, 0.0), 80.0);
    a.step();
    assert_eq!(cells_of(&mut a, close).len(), 1);
    // sqrt(100/70) = 1.195 >= 1.15: eaten, a death with its killer
    let small = person_at(&mut a, Vec2::new(-10.0, 0.0), 70.0);
    a.step();
    assert!(cells_of(&mut a, small).is_empty());
    let death = a
        .events()
        .deaths
        .iter()
        .find(|d| d.player == small)
        .copied()
        .expect("a death");
    assert_eq!(death.killer, Some(big));
    assert_eq!(a.player(big).expect("exists").kills, 1);
    assert_eq!(a.player(small).expect("exists").deaths, 1);
}

#[test]
fn eating_a_player_needs_the_overlap() {
    let mut a = arena();
    let _big = person_at(&mut a, Vec2::ZERO, 100.0); // size 100
    // size 70.7: must be closer than 100 - 70.7/3 = 76.4
    let prey = person_at(&mut a, Vec2::new(80.0, 0.0), 50.0);
    a.step();
    assert_eq!(cells_of(&mut a, prey).len(), 1, "touching is not eating");
    let cell = cells_of(&mut a, prey)[0];
    a.remove_player(prey);
    let prey = person_at(&mut a, cell.position - Vec2::new(8.0, 0.0), 50.0);
    a.step();
    assert!(cells_of(&mut a, prey).is_empty(), "covered enough: eaten");
}

#[test]
fn split_halves_cells_and_throws_the_new_half_forward() {
    let mut a = arena();
    let p = person_at(&mut a, Vec2::ZERO, 100.0);
    a.set_target(p, Vec2::new(0.0, 3000.0));
    a.split(p);
    a.step();
    let cells = cells_of(&mut a, p);
    assert_eq!(cells.len(), 2);
    for c in &cells {
        assert!((c.mass - 50.0).abs() < 1e-3);
    }
    for _ in 0..10 {
        a.step();
    }
    let cells = cells_of(&mut a, p);
    let ahead = cells.iter().map(|c| c.position.y).fold(f32::MIN, f32::max);
    let behind = cells.iter().map(|c| c.position.y).fold(f32::MAX, f32::min);
    assert!(
        ahead - behind > 300.0,
        "the split half flew forward: {cells:?}"
    );
}

#[test]
fn split_stops_at_sixteen_cells_and_at_the_minimum_size() {
    let mut a = arena();
    let p = person_at(&mut a, Vec2::ZERO, 10_000.0);
    for _ in 0..6 {
        a.split(p);
        a.step();
    }
    assert_eq!(cells_of(&mut a, p).len(), 16);
    let tiny = person_at(&mut a, Vec2::new(3000.0, 3000.0), mass_of(55.0));
    a.split(tiny);
    a.step();
    assert_eq!(
        cells_of(&mut a, tiny).len(),
        1,
        "below the minimum split size nothing happens"
    );
}

#[test]
fn eject_costs_mass_shoots_a_blob_and_has_a_cooldown() {
    let mut a = arena();
    let config = quiet_config();
    let p = person_at(&mut a, Vec2::ZERO, 100.0);
    a.set_target(p, Vec2::new(1000.0, 0.0));
    a.eject(p);
    a.step();
    assert!((total_mass(&mut a, p) - (100.0 - mass_of(config.eject_size_loss))).abs() < 1e-3);
    assert_eq!(count(&mut a, CellKind::Ejected), 1);
    a.eject(p);
    a.step();
    assert_eq!(
        count(&mut a, CellKind::Ejected),
        1,
        "cooldown holds the second eject"
    );
    for _ in 0..5 {
        a.step();
    }
    let blob = a
        .cells()
        .into_iter()
        .find(|c| c.kind == CellKind::Ejected)
        .expect("blob");
    assert!((blob.mass - mass_of(config.eject_size)).abs() < 1e-3);
    assert!(
        blob.position.x > 300.0,
        "the blob flies toward the target: {blob:?}"
    );
    let small = person_at(&mut a, Vec2::new(-3000.0, 0.0), 30.0);
    a.eject(small);
    a.step();
    assert!(
        (total_mass(&mut a, small) - 30.0).abs() < 1e-4,
        "too small to eject"
    );
}

#[test]
fn own_cells_push_apart_until_they_may_merge_then_merge() {
    let mut a = arena();
    let config = quiet_config();
    let p = person_at(&mut a, Vec2::ZERO, 400.0);
    a.set_target(p, Vec2::new(0.0, 10.0));
    a.split(p);
    for _ in 0..60 {
        a.step();
        a.set_target(p, Vec2::ZERO);
    }
    let cells = cells_of(&mut a, p);
    assert_eq!(cells.len(), 2);
    let gap = cells[0].position.distance(cells[1].position);
    assert!(
        gap >= cells[0].size() + cells[1].size() - 1.0,
        "own cells stay apart while they may not merge: gap {gap}"
    );
    // once both are older than the recombine time, they pull together and merge
    let wait = recombine_ticks(size_of(200.0), &config); // each half weighs 200
    for _ in 0..wait - 100 {
        a.step();
    }
    assert_eq!(
        cells_of(&mut a, p).len(),
        2,
        "not before the recombine time"
    );
    for _ in 0..300 {
        a.step();
        if cells_of(&mut a, p).len() == 1 {
            break;
        }
    }
    let cells = cells_of(&mut a, p);
    assert_eq!(cells.len(), 1, "merged");
    assert!((cells[0].mass - 400.0).abs() < 1e-2);
}

#[test]
fn recombine_time_grows_with_size() {
    let config = quiet_config();
    let base = recombine_ticks(size_of(100.0), &config);
    assert_eq!(base, 30 * 25);
    assert!(recombine_ticks(size_of(10_000.0), &config) > base);
}

#[test]
fn big_cells_decay_once_a_second_small_ones_do_not() {
    let config = SimConfig {
        player_decay_rate: 0.002,
        ..quiet_config()
    };
    let mut a = Arena::new(config.clone(), 1).expect("valid");
    let big = person_at(&mut a, Vec2::ZERO, 1000.0);
    let small = person_at(
        &mut a,
        Vec2::new(3000.0, 0.0),
        mass_of(config.player_min_size),
    );
    for _ in 0..config.tick_rate {
        a.step();
    }
    assert!(
        (total_mass(&mut a, big) - 998.0).abs() < 1e-2,
        "one second of decay"
    );
    assert!((total_mass(&mut a, small) - mass_of(config.player_min_size)).abs() < 1e-4);
}

#[test]
fn food_tops_up_to_its_target_and_no_further() {
    let config = SimConfig {
        food_target_count: 100,
        food_spawn_amount: 30,
        ..quiet_config()
    };
    let mut a = Arena::new(config.clone(), 3).expect("valid");
    assert_eq!(count(&mut a, CellKind::Food), 100, "the map starts full");
    let food = a
        .cells()
        .into_iter()
        .find(|c| c.kind == CellKind::Food)
        .expect("food");
    person_at(&mut a, food.position, 30.0);
    a.step();
    assert!(
        count(&mut a, CellKind::Food) < 100,
        "a cell placed on food ate it"
    );
    for _ in 0..(config.food_spawn_interval_ticks * 2) {
        a.step();
    }
    assert_eq!(count(&mut a, CellKind::Food), 100, "refilled");
    for _ in 0..(config.food_spawn_interval_ticks * 3) {
        a.step();
    }
    assert_eq!(count(&mut a, CellKind::Food), 100, "never above the target");
}

#[test]
fn a_big_cell_that_eats_a_virus_pops() {
    let mut a = arena();
    let config = quiet_config();
    let virus_mass = mass_of(config.virus_min_size);
    let p = person_at(&mut a, Vec2::ZERO, 400.0); // size 200 >= 1.15 * 100
    a.place_virus(Vec2::new(30.0, 0.0), virus_mass);
    a.step();
    assert_eq!(count(&mut a, CellKind::Virus), 0);
    let cells = cells_of(&mut a, p);
    assert!(cells.len() > 2, "popped into pieces: {}", cells.len());
    assert!(
        (total_mass(&mut a, p) - (400.0 + virus_mass)).abs() < 1e-2,
        "mass is conserved"
    );
    // a cell no bigger than the virus passes over it
    let small = person_at(&mut a, Vec2::new(4000.0, 0.0), 100.0);
    a.place_virus(Vec2::new(4010.0, 0.0), virus_mass);
    a.step();
    assert_eq!(cells_of(&mut a, small).len(), 1);
    assert_eq!(count(&mut a, CellKind::Virus), 1);
}

#[test]
fn a_fed_virus_shoots_a_new_one() {
    let mut a = arena();
    let config = quiet_config();
    let virus = a.place_virus(Vec2::ZERO, mass_of(config.virus_min_size));
    let blob = mass_of(config.eject_size);
    let mut feeds = 0;
    while count(&mut a, CellKind::Virus) == 1 && feeds < 20 {
        a.place_ejected(
            Vec2::new(-60.0, 0.0),
            blob,
            Boost {
                direction: Vec2::X,
                distance: 100.0,
            },
        );
        a.step();
        feeds += 1;
    }
    // 100 mass grows past 200 after 8 blobs of 13
    assert_eq!(feeds, 8);
    assert_eq!(count(&mut a, CellKind::Virus), 2);
    let original = a.cell(virus).expect("the fed virus stays");
    assert!(
        (original.mass - mass_of(config.virus_min_size)).abs() < 1e-3,
        "and shrinks back"
    );
    for _ in 0..20 {
        a.step();
    }
    let shot = a
        .cells()
        .into_iter()
        .find(|c| c.kind == CellKind::Virus && c.id != virus)
        .expect("shot");
    assert!(
        shot.position.x > 300.0,
        "the new virus flies on in the blobs' direction: {shot:?}"
    );
}

#[test]
fn cells_past_the_maximum_size_split_by_themselves() {
    let mut a = arena();
    let config = quiet_config();
    let p = person_at(&mut a, Vec2::ZERO, mass_of(config.player_max_size) + 100.0);
    a.step();
    assert_eq!(cells_of(&mut a, p).len(), 2);
}

#[test]
fn bad_targets_never_reach_the_sim() {
    let mut a = arena();
    let p = person_at(&mut a, Vec2::ZERO, 10.0);
    a.set_target(p, Vec2::new(f32::NAN, 0.0));
    a.set_target(p, Vec2::new(f32::INFINITY, f32::NEG_INFINITY));
    a.step();
    assert_eq!(cells_of(&mut a, p)[0].position, Vec2::ZERO);
    a.set_target(p, Vec2::new(1.0e30, -1.0e30));
    for _ in 0..5 {
        a.step();
    }
    let c = cells_of(&mut a, p)[0];
    assert!(c.position.is_finite() && c.position.x > 0.0 && c.position.y < 0.0);
}
