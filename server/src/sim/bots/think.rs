//! The system that runs every bot's brain.

use bevy_ecs::prelude::*;

use super::Bot;
use super::perception::{Me, perceive};
use crate::sim::components::*;
use crate::sim::grid::{FoodGrid, MobileGrid};
use crate::sim::modes::Team;
use crate::sim::resources::{Rules, Tick};
use crate::sim::rng::mix;
use crate::sim::rules::{clamp_to_border, size_of};

/// How far ahead of its cell a bot puts its target: far enough that it always moves at full speed.
const TARGET_LEAD: f32 = 1_000.0;

/// Each bot decides every `bot_think_interval_ticks`, staggered by id so the work is spread
/// evenly over ticks; between decisions it keeps its last input, like a person's mouse.
pub fn bots_think(
    rules: Res<Rules>,
    tick: Res<Tick>,
    food: Res<FoodGrid>,
    mobile: Res<MobileGrid>,
    mut bots: Query<(&Player, &OwnedCells, &mut Controls, &mut Bot, Option<&Team>)>,
    cells: Query<(&Position, &Mass)>,
) {
    let config = &rules.0;
    let interval = u64::from(config.bot_think_interval_ticks);
    for (player, owned, mut controls, mut bot, team) in &mut bots {
        if !(tick.0 + u64::from(player.id.0)).is_multiple_of(interval) || owned.0.is_empty() {
            continue;
        }
        let Some(mut me) = summarise(player.id, &owned.0, &cells) else {
            continue;
        };
        me.team = team.map_or(0, |t| t.0);
        let sight = perceive(&me, config, &food, &mobile);
        let roll = mix(tick.0, u64::from(player.id.0));
        let decision = bot.0.decide(&me, &sight, roll);
        let (target, _, _) =
            clamp_to_border(me.position + decision.heading * TARGET_LEAD, 0.0, config);
        controls.target = target;
        controls.split |= decision.split;
        controls.eject |= decision.eject;
    }
}

fn summarise(id: PlayerId, owned: &[Entity], cells: &Query<(&Position, &Mass)>) -> Option<Me> {
    let cells = owned.iter().filter_map(|&c| cells.get(c).ok());
    Me::from_cells(
        id,
        cells.map(|(position, mass)| (position.0, size_of(mass.0))),
    )
}
