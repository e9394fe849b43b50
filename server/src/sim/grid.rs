//! A uniform spatial grid for neighbour queries.
//!
//! Agar.io cells are spread evenly and mostly small, so fixed square buckets beat a quadtree:
//! insertion is a push, a query walks a handful of buckets, and clearing keeps every bucket's
//! capacity so a grid rebuilt each tick stops allocating once it has seen its busiest tick.

use bevy_ecs::prelude::*;
use glam::Vec2;

use super::components::{CellId, CellKind, PlayerId};

/// What a neighbour scan needs to know about a cell without touching the ECS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridEntry {
    pub entity: Entity,
    pub id: CellId,
    pub position: Vec2,
    pub size: f32,
    pub kind: CellKind,
    pub owner: Option<PlayerId>,
    /// The owner's team in a teams arena, 0 otherwise (it fits in the entry's padding).
    pub team: u8,
}

/// Every bucket starts with room for this many entries: the capacity a bucket's first insert
/// would give it anyway. Without it a server's RSS crept up for the first twenty minutes or so,
/// as food respawning at random spots reached one new bucket after another (a classic map has
/// 3,136 food buckets holding 1,000 pellets, about 0.5 MB per room once all have been touched;
/// issue 17). Reserved up front, the grid's memory is flat from the first tick.
const BUCKET_START_CAPACITY: usize = 4;

/// How often (in ticks) the mobile grid gives back room its buckets no longer need.
pub const MOBILE_GRID_TRIM_EVERY: u64 = 64;

#[derive(Debug, Clone)]
pub struct SpatialGrid {
    bucket_size: f32,
    origin: Vec2,
    columns: usize,
    rows: usize,
    buckets: Vec<Vec<GridEntry>>,
    /// The largest size filed since the last clear: how far a body can reach past its bucket.
    max_size: f32,
}

impl SpatialGrid {
    /// A grid covering a `width` x `height` map centred on the origin.
    pub fn new(width: f32, height: f32, bucket_size: f32) -> Self {
        let columns = ((width / bucket_size).ceil() as usize).max(1);
        let rows = ((height / bucket_size).ceil() as usize).max(1);
        Self {
            bucket_size,
            origin: Vec2::new(-width / 2.0, -height / 2.0),
            columns,
            rows,
            buckets: (0..columns * rows)
                .map(|_| Vec::with_capacity(BUCKET_START_CAPACITY))
                .collect(),
            max_size: 0.0,
        }
    }

    fn column_of(&self, x: f32) -> usize {
        (((x - self.origin.x) / self.bucket_size).max(0.0) as usize).min(self.columns - 1)
    }

    fn row_of(&self, y: f32) -> usize {
        (((y - self.origin.y) / self.bucket_size).max(0.0) as usize).min(self.rows - 1)
    }

    fn bucket_of(&self, position: Vec2) -> usize {
        self.row_of(position.y) * self.columns + self.column_of(position.x)
    }

    /// Empties every bucket, keeping capacity.
    pub fn clear(&mut self) {
        for bucket in &mut self.buckets {
            bucket.clear();
        }
        self.max_size = 0.0;
    }

    /// Empties every bucket, and gives back the capacity of those that held far fewer than they
    /// have room for. A grid rebuilt each tick keeps, bucket by bucket, the room of the busiest
    /// crowd that ever passed through it, so its memory crept up for as long as crowds found new
    /// places (the largest growth left in a 24-minute heap profile, issue 17). Called every
    /// `MOBILE_GRID_TRIM_EVERY` ticks, it follows today's crowds; a bucket is cut only when it
    /// holds less than a quarter of its room, so a steady grid still allocates nothing.
    pub fn clear_and_trim(&mut self) {
        for bucket in &mut self.buckets {
            let held = bucket.len();
            bucket.clear();
            if bucket.capacity() > 4 * held + BUCKET_START_CAPACITY {
                bucket.shrink_to((2 * held).max(BUCKET_START_CAPACITY));
            }
        }
        self.max_size = 0.0;
    }

    /// An upper bound on the size of anything in the grid.
    pub fn max_size(&self) -> f32 {
        self.max_size
    }

    /// Files an entry under the bucket that holds its centre.
    pub fn insert(&mut self, entry: GridEntry) {
        let bucket = self.bucket_of(entry.position);
        self.max_size = self.max_size.max(entry.size);
        self.buckets[bucket].push(entry);
    }

    /// Removes `entity`, filed at `position`. Returns whether it was there.
    pub fn remove(&mut self, entity: Entity, position: Vec2) -> bool {
        let bucket = self.bucket_of(position);
        let entries = &mut self.buckets[bucket];
        match entries.iter().position(|e| e.entity == entity) {
            Some(i) => {
                entries.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Calls `visit` for every entry whose centre may lie in the box `min..=max` (whole buckets
    /// are visited, so callers test the exact shape they care about).
    pub fn for_each_in(&self, min: Vec2, max: Vec2, mut visit: impl FnMut(&GridEntry)) {
        let (c0, c1) = (self.column_of(min.x), self.column_of(max.x));
        let (r0, r1) = (self.row_of(min.y), self.row_of(max.y));
        for row in r0..=r1 {
            let base = row * self.columns;
            for bucket in &self.buckets[base + c0..=base + c1] {
                for entry in bucket {
                    visit(entry);
                }
            }
        }
    }

    /// Calls `visit` for entries whose centre is within `radius` of `center`.
    pub fn for_each_within(&self, center: Vec2, radius: f32, mut visit: impl FnMut(&GridEntry)) {
        let r2 = radius * radius;
        self.for_each_in(center - radius, center + radius, |e| {
            if e.position.distance_squared(center) <= r2 {
                visit(e);
            }
        });
    }

    pub fn len(&self) -> usize {
        self.buckets.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.iter().all(Vec::is_empty)
    }
}

/// Food never moves, so its grid is kept up to date by inserts and removals instead of rebuilt.
#[derive(Resource, Debug, Clone)]
pub struct FoodGrid(pub SpatialGrid);

/// Player cells, ejected mass and viruses: rebuilt after movement (for eating) and again at the
/// end of the step (for bots and per-client views, so they see cells spawned late in the step).
#[derive(Resource, Debug, Clone)]
pub struct MobileGrid(pub SpatialGrid);

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: u32, x: f32, y: f32) -> GridEntry {
        GridEntry {
            entity: Entity::from_raw_u32(i).expect("valid index"),
            id: CellId(i),
            position: Vec2::new(x, y),
            size: 10.0,
            kind: CellKind::Food,
            owner: None,
            team: 0,
        }
    }

    #[test]
    fn finds_exactly_what_is_within_the_radius() {
        let mut g = SpatialGrid::new(1000.0, 1000.0, 64.0);
        g.insert(entry(1, 0.0, 0.0));
        g.insert(entry(2, 50.0, 0.0));
        g.insert(entry(3, 200.0, 0.0));
        g.insert(entry(4, 499.0, -499.0));
        let mut seen = Vec::new();
        g.for_each_within(Vec2::ZERO, 60.0, |e| seen.push(e.entity.index_u32()));
        seen.sort();
        assert_eq!(seen, vec![1, 2]);
        assert!(g.remove(
            Entity::from_raw_u32(2).expect("valid"),
            Vec2::new(50.0, 0.0)
        ));
        assert_eq!(g.len(), 3);
        // positions outside the map are filed in the edge buckets, not lost
        g.insert(entry(5, 5000.0, 5000.0));
        let mut corner = 0;
        g.for_each_in(Vec2::splat(400.0), Vec2::splat(600.0), |_| corner += 1);
        assert_eq!(corner, 1);
    }

    #[test]
    fn a_bucket_a_crowd_once_filled_gives_its_room_back_and_a_steady_one_keeps_it() {
        let mut g = SpatialGrid::new(1000.0, 1000.0, 64.0);
        for i in 1..=1000 {
            g.insert(entry(i, 0.0, 0.0));
        }
        let crowded = g.bucket_of(Vec2::ZERO);
        g.clear_and_trim();
        // it held 1,000: that was its need, nothing to give back
        assert!(g.buckets[crowded].capacity() >= 1000);
        for i in 1..=3 {
            g.insert(entry(i, 0.0, 0.0));
        }
        g.clear_and_trim();
        assert!(g.buckets[crowded].capacity() <= 2 * BUCKET_START_CAPACITY);
        // a bucket near its need keeps its room
        for i in 1..=3 {
            g.insert(entry(i, 0.0, 0.0));
        }
        let before = g.buckets[crowded].capacity();
        g.clear_and_trim();
        assert_eq!(g.buckets[crowded].capacity(), before);
    }
}
