//! Teams: a player's team, the teams' colours, and the rule that puts a newcomer on the smallest
//! team (ties to the lowest number, so the assignment is the same on every run).

use bevy_ecs::prelude::*;

/// The teams' colours, in team order (team 1 is red): the most teams a room may have.
pub const TEAM_COLORS: [u32; 6] = [0xe84855, 0x3bceac, 0x3d7dd8, 0xf9c80e, 0x9b5de5, 0xff8c42];

/// The team a player belongs to, numbered from 1 (0 is "no team" in grid entries and glimpses).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Team(pub u8);

impl Team {
    /// The team's colour.
    pub fn color(self) -> u32 {
        TEAM_COLORS[usize::from(self.0.max(1) - 1) % TEAM_COLORS.len()]
    }
}

/// One team's mass on the board.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeamStanding {
    pub team: Team,
    pub mass: f32,
    pub players: u32,
}

/// The team a newcomer joins: the one with the fewest players of `team_count`, the lowest
/// number on a tie. `members` lists the teams of the players already there.
pub fn smallest_team(team_count: u32, members: impl IntoIterator<Item = Team>) -> Team {
    let count = team_count.clamp(1, TEAM_COLORS.len() as u32) as usize;
    let mut sizes = [0u32; TEAM_COLORS.len()];
    for team in members {
        if let Some(size) = sizes.get_mut(usize::from(team.0).wrapping_sub(1)) {
            *size += 1;
        }
    }
    let smallest = (0..count).min_by_key(|&i| (sizes[i], i)).unwrap_or(0);
    Team(smallest as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newcomers_fill_the_smallest_team_first() {
        assert_eq!(smallest_team(3, []), Team(1));
        assert_eq!(smallest_team(3, [Team(1)]), Team(2));
        assert_eq!(smallest_team(3, [Team(1), Team(2)]), Team(3));
        assert_eq!(smallest_team(3, [Team(1), Team(2), Team(3)]), Team(1));
        assert_eq!(smallest_team(2, [Team(1), Team(1), Team(2)]), Team(2));
        assert_eq!(Team(1).color(), TEAM_COLORS[0]);
    }
}
