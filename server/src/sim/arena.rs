//! `Arena`: one world and its schedule, behind a small API. Hosts (a game room, a headless
//! match, a test) create one, feed it players and input, and call `step` at their own pace:
//! the arena keeps no clock.

use bevy_ecs::prelude::*;
use glam::Vec2;

use super::bots::{Bot, Brain, Strategy};
use super::command::{Command, Journal};
use super::components::*;
use super::config::{ConfigError, SimConfig};
use super::grid::GridEntry;
use super::grid::{FoodGrid, MobileGrid, SpatialGrid};
use super::modes::{Mode, Round};
use super::resources::*;
use super::rng::SimRng;
use super::rules::{clamp_to_border, size_of};
use super::schedule;
use super::spawn::random_food;

/// Food rarely moves, so its buckets can be fine; moving cells are refiled every tick, so fewer,
/// larger buckets keep that cheap.
const FOOD_BUCKET: f32 = 256.0;
const MOBILE_BUCKET: f32 = 512.0;

/// A cell as a host sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellView {
    pub id: CellId,
    pub kind: CellKind,
    pub position: Vec2,
    pub mass: f32,
    pub owner: Option<PlayerId>,
}

impl CellView {
    pub fn size(&self) -> f32 {
        size_of(self.mass)
    }
}

/// A player as a host sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlayerView {
    pub id: PlayerId,
    pub name: String,
    pub color: u32,
    pub strategy: Option<Strategy>,
    pub mass: f32,
    pub peak_mass: f32,
    pub kills: u32,
    pub deaths: u32,
    /// Last-man-standing rounds won.
    pub wins: u32,
    /// The team, in a teams arena.
    pub team: Option<u8>,
    pub cells: usize,
}

pub struct Arena {
    /// Read by the `impl Arena` blocks beside this file (`camera`, `mode_view`, `scenario`).
    pub(super) world: World,
    schedule: Schedule,
    /// Commands noted for a recording host ([`super::command`]).
    pub(super) journal: Journal,
}

impl Arena {
    /// A new arena with its food and viruses already in place.
    pub fn new(config: SimConfig, seed: u64) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut world = World::new();
        world.insert_resource(FoodGrid(SpatialGrid::new(
            config.border_width,
            config.border_height,
            FOOD_BUCKET,
        )));
        world.insert_resource(MobileGrid(SpatialGrid::new(
            config.border_width,
            config.border_height,
            MOBILE_BUCKET,
        )));
        world.insert_resource(SimRng::new(seed));
        world.insert_resource(Tick::default());
        world.insert_resource(IdCounters::default());
        world.insert_resource(PlayerIndex::default());
        world.insert_resource(TickEvents::default());
        world.insert_resource(Leaderboard::default());
        world.insert_resource(PendingEffects::default());
        world.insert_resource(Round::default());
        world.insert_resource(Rules(config));
        let mut arena = Self {
            world,
            schedule: schedule::build(),
            journal: Journal::default(),
        };
        arena.scatter_initial_food();
        Ok(arena)
    }

    fn scatter_initial_food(&mut self) {
        let config = self.config().clone();
        for _ in 0..config.food_target_count {
            let (position, mass) = random_food(&config, &mut self.world.resource_mut::<SimRng>());
            self.place_food(position, mass);
        }
    }

    /// Runs one fixed step of the simulation.
    pub fn step(&mut self) {
        self.schedule.run(&mut self.world);
        schedule::finish_step(&mut self.world);
    }

    pub fn tick(&self) -> u64 {
        self.world.resource::<Tick>().0
    }

    pub fn config(&self) -> &SimConfig {
        &self.world.resource::<Rules>().0
    }

    /// What happened in the last step.
    pub fn events(&self) -> &TickEvents {
        self.world.resource::<TickEvents>()
    }

    pub fn leaderboard(&self) -> &Leaderboard {
        self.world.resource::<Leaderboard>()
    }

    /// Adds a player. A bot (with a strategy) enters the map on the next step; a person enters
    /// when `respawn` is called (in last man standing: both at the next round's start). In a
    /// teams arena it joins the smallest team and takes the team's colour.
    pub fn add_player(&mut self, name: &str, color: u32, strategy: Option<Strategy>) -> PlayerId {
        self.journal.note(|| Command::Join {
            name: name.to_owned(),
            color,
            strategy,
        });
        let team = (self.config().mode == Mode::Teams).then(|| self.next_team());
        let color = team.map_or(color, |t| t.color());
        let id = self.world.resource_mut::<IdCounters>().player();
        let mut entity = self.world.spawn((
            Player {
                id,
                name: name.to_owned(),
                color,
            },
            Controls::default(),
            OwnedCells(Vec::with_capacity(self.config().player_max_cells as usize)),
            PlayerStats::default(),
        ));
        if let Some(strategy) = strategy {
            entity.insert(Bot(Brain::new(strategy)));
        }
        if let Some(team) = team {
            entity.insert(team);
        }
        let entity = entity.id();
        self.world
            .resource_mut::<PlayerIndex>()
            .0
            .insert(id, entity);
        id
    }

    pub(super) fn player_entity(&self, id: PlayerId) -> Option<Entity> {
        self.world.resource::<PlayerIndex>().0.get(&id).copied()
    }

    /// Removes a player and its cells. Returns whether it existed.
    pub fn remove_player(&mut self, id: PlayerId) -> bool {
        self.journal.note(|| Command::Leave { player: id });
        let Some(entity) = self.world.resource_mut::<PlayerIndex>().0.remove(&id) else {
            return false;
        };
        if let Some(owned) = self.world.get::<OwnedCells>(entity) {
            for cell in owned.0.clone() {
                self.world.despawn(cell);
            }
        }
        self.world.despawn(entity)
    }

    /// Points the player's cells at `target`. A target that is not a finite number is ignored;
    /// one outside the map is pulled onto its edge. Returns whether the player exists.
    pub fn set_target(&mut self, id: PlayerId, target: Vec2) -> bool {
        if !target.is_finite() {
            return self.player_entity(id).is_some();
        }
        self.journal.note(|| Command::Steer {
            player: id,
            x: target.x,
            y: target.y,
        });
        let (target, _, _) = clamp_to_border(target, 0.0, self.config());
        self.with_controls(id, |c| c.target = target)
    }

    /// Asks for a split on the next step.
    pub fn split(&mut self, id: PlayerId) -> bool {
        self.journal.note(|| Command::Split { player: id });
        self.with_controls(id, |c| c.split = true)
    }

    /// Asks for an eject on the next step.
    pub fn eject(&mut self, id: PlayerId) -> bool {
        self.journal.note(|| Command::Eject { player: id });
        self.with_controls(id, |c| c.eject = true)
    }

    /// Asks for a dead player to come back on the next step (ignored while it has cells).
    pub fn respawn(&mut self, id: PlayerId) -> bool {
        self.journal.note(|| Command::Respawn { player: id });
        self.with_controls(id, |c| c.respawn = true)
    }

    fn with_controls(&mut self, id: PlayerId, f: impl FnOnce(&mut Controls)) -> bool {
        let Some(entity) = self.player_entity(id) else {
            return false;
        };
        match self.world.get_mut::<Controls>(entity) {
            Some(mut controls) => {
                f(&mut controls);
                true
            }
            None => false,
        }
    }

    /// One player's summary.
    pub fn player(&self, id: PlayerId) -> Option<PlayerView> {
        let entity = self.player_entity(id)?;
        let e = self.world.get_entity(entity).ok()?;
        Some(PlayerView {
            id,
            name: e.get::<Player>()?.name.clone(),
            color: e.get::<Player>()?.color,
            strategy: e.get::<Bot>().map(|b| b.0.strategy),
            mass: e.get::<PlayerStats>()?.mass,
            peak_mass: e.get::<PlayerStats>()?.peak_mass,
            kills: e.get::<PlayerStats>()?.kills,
            deaths: e.get::<PlayerStats>()?.deaths,
            wins: e.get::<PlayerStats>()?.wins,
            team: self.team_of(id),
            cells: e.get::<OwnedCells>()?.0.len(),
        })
    }

    /// Every player, by id.
    pub fn players(&mut self) -> Vec<PlayerView> {
        let mut ids: Vec<PlayerId> = self
            .world
            .query::<&Player>()
            .iter(&self.world)
            .map(|p| p.id)
            .collect();
        ids.sort();
        ids.into_iter().filter_map(|id| self.player(id)).collect()
    }

    /// Every cell, by id.
    pub fn cells(&mut self) -> Vec<CellView> {
        let mut cells: Vec<CellView> = self
            .world
            .query::<(&CellId, &CellKind, &Position, &Mass, Option<&PlayerCell>)>()
            .iter(&self.world)
            .map(|(id, kind, position, mass, owner)| CellView {
                id: *id,
                kind: *kind,
                position: position.0,
                mass: mass.0,
                owner: owner.map(|o| o.owner_id),
            })
            .collect();
        cells.sort_by_key(|c| c.id);
        cells
    }

    /// One cell, if it still exists.
    pub fn cell(&mut self, id: CellId) -> Option<CellView> {
        self.cells().into_iter().find(|c| c.id == id)
    }

    /// A fingerprint of the whole game state: every cell and every player's score. Two runs
    /// with the same seed, settings and input have equal hashes; any divergence changes it.
    pub fn state_hash(&mut self) -> u64 {
        let mut hash = Fnv64::default();
        hash.write(self.tick());
        for cell in self.cells() {
            hash.write(u64::from(cell.id.0));
            hash.write(cell.kind as u64);
            hash.write(u64::from(cell.position.x.to_bits()));
            hash.write(u64::from(cell.position.y.to_bits()));
            hash.write(u64::from(cell.mass.to_bits()));
            hash.write(cell.owner.map_or(0, |o| u64::from(o.0)));
        }
        for player in self.players() {
            hash.write(u64::from(player.id.0));
            hash.write(u64::from(player.kills));
            hash.write(u64::from(player.deaths));
            hash.write(u64::from(player.mass.to_bits()));
            hash.write(u64::from(player.wins));
            hash.write(player.team.map_or(0, u64::from));
        }
        if let Some(round) = self.round() {
            hash.write(u64::from(round.number));
            hash.write(round.ticks_left);
            hash.write(round.winner.map_or(0, |w| u64::from(w.0)));
        }
        hash.0
    }
}

/// FNV-1a over 64-bit words: tiny, and the same on every platform and run.
#[derive(Debug)]
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn write(&mut self, word: u64) {
        for byte in word.to_le_bytes() {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

impl Arena {
    /// The player with the most mass right now, by the last leaderboard.
    pub fn top_player(&self) -> Option<PlayerId> {
        self.leaderboard().ranking.first().map(|s| s.player)
    }

    /// Appends the ids of a player's cells to `out`.
    pub fn own_cell_ids(&self, id: PlayerId, out: &mut Vec<u32>) {
        let Some(entity) = self.player_entity(id) else {
            return;
        };
        if let Some(owned) = self.world.get::<OwnedCells>(entity) {
            out.extend(
                owned
                    .0
                    .iter()
                    .filter_map(|&c| self.world.get::<CellId>(c))
                    .map(|c| c.0),
            );
        }
    }

    /// A player's name and colour, without copying them.
    pub fn player_identity(&self, id: PlayerId) -> Option<(&str, u32)> {
        let entity = self.player_entity(id)?;
        let player = self.world.get::<Player>(entity)?;
        Some((player.name.as_str(), player.color))
    }

    /// Whether the player has no cells (dead, or not yet spawned).
    pub fn is_dead(&self, id: PlayerId) -> bool {
        self.player_entity(id)
            .and_then(|e| self.world.get::<OwnedCells>(e))
            .is_none_or(|owned| owned.0.is_empty())
    }

    /// Calls `visit` for every cell that overlaps the box `min..=max`, as the step left it.
    pub fn for_each_visible(&self, min: Vec2, max: Vec2, mut visit: impl FnMut(&GridEntry)) {
        let overlaps = |e: &GridEntry| {
            e.position.x + e.size >= min.x
                && e.position.x - e.size <= max.x
                && e.position.y + e.size >= min.y
                && e.position.y - e.size <= max.y
        };
        // a cell's centre may lie outside the box while its body reaches in: widen each scan by
        // the largest size in that grid
        for grid in [
            &self.world.resource::<FoodGrid>().0,
            &self.world.resource::<MobileGrid>().0,
        ] {
            let reach = Vec2::splat(grid.max_size());
            grid.for_each_in(min - reach, max + reach, |e| {
                if overlaps(e) {
                    visit(e)
                }
            });
        }
    }
}
