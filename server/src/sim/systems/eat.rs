use bevy_ecs::prelude::*;

use crate::sim::SimConfig;
use crate::sim::components::*;
use crate::sim::grid::{FoodGrid, GridEntry, MobileGrid, SpatialGrid};
use crate::sim::modes::{Mode, Team};
use crate::sim::resources::{Eaten, PendingEffects, Rules, Tick, TickEvents};
use crate::sim::rules::{MergeSide, can_eat, mass_of, may_merge, size_of};
use crate::sim::spawn::Virus;

/// What the eat rule reads (and, for mass, writes) of every cell.
type Edible = (
    &'static CellId,
    &'static Position,
    &'static mut Mass,
    Option<&'static PlayerCell>,
    Option<&'static Boost>,
);

/// Everything that eats, in one pass: player cells eat food, ejected mass, viruses and smaller
/// cells of other players, and merge with their own cells once both may; viruses swallow ejected
/// mass; cells of one team never eat each other (`teammates`). Eaten cells get mass 0 at once, so nothing is eaten twice and a cell that was just eaten
/// eats nothing after; their removal and the effects that spawn cells (virus pops and shots) are
/// left to the systems that follow.
pub fn eat(
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut food_grid: ResMut<FoodGrid>,
    mobile_grid: Res<MobileGrid>,
    mut events: ResMut<TickEvents>,
    mut pending: ResMut<PendingEffects>,
    mut candidates: Local<Vec<GridEntry>>,
    eaters: Query<(Entity, &CellKind), With<Boost>>,
    viruses: Query<(), With<Virus>>,
    teams: Query<&Team>,
    mut cells: Query<Edible>,
) {
    let config = &rules.0;
    let viruses_full = viruses.count() >= config.virus_max_count as usize;
    let teamed = config.mode == Mode::Teams;

    for (eater, &eater_kind) in &eaters {
        let Ok((&eater_id, eater_pos, eater_mass, eater_cell, _)) = cells.get(eater) else {
            continue;
        };
        if eater_mass.0 <= 0.0 {
            continue;
        }
        let eater_pos = eater_pos.0;
        let eater_cell = eater_cell.copied();
        let reach = size_of(eater_mass.0);
        candidates.clear();
        let grids = (&food_grid.0, &mobile_grid.0);
        if !gather(
            eater,
            eater_kind,
            eater_pos,
            reach,
            viruses_full,
            grids,
            &mut candidates,
        ) {
            continue;
        }

        for candidate in candidates.iter() {
            let Ok((_, _, now, _, _)) = cells.get(eater) else {
                break;
            };
            let eater_size = size_of(now.0);
            let Ok((&prey_id, prey_pos, prey_mass, prey_cell, prey_boost)) =
                cells.get(candidate.entity)
            else {
                continue;
            };
            if prey_mass.0 <= 0.0 || (teamed && teammates(&teams, eater_cell, prey_cell)) {
                continue;
            }
            let distance = prey_pos.0.distance(eater_pos);
            let eater_side = (eater_id, eater_size, eater_cell);
            let prey_side = (prey_id, size_of(prey_mass.0), prey_cell.copied());
            if !eats(eater_side, prey_side, distance, tick.0, config) {
                continue;
            }

            let meal = Meal {
                eater,
                kind: eater_kind,
                at: eater_pos,
                eaten: Eaten {
                    eater: eater_id,
                    eaten: prey_id,
                    eater_owner: eater_cell.map(|c| c.owner_id),
                    eaten_owner: prey_cell.map(|c| c.owner_id),
                },
                shot_direction: prey_boost.map_or(glam::Vec2::X, |b| b.direction),
            };
            let out = (&mut *events, &mut *pending, &mut food_grid.0);
            swallow(&mut cells, meal, candidate, config, out);
        }
    }
}

/// What `eater` might eat this tick, in grid order: for a player cell, food and every other
/// mobile cell in reach; for a virus (while there is room for another), ejected mass. `false`
/// when this kind eats nothing.
fn gather(
    eater: Entity,
    kind: CellKind,
    at: glam::Vec2,
    reach: f32,
    viruses_full: bool,
    (food, mobile): (&SpatialGrid, &SpatialGrid),
    candidates: &mut Vec<GridEntry>,
) -> bool {
    match kind {
        CellKind::Player => {
            food.for_each_within(at, reach, |e| candidates.push(*e));
            mobile.for_each_within(at, reach, |e| {
                if e.entity != eater {
                    candidates.push(*e);
                }
            });
            true
        }
        CellKind::Virus if !viruses_full => {
            mobile.for_each_within(at, reach, |e| {
                if e.kind == CellKind::Ejected {
                    candidates.push(*e);
                }
            });
            true
        }
        _ => false,
    }
}

/// One cell eating another: who, where, what is reported, and the way the prey was moving.
struct Meal {
    eater: Entity,
    kind: CellKind,
    at: glam::Vec2,
    eaten: Eaten,
    shot_direction: glam::Vec2,
}

/// The eater takes the prey's mass and the prey is marked eaten (mass 0, removed by `reap`).
/// Then what follows from it: a player cell that ate a virus pops, a virus that grew too big
/// shoots a new one the way the prey was going (and shrinks back), eaten food leaves the grid.
fn swallow(
    cells: &mut Query<Edible>,
    meal: Meal,
    prey: &GridEntry,
    config: &SimConfig,
    (events, pending, food): (&mut TickEvents, &mut PendingEffects, &mut SpatialGrid),
) {
    let Ok((_, _, mut prey_mass, _, _)) = cells.get_mut(prey.entity) else {
        return;
    };
    let gained = std::mem::replace(&mut prey_mass.0, 0.0);
    let Ok((_, _, mut eater_mass, _, _)) = cells.get_mut(meal.eater) else {
        return;
    };
    eater_mass.0 += gained;
    match (meal.kind, prey.kind) {
        (CellKind::Player, CellKind::Virus) => pending.pops.push(meal.eater),
        (CellKind::Virus, _) if size_of(eater_mass.0) >= config.virus_max_size => {
            eater_mass.0 = mass_of(config.virus_min_size);
            pending.virus_shots.push((meal.at, meal.shot_direction));
        }
        (_, CellKind::Food) => {
            food.remove(prey.entity, prey.position);
        }
        _ => {}
    }
    events.eaten.push(meal.eaten);
    pending.eaten.push(prey.entity);
}

/// Whether two cells belong to different players of one team (never in a mode without teams:
/// no player has a `Team` there).
fn teammates(teams: &Query<&Team>, a: Option<PlayerCell>, b: Option<&PlayerCell>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) if a.owner != b.owner => {
            matches!((teams.get(a.owner), teams.get(b.owner)), (Ok(x), Ok(y)) if x == y)
        }
        _ => false,
    }
}

/// A cell as the eat rule weighs it: its id, its size, and whose it is (if a player's).
type Side = (CellId, f32, Option<PlayerCell>);

/// Whether `eater` eats `prey`: siblings merge by `rules::may_merge`, anything else is eaten by
/// `rules::can_eat`.
fn eats(eater: Side, prey: Side, distance: f32, now: u64, config: &SimConfig) -> bool {
    match (eater.2, prey.2) {
        (Some(a), Some(b)) if a.owner == b.owner => {
            let side = |(id, size, _): Side, cell: PlayerCell| MergeSide {
                id: id.0,
                size,
                born_tick: cell.born_tick,
            };
            may_merge(side(eater, a), side(prey, b), distance, now, config)
        }
        _ => can_eat(eater.1, prey.1, distance, config),
    }
}
