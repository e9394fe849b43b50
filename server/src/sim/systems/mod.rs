//! One rule per file, in the order the schedule runs them (see `super::schedule`).

pub mod auto_split;
pub mod begin_tick;
pub mod border;
pub mod decay;
pub mod eat;
pub mod eject;
pub mod glide;
pub mod leaderboard;
pub mod lms_round;
pub mod mobile_grid;
pub mod push_apart;
pub mod reap;
pub mod respawn;
pub mod spawn_food;
pub mod spawn_viruses;
pub mod split;
pub mod steer;
pub mod tally;
pub mod team_board;
pub mod team_push;
pub mod virus_pop;
pub mod virus_shoot;
