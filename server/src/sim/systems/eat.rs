use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::grid::{FoodGrid, GridEntry, MobileGrid};
use crate::sim::resources::{Eaten, PendingEffects, Rules, Tick, TickEvents};
use crate::sim::rules::{can_eat, mass_of, overlaps_enough, recombine_ticks, size_of};
use crate::sim::spawn::Virus;

/// Everything that eats, in one pass: player cells eat food, ejected mass, viruses and smaller
/// cells of other players, and merge with their own cells once both may; viruses swallow ejected
/// mass. Eaten cells get mass 0 at once, so nothing is eaten twice and a cell that was just eaten
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
    mut cells: Query<(
        &CellId,
        &Position,
        &mut Mass,
        Option<&PlayerCell>,
        Option<&Boost>,
    )>,
) {
    let config = &rules.0;
    let viruses_full = viruses.count() >= config.virus_max_count as usize;
    let grace = u64::from(config.split_grace_ticks);

    for (eater, eater_kind) in &eaters {
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
        match eater_kind {
            CellKind::Player => {
                food_grid
                    .0
                    .for_each_within(eater_pos, reach, |e| candidates.push(*e));
                mobile_grid.0.for_each_within(eater_pos, reach, |e| {
                    if e.entity != eater {
                        candidates.push(*e);
                    }
                });
            }
            CellKind::Virus if !viruses_full => {
                mobile_grid.0.for_each_within(eater_pos, reach, |e| {
                    if e.kind == CellKind::Ejected {
                        candidates.push(*e);
                    }
                });
            }
            _ => continue,
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
            if prey_mass.0 <= 0.0 {
                continue;
            }
            let prey_size = size_of(prey_mass.0);
            let distance = prey_pos.0.distance(eater_pos);
            let same_owner =
                matches!((eater_cell, prey_cell), (Some(a), Some(b)) if a.owner == b.owner);
            let eats = if same_owner {
                let (Some(a), Some(b)) = (eater_cell, prey_cell) else {
                    continue;
                };
                let (a_age, b_age) = (
                    tick.0.saturating_sub(a.born_tick),
                    tick.0.saturating_sub(b.born_tick),
                );
                let bigger =
                    eater_size > prey_size || (eater_size == prey_size && eater_id < prey_id);
                a_age >= grace
                    && b_age >= grace
                    && a_age >= recombine_ticks(eater_size, config)
                    && b_age >= recombine_ticks(prey_size, config)
                    && bigger
                    && overlaps_enough(eater_size, prey_size, distance, config)
            } else {
                can_eat(eater_size, prey_size, distance, config)
            };
            if !eats {
                continue;
            }

            let gained = prey_mass.0;
            let shot_direction = prey_boost.map(|b| b.direction).unwrap_or(glam::Vec2::X);
            let prey_owner = prey_cell.map(|c| c.owner_id);
            if let Ok((_, _, mut prey_mass, _, _)) = cells.get_mut(candidate.entity) {
                prey_mass.0 = 0.0;
            }
            let Ok((_, _, mut eater_mass, _, _)) = cells.get_mut(eater) else {
                continue;
            };
            eater_mass.0 += gained;
            match (eater_kind, candidate.kind) {
                (CellKind::Player, CellKind::Virus) => pending.pops.push(eater),
                (CellKind::Virus, _) if size_of(eater_mass.0) >= config.virus_max_size => {
                    eater_mass.0 = mass_of(config.virus_min_size);
                    pending.virus_shots.push((eater_pos, shot_direction));
                }
                (_, CellKind::Food) => {
                    food_grid.0.remove(candidate.entity, candidate.position);
                }
                _ => {}
            }
            events.eaten.push(Eaten {
                eater: eater_id,
                eaten: prey_id,
                eater_owner: eater_cell.map(|c| c.owner_id),
                eaten_owner: prey_owner,
            });
            pending.eaten.push(candidate.entity);
        }
    }
}
