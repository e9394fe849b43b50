//! The order of one step. Every system runs in a fixed sequence on one thread: the order is part
//! of the rules (a cell that moved can be eaten where it arrived; food spawned this step cannot
//! be eaten until the next), and a fixed order is what makes a seed replay exactly.
//!
//! The phases are named by `Step` and chained in declaration order; the systems inside each phase
//! are chained too, so the whole step is one total order.

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::SingleThreadedExecutor;

use super::bots::think::bots_think;
use super::systems::*;

/// The phases of a step, in the order they run.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The tick counter and the per-tick event lists.
    Begin,
    /// Actions the players asked for.
    Act,
    /// Movement.
    Move,
    /// Eating and what follows from it.
    Eat,
    /// The slow rules.
    Slow,
    /// The world refills itself.
    Refill,
    /// What bots and per-client views see: the world as this step leaves it.
    Observe,
}

pub fn build() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.configure_sets(
        (
            Step::Begin,
            Step::Act,
            Step::Move,
            Step::Eat,
            Step::Slow,
            Step::Refill,
            Step::Observe,
        )
            .chain(),
    );
    schedule.add_systems(begin_tick::begin_tick.in_set(Step::Begin));
    schedule.add_systems(
        (split::split_cells, eject::eject_mass)
            .chain()
            .in_set(Step::Act),
    );
    schedule.add_systems(
        (
            steer::steer_player_cells,
            glide::glide_boosted_cells,
            border::keep_inside_border,
            push_apart::push_apart_own_cells,
            team_push::push_apart_teammates,
        )
            .chain()
            .in_set(Step::Move),
    );
    schedule.add_systems(
        (
            mobile_grid::rebuild_mobile_grid,
            eat::eat,
            virus_pop::pop_cells,
            virus_shoot::shoot_viruses,
            reap::reap_eaten_cells,
        )
            .chain()
            .in_set(Step::Eat),
    );
    schedule.add_systems(
        (auto_split::auto_split, decay::decay_mass)
            .chain()
            .in_set(Step::Slow),
    );
    schedule.add_systems(
        (
            spawn_food::spawn_food,
            spawn_viruses::spawn_viruses,
            lms_round::lms_round,
            respawn::respawn_players,
        )
            .chain()
            .in_set(Step::Refill),
    );
    schedule.add_systems(
        (
            mobile_grid::rebuild_mobile_grid,
            bots_think,
            tally::tally_player_mass,
            leaderboard::update_leaderboard,
            team_board::tally_teams,
        )
            .chain()
            .in_set(Step::Observe),
    );
    schedule
}

/// Runs after every step: clears the world's change trackers, as a bevy `App` does after every
/// update. A standalone `World` records every despawned entity's removed components until
/// `clear_trackers` runs (bevy_ecs 0.20, `RemovedComponentMessages`) and nothing here reads them:
/// without it a 100-bot match held 10 MB of removal records after 40,000 ticks, growing with
/// every cell eaten (issue 17). With it the records cover the last two steps only.
pub fn finish_step(world: &mut World) {
    world.clear_trackers();
}
