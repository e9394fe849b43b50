use bevy_ecs::prelude::*;

use crate::sim::components::*;
use crate::sim::modes::{Mode, Round, RoundPhase};
use crate::sim::resources::{Rules, Tick};

/// Last man standing: advances the round. A round ends when one player is left alive (if it
/// started with two or more) or when its time runs out; the one alive, or the heaviest alive at
/// the time limit, wins (ties to the lower id). Then a break; then every player's cells are
/// cleared and everyone spawns together (`Round::spawn_all`, read by `respawn_players` right
/// after this system). Late joiners wait, dead, for the next round.
pub fn lms_round(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut round: ResMut<Round>,
    mut players: Query<(&Player, &mut OwnedCells, &mut PlayerStats)>,
) {
    let config = &rules.0;
    if config.mode != Mode::Lms {
        return;
    }
    round.spawn_all = false;
    let elapsed = tick.0.saturating_sub(round.since);
    let ticks = |seconds: f32| (seconds * config.tick_rate as f32).round().max(1.0) as u64;
    match round.phase {
        RoundPhase::Playing => {
            let alive = players.iter().filter(|(_, o, _)| !o.0.is_empty()).count();
            let eliminated = round.started_with >= 2 && alive <= 1;
            if eliminated || elapsed >= ticks(config.lms_round_seconds) {
                end_round(&mut round, tick.0, &mut players);
            }
        }
        RoundPhase::Break if elapsed < ticks(config.lms_break_seconds) => {}
        RoundPhase::Starting | RoundPhase::Break => {
            for (_, mut owned, mut stats) in &mut players {
                for cell in owned.0.drain(..) {
                    commands.entity(cell).despawn();
                }
                stats.died_tick.get_or_insert(tick.0);
            }
            *round = Round {
                phase: RoundPhase::Playing,
                number: round.number + 1,
                since: tick.0,
                started_with: players.iter().count() as u32,
                spawn_all: true,
                winner: round.winner,
            };
        }
    }
}

/// The heaviest player alive wins (the only one, after an elimination).
fn end_round(
    round: &mut Round,
    now: u64,
    players: &mut Query<(&Player, &mut OwnedCells, &mut PlayerStats)>,
) {
    let winner = players
        .iter()
        .filter(|(_, owned, _)| !owned.0.is_empty())
        .max_by(|(a, _, a_stats), (b, _, b_stats)| {
            a_stats.mass.total_cmp(&b_stats.mass).then(b.id.cmp(&a.id))
        })
        .map(|(p, _, _)| p.id);
    if let Some(id) = winner
        && let Some((_, _, mut stats)) = players.iter_mut().find(|(p, _, _)| p.id == id)
    {
        stats.wins += 1;
    }
    round.phase = RoundPhase::Break;
    round.since = now;
    round.winner = winner;
}
