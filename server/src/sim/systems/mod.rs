//! One rule per file, in the order the schedule runs them (see `super::schedule`).

pub mod begin_tick;
pub mod split;
pub mod eject;
pub mod steer;
pub mod glide;
pub mod border;
pub mod push_apart;
pub mod mobile_grid;
pub mod eat;
pub mod virus_pop;
pub mod virus_shoot;
pub mod reap;
pub mod auto_split;
pub mod decay;
pub mod spawn_food;
pub mod spawn_viruses;
pub mod respawn;
pub mod tally;
pub mod leaderboard;
