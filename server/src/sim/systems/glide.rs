use bevy_ecs::prelude::*;

use crate::sim::components::{Boost, Position};
use crate::sim::resources::Rules;

/// Boosted cells (split halves, ejected mass, shot viruses) glide on, slowing geometrically.
pub fn glide_boosted_cells(rules: Res<Rules>, mut cells: Query<(&mut Position, &mut Boost)>) {
    let divisor = rules.0.boost_decay_divisor;
    for (mut position, mut boost) in &mut cells {
        if boost.distance <= 0.0 {
            continue;
        }
        let step = boost.distance / divisor;
        boost.distance -= step;
        if boost.distance < 1.0 {
            boost.distance = 0.0;
        }
        position.0 += boost.direction * step;
    }
}
