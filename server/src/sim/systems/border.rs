use bevy_ecs::prelude::*;

use crate::sim::components::{Boost, Mass, Position};
use crate::sim::resources::Rules;
use crate::sim::rules::{clamp_to_border, size_of};

/// Keeps every moving cell on the map; a boost that hits the border bounces off it.
pub fn keep_inside_border(rules: Res<Rules>, mut cells: Query<(&mut Position, &Mass, &mut Boost)>) {
    for (mut position, mass, mut boost) in &mut cells {
        let (clamped, hit_x, hit_y) = clamp_to_border(position.0, size_of(mass.0), &rules.0);
        if hit_x {
            boost.direction.x = -boost.direction.x;
        }
        if hit_y {
            boost.direction.y = -boost.direction.y;
        }
        position.0 = clamped;
    }
}
