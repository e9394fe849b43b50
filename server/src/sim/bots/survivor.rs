use glam::Vec2;

use super::{Decision, Me, Sight, toward};

/// Keeps away from everything bigger, weighing every threat in sight; while small it shelters
/// beside a virus (big cells cannot touch it there without popping); grazes when nothing threatens.
pub fn decide(me: &Me, sight: &Sight, wander: Vec2) -> Decision {
    let threatened = sight.flee != Vec2::ZERO;
    if threatened {
        if let Some(virus) = sight.virus
            && me.size < virus.size
            && virus.distance < 600.0
        {
            return Decision::go(toward(me, virus.position));
        }
        let graze = sight
            .food
            .map(|f| toward(me, f.position) * 0.25)
            .unwrap_or(Vec2::ZERO);
        return Decision::go((sight.flee.normalize_or(Vec2::X) + graze).normalize_or(Vec2::X));
    }
    let mut heading = match sight.food {
        Some(food) => toward(me, food.position),
        None => wander,
    };
    // big survivors steer around viruses rather than risk a pop
    if let Some(virus) = sight.virus
        && me.size > virus.size * 1.15
        && virus.distance - virus.size - me.size < 100.0
    {
        heading = (heading + toward(me, virus.position) * -1.5).normalize_or(heading);
    }
    Decision::go(heading)
}
