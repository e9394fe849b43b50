//! What a bot is called and what colour it wears: one rule for every host that adds bots (game
//! rooms, headless matches), the scheme browser players see in a room.

use super::Strategy;

/// The bright colours players and bots get when they chose none.
pub const PALETTE: [u32; 12] = [
    0xff4d4d, 0xffa64d, 0xffe14d, 0x9dff4d, 0x4dff88, 0x4dffe1, 0x4db8ff, 0x4d6bff, 0x9d4dff,
    0xe14dff, 0xff4da6, 0x4dd2a6,
];

/// A palette colour picked from a number (a serial or a player id).
pub fn palette_color(seed: u32) -> u32 {
    PALETTE[seed as usize % PALETTE.len()]
}

/// The name and colour of the host's `serial`-th bot (counting from 1, over all strategies):
/// `{strategy}-{serial}` in the palette colour of `serial`.
pub fn bot_identity(strategy: Strategy, serial: u32) -> (String, u32) {
    (format!("{strategy}-{serial}"), palette_color(serial))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_are_named_by_strategy_and_serial_and_coloured_from_the_palette() {
        assert_eq!(
            bot_identity(Strategy::Hunter, 2),
            ("hunter-2".to_owned(), 0xffe14d)
        );
        assert_eq!(bot_identity(Strategy::Forager, 13).1, palette_color(1));
    }
}
