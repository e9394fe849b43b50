//! Every number the arena plays by.
//!
//! The defaults are the classic Agar.io rules as MultiOgar-Edited ships them. Like MultiOgar, the
//! settings speak in *size* (the radius), not mass, because size is what the geometry needs;
//! `mass = size² / 100`. A preset in `assets/presets/*.toml` may set any subset of the fields; the
//! rest keep their classic value. Unknown fields are an error, so a typo in a preset is caught at
//! start-up instead of silently playing the default.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::modes::{Mode, TEAM_COLORS};

/// The preset the server and `petri match` use when nothing else is named.
pub const CLASSIC_PRESET: &str = include_str!("../../../assets/presets/classic.toml");

/// All the rules of one arena. See `assets/presets/classic.toml` for each field's meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// Simulation steps per second. Speeds are defined per 40 ms step (the classic 25 Hz) and
    /// scaled, so a cell crosses the map in the same wall time at any rate.
    pub tick_rate: u32,

    pub border_width: f32,
    pub border_height: f32,

    pub food_min_size: f32,
    pub food_max_size: f32,
    pub food_target_count: u32,
    pub food_spawn_amount: u32,
    pub food_spawn_interval_ticks: u32,

    pub virus_min_size: f32,
    pub virus_max_size: f32,
    pub virus_min_count: u32,
    pub virus_max_count: u32,
    pub virus_velocity: f32,
    pub virus_pop_piece_size: f32,

    pub eject_size: f32,
    pub eject_size_loss: f32,
    pub eject_cooldown_ticks: u32,
    pub eject_velocity: f32,
    pub eject_angle_jitter: f32,

    pub player_min_size: f32,
    pub player_max_size: f32,
    pub player_min_split_size: f32,
    pub player_min_eject_size: f32,
    pub player_start_size: f32,
    pub player_max_cells: u32,
    pub player_speed: f32,
    pub player_decay_rate: f32,
    pub player_recombine_seconds: f32,
    pub split_velocity: f32,

    pub eat_size_ratio: f32,
    pub eat_overlap_divisor: f32,
    pub split_grace_ticks: u32,
    pub boost_decay_divisor: f32,

    pub view_base_width: f32,
    pub view_base_height: f32,
    pub view_min_scale: f32,
    /// Bounds of the view shape (width / height) a client may ask for (`rules::view_aspect`).
    pub view_min_aspect: f32,
    pub view_max_aspect: f32,

    pub bot_think_interval_ticks: u32,
    pub bot_respawn_ticks: u32,

    pub leaderboard_size: u32,
    pub leaderboard_interval_ticks: u32,

    /// The game mode (`sim::modes`) and its numbers.
    pub mode: Mode,
    pub team_count: u32,
    pub lms_round_seconds: f32,
    pub lms_break_seconds: f32,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            tick_rate: 25,
            border_width: 14_142.136,
            border_height: 14_142.136,
            food_min_size: 10.0,
            food_max_size: 20.0,
            food_target_count: 1000,
            food_spawn_amount: 30,
            food_spawn_interval_ticks: 20,
            virus_min_size: 100.0,
            virus_max_size: 141.421_36,
            virus_min_count: 50,
            virus_max_count: 100,
            virus_velocity: 780.0,
            virus_pop_piece_size: 60.0,
            eject_size: 36.06,
            eject_size_loss: 42.43,
            eject_cooldown_ticks: 3,
            eject_velocity: 780.0,
            eject_angle_jitter: 0.3,
            player_min_size: 31.622_776,
            player_max_size: 1500.0,
            player_min_split_size: 59.160_8,
            player_min_eject_size: 59.160_8,
            player_start_size: 31.622_776,
            player_max_cells: 16,
            player_speed: 1.0,
            player_decay_rate: 0.002,
            player_recombine_seconds: 30.0,
            split_velocity: 780.0,
            eat_size_ratio: 1.15,
            eat_overlap_divisor: 3.0,
            split_grace_ticks: 13,
            boost_decay_divisor: 9.0,
            view_base_width: 1920.0,
            view_base_height: 1080.0,
            view_min_scale: 0.15,
            view_min_aspect: 0.4,
            view_max_aspect: 2.5,
            bot_think_interval_ticks: 2,
            bot_respawn_ticks: 25,
            leaderboard_size: 10,
            leaderboard_interval_ticks: 5,
            mode: Mode::Ffa,
            team_count: 3,
            lms_round_seconds: 120.0,
            lms_break_seconds: 10.0,
        }
    }
}

/// Why a preset was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the preset is not valid TOML for the arena settings: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("setting `{field}` is {value}, but it must be {rule}")]
    OutOfRange {
        field: &'static str,
        value: String,
        rule: &'static str,
    },
    #[error("cannot read the preset {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the preset {path}: {source}")]
    InFile {
        path: PathBuf,
        source: Box<ConfigError>,
    },
}

impl SimConfig {
    /// The classic rules from the embedded `assets/presets/classic.toml`.
    pub fn classic() -> Self {
        // The embedded preset is checked by a unit test; should it ever fail, the classic
        // defaults are the same numbers.
        Self::from_toml(CLASSIC_PRESET).unwrap_or_default()
    }

    /// The rules from a preset file, or the classic ones when none is named. The one place a
    /// preset is read (`petri match --preset`, the main room's `preset`); errors name the file.
    pub fn load(preset: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = preset else {
            return Ok(Self::classic());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|e| ConfigError::InFile {
            path: path.to_owned(),
            source: Box::new(e),
        })
    }

    /// Parses a preset and checks that its numbers can make a playable arena.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// A map and food supply sized for `players` so that density matches the classic map with
    /// 100 players on it: area, food and viruses grow linearly with the player count.
    pub fn scaled_for_players(mut self, players: usize) -> Self {
        let k = (players as f32 / 100.0).max(1.0);
        self.border_width *= k.sqrt();
        self.border_height *= k.sqrt();
        self.food_target_count = (self.food_target_count as f32 * k).round() as u32;
        self.food_spawn_amount = (self.food_spawn_amount as f32 * k).round() as u32;
        self.virus_min_count = (self.virus_min_count as f32 * k).round() as u32;
        self.virus_max_count = (self.virus_max_count as f32 * k).round() as u32;
        self
    }

    /// Rejects settings that would make the sim divide by zero, never end a step, or place
    /// things outside the map.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn at_least_one(field: &'static str, v: u32) -> Result<(), ConfigError> {
            if v >= 1 {
                Ok(())
            } else {
                Err(ConfigError::OutOfRange {
                    field,
                    value: v.to_string(),
                    rule: "at least 1",
                })
            }
        }
        at_least_one("tick_rate", self.tick_rate)?;
        if self.tick_rate > 1000 {
            return Err(ConfigError::OutOfRange {
                field: "tick_rate",
                value: self.tick_rate.to_string(),
                rule: "at most 1000",
            });
        }
        self.check_positive()?;
        at_least_one("player_max_cells", self.player_max_cells)?;
        at_least_one("food_spawn_interval_ticks", self.food_spawn_interval_ticks)?;
        at_least_one("bot_think_interval_ticks", self.bot_think_interval_ticks)?;
        at_least_one(
            "leaderboard_interval_ticks",
            self.leaderboard_interval_ticks,
        )?;
        if !(0.0..1.0).contains(&self.player_decay_rate) {
            return Err(ConfigError::OutOfRange {
                field: "player_decay_rate",
                value: self.player_decay_rate.to_string(),
                rule: "in [0, 1)",
            });
        }
        if self.food_max_size < self.food_min_size || self.virus_max_size < self.virus_min_size {
            return Err(ConfigError::OutOfRange {
                field: "food_max_size/virus_max_size",
                value: format!("{}/{}", self.food_max_size, self.virus_max_size),
                rule: "no smaller than the matching *_min_size",
            });
        }
        if !(2..=TEAM_COLORS.len() as u32).contains(&self.team_count) {
            return Err(ConfigError::OutOfRange {
                field: "team_count",
                value: self.team_count.to_string(),
                rule: "between 2 and 6 (one colour each)",
            });
        }
        if self.view_max_aspect < self.view_min_aspect {
            return Err(ConfigError::OutOfRange {
                field: "view_max_aspect",
                value: self.view_max_aspect.to_string(),
                rule: "no smaller than view_min_aspect",
            });
        }
        if self.border_width > 1.0e6 || self.border_height > 1.0e6 {
            return Err(ConfigError::OutOfRange {
                field: "border_width/border_height",
                value: format!("{}x{}", self.border_width, self.border_height),
                rule: "at most 1,000,000",
            });
        }
        Ok(())
    }

    /// Every size, speed and ratio must be a finite number above 0.
    fn check_positive(&self) -> Result<(), ConfigError> {
        fn positive(field: &'static str, v: f32) -> Result<(), ConfigError> {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(ConfigError::OutOfRange {
                    field,
                    value: v.to_string(),
                    rule: "a finite number above 0",
                })
            }
        }
        for (field, v) in [
            ("border_width", self.border_width),
            ("border_height", self.border_height),
            ("food_min_size", self.food_min_size),
            ("food_max_size", self.food_max_size),
            ("virus_min_size", self.virus_min_size),
            ("virus_max_size", self.virus_max_size),
            ("virus_pop_piece_size", self.virus_pop_piece_size),
            ("eject_size", self.eject_size),
            ("eject_size_loss", self.eject_size_loss),
            ("player_min_size", self.player_min_size),
            ("player_max_size", self.player_max_size),
            ("player_min_split_size", self.player_min_split_size),
            ("player_min_eject_size", self.player_min_eject_size),
            ("player_start_size", self.player_start_size),
            ("player_speed", self.player_speed),
            ("eat_size_ratio", self.eat_size_ratio),
            ("eat_overlap_divisor", self.eat_overlap_divisor),
            ("boost_decay_divisor", self.boost_decay_divisor),
            ("view_base_width", self.view_base_width),
            ("view_base_height", self.view_base_height),
            ("view_min_scale", self.view_min_scale),
            ("view_min_aspect", self.view_min_aspect),
            ("view_max_aspect", self.view_max_aspect),
            ("lms_round_seconds", self.lms_round_seconds),
            ("lms_break_seconds", self.lms_break_seconds),
        ] {
            positive(field, v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_preset_is_the_default() {
        let parsed = SimConfig::from_toml(CLASSIC_PRESET).expect("classic preset parses");
        assert_eq!(parsed, SimConfig::default());
    }

    #[test]
    fn partial_presets_keep_the_classic_values() {
        let c = SimConfig::from_toml("tick_rate = 50\n").expect("parses");
        assert_eq!(c.tick_rate, 50);
        assert_eq!(c.player_max_cells, 16);
    }

    #[test]
    fn typos_and_nonsense_are_refused() {
        assert!(SimConfig::from_toml("tick_rat = 50\n").is_err());
        assert!(SimConfig::from_toml("tick_rate = 0\n").is_err());
        assert!(SimConfig::from_toml("player_speed = -1.0\n").is_err());
        assert!(SimConfig::from_toml("border_width = nan\n").is_err());
    }

    #[test]
    fn loading_names_the_file_and_defaults_to_classic() {
        assert_eq!(
            SimConfig::load(None).expect("classic"),
            SimConfig::classic()
        );
        let missing = Path::new("/nonexistent/petri-preset.toml");
        let error = SimConfig::load(Some(missing)).expect_err("no such file");
        assert!(error.to_string().contains("petri-preset.toml"), "{error}");
    }
}
