use bevy_ecs::prelude::*;

use crate::sim::resources::{Tick, TickEvents};

/// Advances the clock and forgets what the last step reported.
pub fn begin_tick(mut tick: ResMut<Tick>, mut events: ResMut<TickEvents>) {
    tick.0 += 1;
    events.eaten.clear();
    events.deaths.clear();
}
