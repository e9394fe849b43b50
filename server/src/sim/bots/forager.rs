use glam::Vec2;

use super::{Decision, Me, Sight, toward};

/// Edge-to-edge distance at which a forager gives up its meal and runs.
const PANIC_GAP: f32 = 250.0;

/// Grazes the nearest food; runs only when something that can eat it is nearly on top of it.
pub fn decide(me: &Me, sight: &Sight, wander: Vec2) -> Decision {
    if let Some(threat) = sight.threat
        && threat.distance - threat.size - me.size < PANIC_GAP
    {
        return Decision::go(sight.flee.normalize_or(toward(me, threat.position) * -1.0));
    }
    match sight.food {
        Some(food) => Decision::go(toward(me, food.position)),
        None => Decision::go(wander),
    }
}
