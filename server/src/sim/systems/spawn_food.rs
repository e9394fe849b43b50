use crate::sim::grid::FoodGrid;
use crate::sim::resources::{IdCounters, Rules, Tick};
use crate::sim::rng::SimRng;
use crate::sim::spawn::{self, Food, random_food};
use bevy_ecs::prelude::*;

/// Tops food up toward its target, a few pellets per interval, anywhere on the map.
pub fn spawn_food(
    mut commands: Commands,
    rules: Res<Rules>,
    tick: Res<Tick>,
    mut ids: ResMut<IdCounters>,
    mut rng: ResMut<SimRng>,
    mut grid: ResMut<FoodGrid>,
    food: Query<(), With<Food>>,
) {
    let config = &rules.0;
    if !tick
        .0
        .is_multiple_of(u64::from(config.food_spawn_interval_ticks))
    {
        return;
    }
    let missing = (config.food_target_count as usize).saturating_sub(food.count());
    let count = missing.min(config.food_spawn_amount as usize);
    for _ in 0..count {
        let (position, mass) = random_food(config, &mut rng);
        let id = ids.cell();
        let entity = commands.spawn(spawn::food(id, position, mass)).id();
        spawn::file_food(&mut grid, entity, id, position, mass);
    }
}
