use glam::Vec2;

use super::{Decision, Me, Sight, toward};

/// Edge-to-edge distance at which a hunter stops hunting and runs.
const PANIC_GAP: f32 = 150.0;
/// How far past its own edge a split half flies, roughly (the classic split boost).
const SPLIT_REACH: f32 = 650.0;
/// A hunter keeps few pieces so it can still run; it splits only with this many cells or fewer.
const MAX_CELLS_TO_SPLIT: usize = 2;

/// Chases the most worthwhile player it can eat and split-kills it when a half would still be
/// big enough; grazes when no prey is in sight.
pub fn decide(me: &Me, sight: &Sight, wander: Vec2) -> Decision {
    if let Some(threat) = sight.threat
        && threat.distance - threat.size - me.size < PANIC_GAP
    {
        return Decision::go(sight.flee.normalize_or(toward(me, threat.position) * -1.0));
    }
    if let Some(prey) = sight.prey {
        let half_size = me.size / std::f32::consts::SQRT_2;
        let split_kill = me.cells <= MAX_CELLS_TO_SPLIT
            && half_size >= prey.size * 1.15
            && prey.distance - me.size < SPLIT_REACH
            && sight
                .threat
                .is_none_or(|t| t.distance - t.size - me.size > SPLIT_REACH * 2.0);
        return Decision {
            heading: toward(me, prey.position),
            split: split_kill,
            eject: false,
        };
    }
    match sight.food {
        Some(food) => Decision::go(toward(me, food.position)),
        None => Decision::go(wander),
    }
}
