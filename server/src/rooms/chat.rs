//! Room chat: who may say what, how often. A line travels `chat` → the room's queue → this gate
//! (on the room's thread) → the network side's relay, which broadcasts it once to the realtime
//! room of the game room (`socket_link::ChatChannel`): one JSON encoding and one Socket.IO packet
//! for the whole room, whatever its size.
//!
//! The gate is the room's because the room knows who a client is (its player's name and colour)
//! and counts time in ticks, as every other per-player limit does (`rate_limit`). Text is cleaned
//! by the same rule as names (`identity::clean_text`): nothing a client sends can hide or reorder
//! other people's text, and the page shows it as text, never as markup.
//!
//! Refused lines are not errors to the sender (it gets no answer, as with a refused input) but
//! are counted by reason in `RoomStatus::chat`, exported as `petri_chat_rejected_total`.

use std::hash::{DefaultHasher, Hash, Hasher};

use petri_shared::game::ChatLine;

use super::identity::clean_text;
use super::rate_limit::TokenBucket;
use super::settings::HostLimits;

/// A spectator's colour in the chat (a player's is its cell colour).
pub const SPECTATOR_COLOR: u32 = 0x9aa0a6;

/// Hands an accepted line to the network for the room-wide broadcast. Called on the room's
/// thread, at most once.
pub type ChatRelay = Box<dyn FnOnce(&ChatLine) + Send>;

/// Why a chat line was refused. `/metrics` shows each as a `reason` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatReject {
    /// Over the sender's chat rate (`limits.chat_rate`, `chat_burst`): a flood.
    Flood,
    /// The same text as the sender's last line, within `limits.chat_repeat_secs`: spam.
    Repeat,
    /// Nothing printable left after cleaning.
    Empty,
    /// Not one string (checked at the door, in `play_api`).
    Malformed,
}

impl ChatReject {
    pub const ALL: [ChatReject; 4] = [
        ChatReject::Flood,
        ChatReject::Repeat,
        ChatReject::Empty,
        ChatReject::Malformed,
    ];

    /// The `reason` label.
    pub fn label(self) -> &'static str {
        match self {
            ChatReject::Flood => "flood",
            ChatReject::Repeat => "repeat",
            ChatReject::Empty => "empty",
            ChatReject::Malformed => "malformed",
        }
    }
}

/// A line the gate let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub text: String,
    /// Cleaning changed it (cut to length, control or invisible characters dropped).
    pub sanitised: bool,
}

/// One client's chat state: its rate bucket, the last line it said, and (for a spectator, who
/// has no player to take them from) the name it joined with.
#[derive(Debug, Clone)]
pub struct ChatGate {
    bucket: TokenBucket,
    /// Hash of the last accepted text and the tick it was said.
    last: Option<(u64, u64)>,
    spectator_name: String,
}

impl ChatGate {
    pub fn new(limits: &HostLimits, tick_rate: u32, spectator_name: String) -> Self {
        Self {
            bucket: TokenBucket::per_tick(limits.chat_rate, limits.chat_burst, tick_rate),
            last: None,
            spectator_name,
        }
    }

    /// One tick's worth of rate.
    pub fn refill(&mut self) {
        self.bucket.refill(1.0);
    }

    /// The name a spectator chats under.
    pub fn spectator_name(&self) -> &str {
        &self.spectator_name
    }

    /// Decides on a line said at `tick`; `repeat_ticks` is how long the same text is refused.
    /// A refused line spends a token too, so a flood of empty or repeated lines is still a flood.
    pub fn admit(
        &mut self,
        raw: &str,
        tick: u64,
        repeat_ticks: u64,
        limits: &HostLimits,
    ) -> Result<Accepted, ChatReject> {
        if !self.bucket.take() {
            return Err(ChatReject::Flood);
        }
        let cleaned = clean_text(raw, limits.chat_max_chars);
        if cleaned.text.is_empty() {
            return Err(ChatReject::Empty);
        }
        let mut hasher = DefaultHasher::new();
        cleaned.text.hash(&mut hasher);
        let hash = hasher.finish();
        if let Some((last, said)) = self.last
            && last == hash
            && tick.saturating_sub(said) < repeat_ticks
        {
            return Err(ChatReject::Repeat);
        }
        self.last = Some((hash, tick));
        Ok(Accepted {
            text: cleaned.text,
            sanitised: cleaned.changed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> ChatGate {
        ChatGate::new(&HostLimits::default(), 25, "watcher".to_owned())
    }

    #[test]
    fn a_burst_then_floods_are_refused() {
        let limits = HostLimits::default();
        let mut g = gate();
        let burst = limits.chat_burst as usize;
        for i in 0..burst {
            assert!(g.admit(&format!("line {i}"), 0, 250, &limits).is_ok());
        }
        assert_eq!(g.admit("one more", 0, 250, &limits), Err(ChatReject::Flood));
    }

    #[test]
    fn repeats_empties_and_hostile_text() {
        let limits = HostLimits::default();
        let mut g = gate();
        assert!(g.admit("hello", 0, 250, &limits).is_ok());
        assert_eq!(g.admit("hello", 10, 250, &limits), Err(ChatReject::Repeat));
        assert!(g.admit("hello", 300, 250, &limits).is_ok());
        assert_eq!(
            g.admit("\u{200B}\u{0}\n", 301, 250, &limits),
            Err(ChatReject::Empty)
        );
        let huge = g.admit(&"<b>".repeat(10_000), 302, 250, &limits);
        let huge = huge.expect("accepted, cut");
        assert!(huge.sanitised);
        assert_eq!(huge.text.chars().count(), limits.chat_max_chars);
    }
}
