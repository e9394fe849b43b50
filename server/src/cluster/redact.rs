//! The Redis URL, held so that its password can never reach a log line.
//!
//! Why a wrapper and not a `String`: the URL is printed at start-up, in every reconnect warning and
//! in `--help`-style config dumps. `Display` and `Debug` both print `redis://user:***@host:port/db`,
//! so `tracing::warn!(redis = %url, ..)` is safe by construction; only [`RedisUrl::expose`], called
//! once when the client is opened, hands out the secret.

use std::fmt;

/// A `redis://` (or `rediss://`, `unix://`) URL whose password is redacted when printed.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

/// What stands in for a password in printed URLs.
pub const REDACTED: &str = "***";

impl RedisUrl {
    /// Wraps a URL as given on the command line or in the config file.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password, for opening the client only: never log this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Writes the URL with the password (the part between `user:` and `@` of the authority, or the
    /// whole userinfo when it has no `:`, which redis-rs reads as a password) replaced by `***`.
    fn write_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0.as_str();
        let Some(scheme_end) = url.find("://") else {
            // Not a URL we understand: print nothing of it rather than risk a secret.
            return f.write_str("<unparsed redis url>");
        };
        let authority_start = scheme_end + 3;
        let rest = &url[authority_start..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        // The last '@' ends the userinfo: a password may itself contain '@'.
        let Some(at) = authority.rfind('@') else {
            return f.write_str(url);
        };
        let userinfo = &authority[..at];
        f.write_str(&url[..authority_start])?;
        match userinfo.find(':') {
            Some(colon) => {
                f.write_str(&userinfo[..colon])?;
                f.write_str(":")?;
                f.write_str(REDACTED)?;
            }
            None => f.write_str(REDACTED)?,
        }
        f.write_str(&authority[at..])?;
        f.write_str(&rest[authority_end..])
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_redacted(f)
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisUrl(")?;
        self.write_redacted(f)?;
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        RedisUrl::new(url).to_string()
    }

    #[test]
    fn password_is_redacted_in_display_and_debug() {
        let url = RedisUrl::new("redis://petri:s3cr3t@db.example:6379/2");
        assert_eq!(url.to_string(), "redis://petri:***@db.example:6379/2");
        let debug = format!("{url:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert_eq!(url.expose(), "redis://petri:s3cr3t@db.example:6379/2");
    }

    #[test]
    fn password_only_userinfo_and_at_signs_in_passwords() {
        assert_eq!(shown("redis://:pw@h:1"), "redis://:***@h:1");
        assert_eq!(shown("redis://pw@h:1"), "redis://***@h:1");
        assert_eq!(
            shown("rediss://u:p@ss@h:1/0?x=1"),
            "rediss://u:***@h:1/0?x=1"
        );
        assert!(!shown("rediss://u:p@ss@h:1").contains("p@ss"));
    }

    #[test]
    fn urls_without_secrets_print_unchanged_and_garbage_prints_nothing() {
        assert_eq!(shown("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(shown("not a url with pw"), "<unparsed redis url>");
    }
}
