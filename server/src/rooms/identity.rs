//! Cleaning what people call themselves: names arrive from the network and are shown to everyone.

/// The name used when none (or nothing printable) is given.
pub const DEFAULT_NAME: &str = "cell";

/// Keeps at most `max_chars` printable characters of a name (see [`clean_text`]); a name with
/// nothing printable left becomes [`DEFAULT_NAME`].
pub fn clean_name(raw: &str, max_chars: usize) -> String {
    let cleaned = clean_text(raw, max_chars);
    if cleaned.text.is_empty() {
        DEFAULT_NAME.to_owned()
    } else {
        cleaned.text
    }
}

/// Text from the network after [`clean_text`]: what is left, and whether cleaning changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanText {
    pub text: String,
    /// Characters were dropped (control, invisible, beyond the cap) or whitespace collapsed.
    pub changed: bool,
}

/// The one rule for text people show each other (names, chat): at most `max_chars` printable
/// characters; control and format characters (including bidirectional overrides and zero-width
/// joiners) are dropped, runs of whitespace become one space, and the result is trimmed. Reads
/// at most `max_chars * 8` characters of `raw`, so a huge input costs no more than a long one.
pub fn clean_text(raw: &str, max_chars: usize) -> CleanText {
    let mut text = String::with_capacity(raw.len().min(max_chars * 4));
    let mut last_space = true;
    let mut count = 0;
    let mut changed = false;
    for (read, c) in raw.chars().enumerate() {
        if count >= max_chars || read >= max_chars.saturating_mul(8) {
            changed = true;
            break;
        }
        if c.is_whitespace() {
            if !last_space {
                text.push(' ');
                count += 1;
                last_space = true;
                changed |= c != ' ';
            } else {
                changed = true;
            }
            continue;
        }
        if c.is_control() || is_invisible(c) {
            changed = true;
            continue;
        }
        text.push(c);
        count += 1;
        last_space = false;
    }
    let trimmed = text.trim_end().len();
    changed |= trimmed != text.len();
    text.truncate(trimmed);
    CleanText { text, changed }
}

/// Unicode format characters that would let a name hide or reorder the text around it.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' |
        '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{00AD}')
}

/// Parses `#rrggbb` (or `rrggbb`) into 0xRRGGBB.
pub fn parse_color(raw: &str) -> Option<u32> {
    let hex = raw.trim().trim_start_matches('#');
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("  Blob  ", 16), "Blob");
        assert_eq!(clean_name("a\u{0}b\nc\u{202E}d", 16), "ab cd");
        assert_eq!(clean_name("\u{200B}\u{200B}", 16), DEFAULT_NAME);
        assert_eq!(clean_name("", 16), DEFAULT_NAME);
        assert_eq!(clean_name(&"x".repeat(10_000), 16).chars().count(), 16);
        assert_eq!(clean_name("日本語の名前です", 4), "日本語の");
    }

    #[test]
    fn chat_text_says_when_it_was_cleaned() {
        let clean = |raw: &str| clean_text(raw, 8);
        assert!(!clean("hi you").changed);
        assert_eq!(clean("hi you").text, "hi you");
        assert!(clean("hi\u{202E}there").changed);
        assert_eq!(clean("a\tb").text, "a b");
        assert!(clean("a\tb").changed);
        assert!(clean("  hi").changed);
        assert_eq!(clean(&"x".repeat(1_000_000)).text, "x".repeat(8));
        assert_eq!(clean(&"\u{200B}".repeat(1_000)).text, "");
    }

    #[test]
    fn colors_parse_strictly() {
        assert_eq!(parse_color("#ff8800"), Some(0xff8800));
        assert_eq!(parse_color("00FF00"), Some(0x00ff00));
        assert_eq!(parse_color("#ff88"), None);
        assert_eq!(parse_color("#gg0000"), None);
        assert_eq!(parse_color("#+12345"), None);
    }
}
