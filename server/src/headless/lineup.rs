//! Who plays: `forager:40,hunter:40,survivor:20`, and which seeds: `42`, `1-20`, `1,5,9`.

use crate::sim::Strategy;

/// How many bots of each strategy take part, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lineup(pub Vec<(Strategy, u32)>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LineupError {
    #[error("`{0}` is not `strategy:count` (strategies: forager, hunter, survivor)")]
    Malformed(String),
    #[error("unknown strategy `{0}` (strategies: forager, hunter, survivor)")]
    UnknownStrategy(String),
    #[error("a match needs at least one bot")]
    Empty,
    #[error("at most {max} bots, {asked} were asked for")]
    TooMany { asked: u64, max: u32 },
    #[error("`{0}` is not a seed list (examples: 42, 1-20, 1,5,9)")]
    BadSeeds(String),
}

/// More bots than this would not fit any sensible map or memory budget.
pub const MAX_BOTS: u32 = 100_000;
/// A seed range longer than this is almost certainly a typo.
pub const MAX_SEEDS: usize = 10_000;

impl Lineup {
    /// `bots` bots, a third hunters, a third survivors and the rest foragers: the mix the
    /// benchmarks measure.
    pub fn even_mix(bots: u32) -> Self {
        let third = bots / 3;
        Self(vec![
            (Strategy::Forager, bots - 2 * third),
            (Strategy::Hunter, third),
            (Strategy::Survivor, third),
        ])
    }

    pub fn total(&self) -> u32 {
        self.0.iter().map(|(_, n)| n).sum()
    }
}

impl std::str::FromStr for Lineup {
    type Err = LineupError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut lineup = Vec::new();
        let mut total: u64 = 0;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, count) = part
                .split_once(':')
                .ok_or_else(|| LineupError::Malformed(part.to_owned()))?;
            let strategy = Strategy::parse(name)
                .ok_or_else(|| LineupError::UnknownStrategy(name.to_owned()))?;
            let count: u32 = count
                .trim()
                .parse()
                .map_err(|_| LineupError::Malformed(part.to_owned()))?;
            total += u64::from(count);
            lineup.push((strategy, count));
        }
        if total == 0 {
            return Err(LineupError::Empty);
        }
        if total > u64::from(MAX_BOTS) {
            return Err(LineupError::TooMany {
                asked: total,
                max: MAX_BOTS,
            });
        }
        Ok(Lineup(lineup))
    }
}

impl std::fmt::Display for Lineup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (strategy, count)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{strategy}:{count}")?;
        }
        Ok(())
    }
}

/// Parses `42`, `1-20` or `1,5,9` (and mixes like `1-3,7`).
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, LineupError> {
    let bad = || LineupError::BadSeeds(text.to_owned());
    let mut seeds = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u64, u64) = (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                );
                if b < a || (b - a) as usize >= MAX_SEEDS {
                    return Err(bad());
                }
                seeds.extend(a..=b);
            }
            None => seeds.push(part.parse().map_err(|_| bad())?),
        }
        if seeds.len() > MAX_SEEDS {
            return Err(bad());
        }
    }
    if seeds.is_empty() {
        return Err(bad());
    }
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lineups_and_refuses_nonsense() {
        let l: Lineup = "forager:40, hunter:40,survivor:20".parse().expect("valid");
        assert_eq!(l.total(), 100);
        assert_eq!(l.to_string(), "forager:40,hunter:40,survivor:20");
        assert!(matches!(
            "wizard:3".parse::<Lineup>(),
            Err(LineupError::UnknownStrategy(_))
        ));
        assert!(matches!(
            "hunter".parse::<Lineup>(),
            Err(LineupError::Malformed(_))
        ));
        assert!(matches!(
            "hunter:-1".parse::<Lineup>(),
            Err(LineupError::Malformed(_))
        ));
        assert_eq!("hunter:0".parse::<Lineup>(), Err(LineupError::Empty));
        assert!(matches!(
            "hunter:4000000000,forager:4000000000".parse::<Lineup>(),
            Err(LineupError::TooMany { .. })
        ));
    }

    #[test]
    fn parses_seed_lists() {
        assert_eq!(parse_seeds("42"), Ok(vec![42]));
        assert_eq!(parse_seeds("1-3,7"), Ok(vec![1, 2, 3, 7]));
        assert!(parse_seeds("3-1").is_err());
        assert!(parse_seeds("x").is_err());
        assert!(parse_seeds("0-18446744073709551615").is_err());
    }
}
