//! The classic formulas, in one place, as plain functions of numbers.
//!
//! Systems call these instead of spelling the maths inline so that every rule has one definition
//! that the tests, the bots' reasoning and the per-client views all share.

use glam::Vec2;

use super::config::SimConfig;

/// Size (radius) of a cell of `mass`.
#[inline]
pub fn size_of(mass: f32) -> f32 {
    (mass * 100.0).sqrt()
}

/// Mass of a cell of `size` (radius).
#[inline]
pub fn mass_of(size: f32) -> f32 {
    size * size / 100.0
}

/// How far a player cell of `size` moves toward its target in one step.
/// MultiOgar: `2.2 * size^-0.439 * 40` per 40 ms step; larger cells are slower.
#[inline]
pub fn speed(size: f32, config: &SimConfig) -> f32 {
    let per_classic_tick = 88.0 * size.max(1.0).powf(-0.439) * config.player_speed;
    per_classic_tick * 25.0 / config.tick_rate as f32
}

/// Whether a cell of `eater_size` eats one of `prey_size` whose centre is `distance` away:
/// it must be bigger by the size ratio and cover the prey's centre by a third of its size.
#[inline]
pub fn can_eat(eater_size: f32, prey_size: f32, distance: f32, config: &SimConfig) -> bool {
    eater_size >= prey_size * config.eat_size_ratio
        && overlaps_enough(eater_size, prey_size, distance, config)
}

/// The distance half of the eat rule, also used by merging (where the size ratio does not apply).
#[inline]
pub fn overlaps_enough(big_size: f32, small_size: f32, distance: f32, config: &SimConfig) -> bool {
    distance < big_size - small_size / config.eat_overlap_divisor
}

/// One of two cells of the same player that might merge: its wire id (the tie-break), its size,
/// and the tick it was made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MergeSide {
    pub id: u32,
    pub size: f32,
    pub born_tick: u64,
}

/// Whether `eater` absorbs its sibling `prey` (centres `distance` apart) at tick `now`: both are
/// past the split grace and their recombine time, the eater is the bigger one (the lower id on a
/// tie, so exactly one of the pair eats), and it covers the other as eating would.
pub fn may_merge(
    eater: MergeSide,
    prey: MergeSide,
    distance: f32,
    now: u64,
    config: &SimConfig,
) -> bool {
    let grace = u64::from(config.split_grace_ticks);
    let ripe = |side: MergeSide| {
        let age = now.saturating_sub(side.born_tick);
        age >= grace && age >= recombine_ticks(side.size, config)
    };
    let bigger = eater.size > prey.size || (eater.size == prey.size && eater.id < prey.id);
    ripe(eater) && ripe(prey) && bigger && overlaps_enough(eater.size, prey.size, distance, config)
}

/// Ticks after its split before a cell of `size` may merge back: the base recombine time, or
/// `size * 0.2` seconds for big cells, whichever is longer.
#[inline]
pub fn recombine_ticks(size: f32, config: &SimConfig) -> u64 {
    let seconds = config.player_recombine_seconds.max(size * 0.2);
    (seconds * config.tick_rate as f32) as u64
}

/// Half the width and height of what a player whose cells' sizes add up to `total_size` sees.
/// The view widens as the player grows, down to `view_min_scale`.
pub fn view_half_extents(total_size: f32, config: &SimConfig) -> Vec2 {
    let scale = if total_size > 0.0 {
        (64.0 / total_size).min(1.0).powf(0.4)
    } else {
        1.0
    }
    .max(config.view_min_scale);
    Vec2::new(
        (config.view_base_width + 100.0) / scale / 2.0,
        (config.view_base_height + 100.0) / scale / 2.0,
    )
}

/// How two solid cells (a player's own, or teammates) that overlap move apart: each is moved out
/// along the line between their centres, the lighter one more, until they just touch. Returns
/// the shifts of `a` and `b`, or `None` when they do not overlap.
pub fn separation(a: (Vec2, f32), b: (Vec2, f32)) -> Option<(Vec2, Vec2)> {
    let ((a_pos, a_mass), (b_pos, b_mass)) = (a, b);
    let offset = b_pos - a_pos;
    let distance = offset.length();
    let overlap = size_of(a_mass) + size_of(b_mass) - distance;
    if overlap <= 0.0 {
        return None;
    }
    let direction = if distance > 0.0 {
        offset / distance
    } else {
        Vec2::X
    };
    let total = a_mass + b_mass;
    Some((
        -direction * overlap * (b_mass / total),
        direction * overlap * (a_mass / total),
    ))
}

/// The view shape (width / height) a client asked for, held within the configured bounds; `None`
/// for a value that is no shape at all (NaN, infinite, zero or negative), which the host refuses.
pub fn view_aspect(requested: f64, config: &SimConfig) -> Option<f32> {
    if !requested.is_finite() || requested <= 0.0 {
        return None;
    }
    let (min, max) = (config.view_min_aspect, config.view_max_aspect);
    Some((requested as f32).clamp(min, max))
}

/// `half_extents` reshaped to `aspect` (width / height) with the same area: a portrait screen sees
/// a portrait view, and no shape sees more of the map than another.
pub fn shape_view(half_extents: Vec2, aspect: f32) -> Vec2 {
    let area = half_extents.x * half_extents.y;
    Vec2::new((area * aspect).sqrt(), (area / aspect).sqrt())
}

/// Where a cell's centre may be: inside the border by half its size, as MultiOgar keeps it.
/// Returns the clamped position and which axes hit the border (to bounce boosts).
pub fn clamp_to_border(pos: Vec2, size: f32, config: &SimConfig) -> (Vec2, bool, bool) {
    let half = Vec2::new(config.border_width, config.border_height) / 2.0;
    let margin = (size / 2.0).min(half.x.min(half.y));
    let min = -half + margin;
    let max = half - margin;
    let clamped = pos.clamp(min, max);
    (clamped, clamped.x != pos.x, clamped.y != pos.y)
}

/// The masses a player cell of `mass` breaks into when it eats a virus with `cells_left` free
/// cell slots: returned through `pieces` (cleared first), the cell keeps `mass - sum(pieces)`.
///
/// Small cells break into equal pieces of at least `virus_pop_piece_size`; big cells keep half
/// and spray the other half in diminishing pieces, so a popped giant leaves one big cell and a
/// trail of small ones, the classic look.
pub fn virus_pop_pieces(mass: f32, cells_left: u32, config: &SimConfig, pieces: &mut Vec<f32>) {
    pieces.clear();
    if cells_left == 0 {
        return;
    }
    let min_piece = mass_of(config.virus_pop_piece_size);
    let slots = cells_left as f32;
    if mass / (slots + 1.0) < min_piece {
        let count = ((mass / min_piece) as u32)
            .saturating_sub(1)
            .min(cells_left)
            .max(1);
        let piece = mass / (count as f32 + 1.0);
        pieces.extend(std::iter::repeat_n(piece, count as usize));
        return;
    }
    let mut left = mass / 2.0;
    let mut remaining_slots = cells_left;
    while remaining_slots > 0 {
        if left / remaining_slots as f32 <= min_piece || remaining_slots == 1 {
            let count = ((left / min_piece) as u32).clamp(1, remaining_slots);
            let piece = left / count as f32;
            pieces.extend(std::iter::repeat_n(piece, count as usize));
            return;
        }
        let piece = left / 2.0;
        pieces.push(piece);
        left -= piece;
        remaining_slots -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_and_mass_are_inverse() {
        for m in [1.0_f32, 10.0, 35.0, 22_500.0] {
            assert!((mass_of(size_of(m)) - m).abs() < m * 1e-5);
        }
        assert!((size_of(10.0) - 31.622_776).abs() < 1e-3);
    }

    #[test]
    fn bigger_cells_are_slower() {
        let c = SimConfig::default();
        assert!(speed(size_of(10.0), &c) > speed(size_of(100.0), &c));
        assert!(speed(size_of(100.0), &c) > speed(size_of(10_000.0), &c));
        // the classic speed at start size is about 19.3 units a tick
        assert!((speed(31.622_776, &c) - 19.3).abs() < 0.2);
    }

    #[test]
    fn pop_pieces_never_exceed_slots_or_mass() {
        let c = SimConfig::default();
        let mut p = Vec::new();
        for mass in [40.0_f32, 100.0, 400.0, 2_000.0, 20_000.0] {
            for slots in 0..16 {
                virus_pop_pieces(mass, slots, &c, &mut p);
                assert!(p.len() <= slots as usize);
                let sum: f32 = p.iter().sum();
                assert!(sum < mass, "mass {mass} slots {slots}: pieces {p:?}");
                assert!(p.iter().all(|&x| x > 0.0));
            }
        }
    }
}
