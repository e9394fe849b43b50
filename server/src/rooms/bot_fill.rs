//! Bots that keep a room lively: people + bots stay at the room's `bot_fill`, each person who
//! joins takes a bot's place and each leaver gives it back.

use crate::sim::bots::bot_identity;
use crate::sim::{Arena, PlayerId, Strategy};

#[derive(Debug, Default)]
pub struct BotFill {
    bots: Vec<PlayerId>,
    /// Bots ever made here: numbers each new bot's name, so a name is never reused in a room.
    made: u32,
}

impl BotFill {
    pub fn count(&self) -> u32 {
        self.bots.len() as u32
    }

    /// Bots ever made (new players' default colours continue the same sequence).
    pub fn made(&self) -> u32 {
        self.made
    }

    /// Adds or removes bots until there are `wanted`.
    pub fn balance(&mut self, arena: &mut Arena, wanted: usize) {
        while self.bots.len() < wanted {
            let strategy = Strategy::ALL[self.made as usize % Strategy::ALL.len()];
            self.made += 1;
            let (name, color) = bot_identity(strategy, self.made);
            self.bots
                .push(arena.add_player(&name, color, Some(strategy)));
        }
        while self.bots.len() > wanted {
            // the bot that loses least by stepping aside: a dead one, else the lightest
            let mass = |bot: PlayerId| arena.player(bot).map_or(0.0, |p| p.mass);
            let Some(index) = (0..self.bots.len())
                .min_by(|&a, &b| mass(self.bots[a]).total_cmp(&mass(self.bots[b])))
            else {
                break;
            };
            let bot = self.bots.swap_remove(index);
            arena.remove_player(bot);
        }
    }
}
