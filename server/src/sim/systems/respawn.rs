use bevy_ecs::prelude::*;
use glam::Vec2;

use crate::sim::bots::Bot;
use crate::sim::components::*;
use crate::sim::grid::MobileGrid;
use crate::sim::modes::{Mode, Round};
use crate::sim::resources::{IdCounters, Rules, Tick};
use crate::sim::rng::SimRng;
use crate::sim::rules::mass_of;
use crate::sim::spawn::{self, random_position};

/// How many random spots a spawn tries before settling for the last one.
const SPAWN_ATTEMPTS: usize = 8;

/// Brings players with no cells back: people when they ask (`Controls::respawn` latched by the
/// host), bots on their own after `bot_respawn_ticks`. New cells start at the start size on a
/// spot with no bigger player cell nearby. In last man standing nobody comes back on their own:
/// everyone spawns together when a round starts (`Round::spawn_all`), and not before.
pub fn respawn_players(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    round: Res<Round>,
    mut ids: ResMut<IdCounters>,
    mut rng: ResMut<SimRng>,
    grid: Res<MobileGrid>,
    mut players: Query<(
        Entity,
        &Player,
        &mut Controls,
        &mut OwnedCells,
        &mut PlayerStats,
        Has<Bot>,
    )>,
) {
    let config = &rules.0;
    for (entity, player, mut controls, mut owned, mut stats, is_bot) in &mut players {
        if !owned.0.is_empty() {
            controls.respawn = false;
            continue;
        }
        let bot_ready = is_bot
            && stats.died_tick.is_none_or(|died| {
                tick.0.saturating_sub(died) >= u64::from(config.bot_respawn_ticks)
            });
        let wanted = match config.mode {
            Mode::Lms => round.spawn_all,
            Mode::Ffa | Mode::Teams => controls.respawn || bot_ready,
        };
        if !wanted {
            continue;
        }
        controls.respawn = false;
        let position = safe_spawn_position(config, &mut rng, &grid);
        let cell = commands
            .spawn(spawn::player_cell(
                ids.cell(),
                entity,
                player.id,
                position,
                mass_of(config.player_start_size),
                tick.0,
                Boost::default(),
            ))
            .id();
        owned.0.push(cell);
        controls.target = position;
        stats.died_tick = None;
    }
}

fn safe_spawn_position(
    config: &crate::sim::SimConfig,
    rng: &mut SimRng,
    grid: &MobileGrid,
) -> Vec2 {
    let mut position = random_position(config, rng);
    for _ in 0..SPAWN_ATTEMPTS {
        let mut safe = true;
        grid.0
            .for_each_within(position, config.player_max_size * 2.0, |e| {
                if matches!(e.kind, CellKind::Player | CellKind::Virus)
                    && e.position.distance(position) < e.size + config.player_start_size * 4.0
                {
                    safe = false;
                }
            });
        if safe {
            break;
        }
        position = random_position(config, rng);
    }
    position
}
